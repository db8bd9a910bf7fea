"""Editing state of one image: its MaskEditor, its own undo stack and its autosaver.

The document's ``mask`` is the editor's live array, so views read what the tools
write; every change of the editor becomes ``doc.mask_changed(box)`` (a region repaint).
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QWidget

from u2studio.core.document import DocStatus, ImageDocument, count_edit, mask_from_prediction
from u2studio.core.editing import EditRecord, MaskEditor, Rect
from u2studio.core.editing.autosave import Autosaver
from u2studio.gui.editing.autosave_status import autosave_events
from u2studio.gui.editing.undo_command import EditCommand


class EditSession:
    """Binds one document to an editor (record_history=False), a QUndoStack and an Autosaver."""

    def __init__(
        self,
        doc: ImageDocument,
        threshold: float | None,
        *,
        autosave_interval: float,
        recovered: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        if doc.rgb is None or doc.mask is None:
            raise ValueError(f"{doc.name}: nothing to edit before the image and a mask exist")
        prediction = None if doc.prediction is None else mask_from_prediction(doc.prediction, threshold)
        self.doc = doc
        self.editor = MaskEditor(doc.mask, image=doc.rgb, prediction=prediction, record_history=False)
        doc.mask = self.editor.mask
        self.stack = QUndoStack(parent)
        self.recovered = recovered
        self._last_edit: float | None = None
        # autosave failures (and the write that ends them) reach the window's warning bar
        on_saved, on_error = autosave_events().callbacks(doc.path)
        self.autosaver = Autosaver(
            doc.path, (doc.rgb.shape[1], doc.rgb.shape[0]), self.editor.snapshot, interval=autosave_interval,
            on_saved=on_saved, on_error=on_error,
        )
        self.editor.add_listener(self._changed)

    def _changed(self, rect: Rect) -> None:
        self.doc.mask_changed((rect.x0, rect.y0, rect.x1, rect.y1))
        if not self.editor.in_stroke:
            self.autosaver.notify_changed()

    @property
    def unsaved(self) -> bool:
        """Whether there are edits the person has not saved (a recovered mask counts)."""
        return self.recovered or not self.stack.isClean()

    def push(self, record: EditRecord | None) -> None:
        """Record an edit the editor already made as one undo step."""
        if record is not None:
            self.stack.push(EditCommand(self.editor, record))
            self._last_edit = count_edit(self.doc, time.monotonic(), self._last_edit)

    def set_prediction(self, prediction: np.ndarray | None, threshold: float | None) -> None:
        """A new model result arrived for an edited image: it becomes what 'reset to prediction' restores."""
        if prediction is not None:
            self.editor.prediction = mask_from_prediction(prediction, threshold)

    def mark_saved(self) -> None:
        """The person saved the mask: the undo stack is clean and the autosave no longer needs recovery."""
        self.stack.setClean()
        self.recovered = False
        self.autosaver.mark_clean()
        self.doc.status = DocStatus.SAVED

    def close(self, *, discard: bool = False) -> None:
        """Stop autosaving (a final write unless ``discard``, which deletes the session folder)."""
        if self.editor.in_stroke:
            self.push(self.editor.end_stroke())
        self.editor.remove_listener(self._changed)
        self.autosaver.close(discard_session=discard)
