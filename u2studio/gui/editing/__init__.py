"""Mask correction in the studio: tools, canvas input, edit sessions with undo, autosave recovery, the tool panel."""
