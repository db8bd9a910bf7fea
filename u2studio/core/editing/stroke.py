"""One brush stroke in progress: dabs composited with per-stroke max alpha, and its undo record."""

from __future__ import annotations

import numpy as np

from u2studio.core.editing.brush import BrushParams, dab_alpha, dab_centres
from u2studio.core.editing.history import EditRecord
from u2studio.core.editing.rect import Rect


class Stroke:
    """Paints dabs into ``mask`` in place and remembers the pre-stroke values it overwrote.

    Two full-size buffers are allocated with calloc/empty, so only the pages the stroke
    touches take memory: the stroke alpha (float32) and the pre-stroke values (uint8).
    """

    def __init__(self, mask: np.ndarray, params: BrushParams, label: str | None = None) -> None:
        self.mask = mask
        self.params = params
        self.label = label or ("Brush" if params.target == 255 else "Eraser")
        self._alpha = np.zeros(mask.shape, np.float32)
        self._orig = np.empty(mask.shape, np.uint8)
        self._last: tuple[float, float, float] | None = None
        self._carry = 0.0
        self.rect: Rect | None = None

    def add_point(self, x: float, y: float, pressure: float = 1.0) -> Rect | None:
        """Extend the stroke to (x, y); paints the dabs on the way and returns the dirty box (None if nothing changed)."""
        if not (np.isfinite(x) and np.isfinite(y) and np.isfinite(pressure)):
            raise ValueError(f"stroke point ({x}, {y}, pressure {pressure}) is not finite")
        point = (float(x), float(y), float(min(max(pressure, 0.0), 1.0)))
        if self._last is None:
            dabs = [point]
            self._carry = 0.0
        else:
            dabs, self._carry = dab_centres(self._last, point, self.params, self._carry)
        self._last = point
        dirty: Rect | None = None
        for dx, dy, dp in dabs:
            box = self._dab(dx, dy, dp)
            if box is not None:
                dirty = box if dirty is None else dirty.union(box)
        return dirty

    def _dab(self, x: float, y: float, pressure: float) -> Rect | None:
        """Composite one dab; returns the box it covered inside the image."""
        p = self.params
        radius = p.dab_radius(pressure)
        height, width = self.mask.shape
        box = Rect.around(x, y, radius + 1.0).clip(width, height)
        if box.is_empty:
            return None
        dab = dab_alpha(x, y, radius, p.hardness, p.dab_opacity(pressure), box)
        sl = box.slices
        alpha = self._alpha[sl]
        grown = dab > alpha
        if not grown.any():
            return None
        fresh = grown & (alpha == 0)
        orig = self._orig[sl]
        mask = self.mask[sl]
        orig[fresh] = mask[fresh]
        np.maximum(alpha, dab, out=alpha)
        base = orig[grown].astype(np.float32)
        mask[grown] = np.rint(base + (p.target - base) * alpha[grown]).astype(np.uint8)
        self.rect = box if self.rect is None else self.rect.union(box)
        return box

    def pre_stroke_values(self, rect: Rect) -> np.ndarray:
        """The mask's values in ``rect`` as they were before this stroke."""
        sl = rect.slices
        return np.where(self._alpha[sl] > 0, self._orig[sl], self.mask[sl])

    def finish(self) -> EditRecord | None:
        """End the stroke: the undo record of the pixels that changed, or None when none did."""
        if self.rect is None:
            return None
        box = self.rect
        old = self.pre_stroke_values(box)
        new = self.mask[box.slices]
        tight = Rect.of_nonzero(old != new)
        self._release()
        if tight is None:
            return None
        rect = tight.translate(box.x0, box.y0)
        inner = tight.slices
        return EditRecord.capture(rect, old[inner], np.array(new[inner]), self.label)

    def cancel(self) -> Rect | None:
        """Abandon the stroke, restoring the mask; returns the dirty box."""
        rect = self.rect
        if rect is not None:
            self.mask[rect.slices] = self.pre_stroke_values(rect)
        self._release()
        return rect

    def _release(self) -> None:
        self._alpha = np.zeros((0, 0), np.float32)
        self._orig = np.empty((0, 0), np.uint8)
        self.rect = None
