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


def _nbytes(*arrays: object) -> int:
    return sum(a.nbytes for a in arrays if isinstance(a, np.ndarray))


class EditCommand(QUndoCommand):
    """An edit that is already applied when pushed: the first redo (QUndoStack.push calls it) does nothing."""

    protected = False  # the history cap may drop it once it is old

    def __init__(self, session: EditSession, record: EditRecord, layer_before: np.ndarray, layer_after: np.ndarray) -> None:
        super().__init__(record.label)
        self.session = session
        self.record = record
        self.layer_before = layer_before if layer_before.ndim == 1 else np.packbits(layer_before, axis=None)
        self.layer_after = layer_after if layer_after.ndim == 1 else np.packbits(layer_after, axis=None)
        self._applied = True
        self.nbytes = record.nbytes + _nbytes(self.layer_before, self.layer_after)  # as stored (compressed)

    def adopt(self, compact: EditRecord) -> None:
        """Hold ``compact``, the compressed twin of this step's raw record (the same values, fewer bytes)."""
        if compact.rect != self.record.rect or compact.label != self.record.label:
            raise ValueError("a compacted record must describe the same edit")
        self.record = compact
        self.nbytes = compact.nbytes + _nbytes(self.layer_before, self.layer_after)

    def clone(self) -> EditCommand:
        """The same step as a new, already-applied command (for rebuilding a trimmed stack)."""
        return EditCommand(self.session, self.record, self.layer_before, self.layer_after)

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
        self._applied = False
        # the old prediction and any replaced corrections are this step's own memory
        self.nbytes = _nbytes(self.old[0], *self.old[1], self.saved_edits, self.saved_mask)

    @property
    def protected(self) -> bool:
        """A step that replaced corrections is the only way back to them: the history cap never drops it."""
        return self.saved_edits is not None

    def clone(self) -> PredictionCommand:
        """The same step as a new, already-applied command (for rebuilding a trimmed stack)."""
        twin = PredictionCommand.__new__(PredictionCommand)
        QUndoCommand.__init__(twin, self.text())
        twin.__dict__.update(self.__dict__)
        twin._applied = True
        return twin

    def redo(self) -> None:
        """Show the new prediction (dropping the corrections if asked); skipped once for a rebuilt, applied step."""
        if self._applied:
            self._applied = False
            return
        self.session.set_model_output(*self.new, clear_edits=self.replace_edits)

    def undo(self) -> None:
        """Bring back the previous prediction and any corrections this step replaced."""
        self.session.set_model_output(*self.old, restore=(self.saved_edits, self.saved_mask))
