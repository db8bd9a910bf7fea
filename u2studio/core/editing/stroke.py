"""One brush stroke in progress: dabs composited with per-stroke max alpha, and its undo record."""

from __future__ import annotations

import threading

import numpy as np

from u2studio.core.editing.brush import BrushParams, dab_alpha, dab_centres
from u2studio.core.editing.history import EditRecord
from u2studio.core.editing.rect import Rect


_SCRATCH_LOCK = threading.Lock()
_scratch: list[tuple[np.ndarray, np.ndarray]] = []  # at most one pair: the last stroke's buffers, alpha zeroed
_held: list[tuple[int, int]] = []  # the shapes of the buffers strokes in progress hold


def _take_buffers(shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """A zeroed float32 alpha and an uint8 buffer of ``shape``: the previous stroke's when the size matches.

    Fresh full-size buffers fault their pages in on the first dab: 8–26 ms for the press of a stroke on a
    24-MP photo, where the kept ones cost nothing.
    """
    with _SCRATCH_LOCK:
        kept = _scratch.pop() if _scratch else None
        _held.append(shape)
    if kept is not None and kept[0].shape == shape:
        return kept
    return np.zeros(shape, np.float32), np.empty(shape, np.uint8)


def prepare_buffers(shape: tuple[int, int]) -> None:
    """Make the next stroke's buffers for an image of ``shape`` now, their pages already faulted in (any thread).

    The studio calls it on a pool thread when a photo is shown, so even its first stroke starts at once; it holds
    one pair (5 bytes a pixel: 120 MB for 24 MP) until a photo of another size replaces it.
    """
    with _SCRATCH_LOCK:
        if (_scratch and _scratch[0][0].shape == shape) or shape in _held:
            return  # ready, or a stroke on such an image holds them and hands them back when it ends
    alpha, orig = np.zeros(shape, np.float32), np.empty(shape, np.uint8)
    alpha.fill(0.0)  # writing faults the pages in here, not under the first dab
    orig.fill(0)
    with _SCRATCH_LOCK:
        _scratch[:] = [(alpha, orig)]


def _keep_buffers(alpha: np.ndarray, orig: np.ndarray, rect: Rect | None) -> None:
    """Hand a finished stroke's buffers to the next stroke (alpha is non-zero only inside ``rect``)."""
    if rect is not None:
        alpha[rect.slices] = 0
    with _SCRATCH_LOCK:
        _scratch[:] = [(alpha, orig)]
        if alpha.shape in _held:
            _held.remove(alpha.shape)


class Stroke:
    """Paints dabs into ``mask`` in place and remembers the pre-stroke values it overwrote.

    Two full-size buffers are allocated with calloc/empty, so only the pages the stroke
    touches take memory: the stroke alpha (float32) and the pre-stroke values (uint8). A finished stroke
    leaves them (alpha zeroed again) to the next stroke on an image of the same size.
    """

    def __init__(self, mask: np.ndarray, params: BrushParams, label: str | None = None) -> None:
        self.mask = mask
        self.params = params
        self.label = label or ("Brush" if params.target == 255 else "Eraser")
        self._alpha, self._orig = _take_buffers(mask.shape)
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
        return self._paint(dabs)

    def _paint(self, dabs: list[tuple[float, float, float]]) -> Rect | None:
        """Composite a batch of dabs: their max alpha in a local buffer, then one pass over the mask."""
        p = self.params
        height, width = self.mask.shape
        shapes = [(x, y, p.dab_radius(pr), p.dab_opacity(pr)) for x, y, pr in dabs]
        boxes = [Rect.around(x, y, r + 1.0).clip(width, height) for x, y, r, _ in shapes]
        box: Rect | None = None
        for b in boxes:
            if not b.is_empty:
                box = b if box is None else box.union(b)
        if box is None:
            return None
        batch = np.zeros((box.height, box.width), np.float32)
        for (x, y, r, opacity), b in zip(shapes, boxes):
            if b.is_empty:
                continue
            local = batch[b.y0 - box.y0 : b.y1 - box.y0, b.x0 - box.x0 : b.x1 - box.x0]
            np.maximum(local, dab_alpha(x, y, r, p.hardness, opacity, b), out=local)
        sl = box.slices
        alpha = self._alpha[sl]
        grown = batch > alpha
        if not grown.any():
            return None
        fresh = grown & (alpha == 0)
        orig = self._orig[sl]
        mask = self.mask[sl]
        orig[fresh] = mask[fresh]
        np.maximum(alpha, batch, out=alpha)
        base = orig[grown].astype(np.float32)
        mask[grown] = np.rint(base + (p.target - base) * alpha[grown]).astype(np.uint8)
        changed = Rect.of_nonzero(grown)
        assert changed is not None
        dirty = changed.translate(box.x0, box.y0)
        self.rect = dirty if self.rect is None else self.rect.union(dirty)
        return dirty

    def pre_stroke_values(self, rect: Rect) -> np.ndarray:
        """The mask's values in ``rect`` as they were before this stroke."""
        sl = rect.slices
        return np.where(self._alpha[sl] > 0, self._orig[sl], self.mask[sl])

    def finish(self, compress: bool = True) -> EditRecord | None:
        """End the stroke: the undo record of the pixels that changed, or None when none did (raw when not ``compress``)."""
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
        return EditRecord.capture(rect, old[inner], np.array(new[inner]), self.label, compress)

    def cancel(self) -> Rect | None:
        """Abandon the stroke, restoring the mask; returns the dirty box."""
        rect = self.rect
        if rect is not None:
            self.mask[rect.slices] = self.pre_stroke_values(rect)
        self._release()
        return rect

    def _release(self) -> None:
        if self._alpha.size:
            _keep_buffers(self._alpha, self._orig, self.rect)
        self._alpha = np.zeros((0, 0), np.float32)
        self._orig = np.empty((0, 0), np.uint8)
        self.rect = None
