"""The relaxed-zone layer kept up to date per edited region with the engine's incremental RelaxedOverlay.

When the comparison involves the current mask (prediction vs mask, or mask vs
reference), a brush dab recomputes only its box grown by ρ + 1 instead of the whole
picture; the relaxed F, precision and recall come from the overlay's running counts.
"""

from __future__ import annotations

import numpy as np

from u2studio.core.document import ImageDocument, Region
from u2studio.core.editing import Rect, RelaxedOverlay
from u2studio.gui.canvas.view_options import Compare


class LiveRelaxed:
    """One incremental comparison of a document's live mask, or nothing when the pair does not involve the mask."""

    def __init__(self, doc: ImageDocument, compare: Compare, rho: int) -> None:
        assert doc.mask is not None
        self.doc = doc
        self.compare = compare
        self.rho = rho
        self.mask = doc.mask
        self.gt = doc.gt
        self.prediction = doc.prediction
        if compare is Compare.PRED_VS_MASK:
            assert doc.prediction is not None
            # the prediction is the tested side and stays fixed; the live mask array is the reference,
            # so update() reads the edited pixels straight from it
            self.overlay = RelaxedOverlay(doc.prediction, doc.mask, rho)
            self._tested = doc.prediction
        else:
            assert doc.gt is not None
            self.overlay = RelaxedOverlay(doc.mask, doc.gt, rho)
            self._tested = doc.mask

    @staticmethod
    def applies(doc: ImageDocument, compare: Compare) -> bool:
        """Whether the comparison changes with the mask and both sides exist."""
        if doc.mask is None:
            return False
        if compare is Compare.PRED_VS_MASK:
            return doc.prediction is not None
        return compare is Compare.MASK_VS_GT and doc.gt is not None

    def matches(self, doc: ImageDocument, compare: Compare, rho: int) -> bool:
        """Whether this overlay still describes ``doc`` (same arrays, comparison and ρ)."""
        return (
            doc is self.doc and compare is self.compare and rho == self.rho and doc.mask is self.mask
            and doc.gt is self.gt and doc.prediction is self.prediction
        )

    @property
    def rgba(self) -> np.ndarray:
        """The whole picture (H×W×4)."""
        return self.overlay.rgba

    def update(self, region: Region) -> Region:
        """Recompute after the mask changed in ``region``; returns the box of the picture to repaint."""
        box = self.overlay.update(self._tested, Rect(*region))
        return (box.x0, box.y0, box.x1, box.y1)

    def scores(self) -> tuple[float, float, float]:
        """(relaxed Fβ, precision, recall)."""
        return self.overlay.scores()
