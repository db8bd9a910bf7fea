"""One QUndoCommand per edit: wraps the engine's EditRecord, undo/redo replay it on the editor bit for bit."""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from u2studio.core.editing import EditRecord, MaskEditor


class EditCommand(QUndoCommand):
    """An edit that is already applied when pushed: the first redo (QUndoStack.push calls it) does nothing."""

    def __init__(self, editor: MaskEditor, record: EditRecord) -> None:
        super().__init__(record.label)
        self.editor = editor
        self.record = record
        self._applied = True

    def redo(self) -> None:
        """Re-apply the edit (skipped on push: the tool already changed the mask)."""
        if self._applied:
            self._applied = False
            return
        self.editor.redo_record(self.record)

    def undo(self) -> None:
        """Put the pixels back as they were before the edit."""
        self.editor.undo_record(self.record)
