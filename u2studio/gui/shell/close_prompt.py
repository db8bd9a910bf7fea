"""Closing with unsaved corrections: ask Save / Discard / Cancel, then save masks or drop their autosaves."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from u2studio.gui.editing.controller import EditController

Button = QMessageBox.StandardButton


def prompt_text(edits: EditController) -> str:
    """The close prompt's text: which images have unsaved corrections and where Save would write each."""
    unsaved = edits.unsaved()
    lines = [f"{d.name} → {edits.studio.default_output('mask', d)}" for d in unsaved[:8]]
    if len(unsaved) > 8:
        lines.append(f"… and {len(unsaved) - 8} more, each beside its image")
    return (
        f"{len(unsaved)} image(s) have corrections that are not saved or exported.\n\n"
        "Save writes each mask here:\n" + "\n".join(lines)
    )


def confirm_close(parent: QWidget, edits: EditController) -> bool:
    """Whether the window may close; saves (beside each image, NAME_mask.png) or discards as the person chooses."""
    unsaved = edits.unsaved()
    if not unsaved:
        edits.shutdown(discard_unsaved=False)
        return True
    answer = QMessageBox.question(
        parent, "Unsaved corrections", prompt_text(edits), Button.Save | Button.Discard | Button.Cancel, Button.Save,
    )
    if answer == Button.Cancel:
        return False
    if answer == Button.Save:
        studio = edits.studio
        for doc in unsaved:
            target = studio.default_output("mask", doc)
            if target is None or studio.save_mask(target, doc) is None:
                return False  # the error is on screen as a toast; keep the window open
        edits.shutdown(discard_unsaved=False)
        return True
    edits.shutdown(discard_unsaved=True)
    return True
