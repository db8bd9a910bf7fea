"""The undo steps of the studio: edits (the engine's EditRecord plus the edit layer) and new predictions.

Every change of the mask model is one QUndoCommand, so undo always restores exactly what the user saw:
an edit puts back the old pixels and the old edit layer, a new prediction puts back the old prediction (and,
when it replaced the corrections, the corrections too).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtGui import QUndoCommand

from u2studio.core.editing import EditRecord

if TYPE_CHECKING:
    from u2studio.gui.editing.session import EditSession


class EditCommand(QUndoCommand):
    """An edit that is already applied when pushed: the first redo (QUndoStack.push calls it) does nothing."""

    def __init__(self, session: EditSession, record: EditRecord, layer_before: np.ndarray, layer_after: np.ndarray) -> None:
        super().__init__(record.label)
        self.session = session
        self.record = record
        self.layer_before = np.packbits(layer_before, axis=None)
        self.layer_after = np.packbits(layer_after, axis=None)
        self._applied = True

    def _layer(self, packed: np.ndarray) -> np.ndarray:
        height, width = self.record.shape
        return np.unpackbits(packed, count=height * width).reshape(height, width).astype(bool)

    def redo(self) -> None:
        """Re-apply the edit (skipped on push: the tool already changed the mask)."""
        if self._applied:
            self._applied = False
            return
        self.session.replay(self.record, self._layer(self.layer_after), forward=True)

    def undo(self) -> None:
        """Put the pixels and the edit layer back as they were before the edit."""
        self.session.replay(self.record, self._layer(self.layer_before), forward=False)


class PredictionCommand(QUndoCommand):
    """A new model result for an image with an edit session; applied by the first redo (on push)."""

    def __init__(self, session: EditSession, prediction: np.ndarray, sides: tuple, side_names: tuple, replace_edits: bool) -> None:
        super().__init__("New prediction, corrections replaced" if replace_edits else "New prediction, corrections kept")
        doc = session.doc
        self.session = session
        self.new = (prediction, sides, side_names)
        self.old = (doc.prediction, doc.sides, doc.side_names)
        self.replace_edits = replace_edits and doc.has_edits
        # replacing drops the corrections: keep them (layer and values) so undo can bring them back
        self.saved_edits = doc.edits.copy() if self.replace_edits and doc.edits is not None else None
        self.saved_mask = doc.mask.copy() if self.replace_edits and doc.mask is not None else None

    def redo(self) -> None:
        """Show the new prediction (dropping the corrections if asked)."""
        self.session.set_model_output(*self.new, clear_edits=self.replace_edits)

    def undo(self) -> None:
        """Bring back the previous prediction and any corrections this step replaced."""
        self.session.set_model_output(*self.old, restore=(self.saved_edits, self.saved_mask))
