"""MaskEditor: the mask being corrected, every tool, the stroke API, undo/redo and change listeners (no Qt)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from u2studio.core.editing import refine as _refine
from u2studio.core.editing import tools
from u2studio.core.editing.brush import BrushParams
from u2studio.core.editing.history import EditRecord, History
from u2studio.core.editing.rect import Rect
from u2studio.core.editing.stroke import Stroke

Listener = Callable[[Rect], None]


def _check_mask(mask: np.ndarray, name: str) -> np.ndarray:
    if not isinstance(mask, np.ndarray) or mask.ndim != 2 or mask.dtype != np.uint8:
        raise ValueError(f"the {name} must be an H×W uint8 array (0..255)")
    if mask.size == 0:
        raise ValueError(f"the {name} has no pixels")
    return mask


class MaskEditor:
    """Owns an H×W uint8 mask and changes it only through tools that leave undo records.

    Every change returns an EditRecord (or None when nothing changed) whose ``rect`` is the
    dirty box, and calls each listener with that box (on the calling thread). The editor
    pushes records onto its History; a GUI with its own undo stack can pass
    ``record_history=False`` and call ``undo_record``/``redo_record`` from its commands.
    ``lock`` (re-entrant) is held during every change; ``snapshot()`` takes it too, so a
    background autosaver never sees half a change.
    """

    def __init__(
        self,
        mask: np.ndarray,
        *,
        image: np.ndarray | None = None,
        prediction: np.ndarray | Callable[[], np.ndarray] | None = None,
        history: History | None = None,
        record_history: bool = True,
        copy: bool = True,
    ) -> None:
        # copy=False adopts the caller's (contiguous) array, so whoever else shows it keeps the same array
        self._mask = np.ascontiguousarray(_check_mask(mask, "mask"))
        if copy:
            self._mask = self._mask.copy()
        self.image = image
        self._prediction: np.ndarray | Callable[[], np.ndarray] = self._mask.copy() if prediction is None else prediction
        if isinstance(prediction, np.ndarray):
            self._prediction = self.prediction.copy()  # checked now (a function's result is checked on first use)
        if image is not None and image.shape[:2] != self._mask.shape:
            raise ValueError(f"image {image.shape[:2]} and mask {self._mask.shape} differ in size")
        self.history = history if history is not None else History()
        self.record_history = record_history
        self.lock = threading.RLock()
        self.revision = 0
        self._stroke: Stroke | None = None
        self._listeners: list[Listener] = []

    # -- state -------------------------------------------------------------------------
    @property
    def prediction(self) -> np.ndarray:
        """The mask reset_to_prediction restores; given as a function, it is made on first use (not per session)."""
        if callable(self._prediction):
            self._prediction = self._prediction()
        value = _check_mask(self._prediction, "prediction")
        if value.shape != self._mask.shape:
            raise ValueError(f"prediction {value.shape} and mask {self._mask.shape} differ in size")
        return value

    @prediction.setter
    def prediction(self, value: np.ndarray | Callable[[], np.ndarray]) -> None:
        self._prediction = value

    @property
    def mask(self) -> np.ndarray:
        """The live mask (read it; change it only through the editor)."""
        return self._mask

    @property
    def shape(self) -> tuple[int, int]:
        """(height, width)."""
        return self._mask.shape  # type: ignore[return-value]

    @property
    def in_stroke(self) -> bool:
        """Whether a brush stroke is in progress."""
        return self._stroke is not None

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(rect)`` after every change of the mask (strokes: after each add_point)."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        """Stop calling ``listener``."""
        self._listeners.remove(listener)

    def snapshot(self) -> tuple[np.ndarray, int]:
        """A copy of the mask as of the last completed change (a stroke in progress is left out), and the revision."""
        with self.lock:
            copy = self._mask.copy()
            if self._stroke is not None and self._stroke.rect is not None:
                rect = self._stroke.rect
                copy[rect.slices] = self._stroke.pre_stroke_values(rect)
            return copy, self.revision

    def _changed(self, rect: Rect) -> None:
        for listener in list(self._listeners):
            listener(rect)

    # -- strokes -------------------------------------------------------------------------
    def begin_stroke(self, params: BrushParams, label: str | None = None) -> None:
        """Start a brush or eraser stroke (one undo step)."""
        with self.lock:
            if self._stroke is not None:
                raise RuntimeError("a stroke is already in progress: call end_stroke() or cancel_stroke() first")
            self._stroke = Stroke(self._mask, params, label)

    def add_point(self, x: float, y: float, pressure: float = 1.0) -> Rect | None:
        """Paint to (x, y) in image coordinates; returns the dirty box, or None if no pixel changed."""
        with self.lock:
            if self._stroke is None:
                raise RuntimeError("add_point() needs begin_stroke() first")
            rect = self._stroke.add_point(x, y, pressure)
        if rect is not None:
            self._changed(rect)
        return rect

    def end_stroke(self, compress: bool = True) -> EditRecord | None:
        """Finish the stroke: its undo record (its rect is the whole stroke's changed box), or None if nothing changed.

        ``compress=False`` (only without ``record_history``) hands back a raw record for the caller to compact later.
        """
        with self.lock:
            if self._stroke is None:
                raise RuntimeError("end_stroke() needs begin_stroke() first")
            record = self._stroke.finish(compress or self.record_history)
            self._stroke = None
            if record is not None:
                self._push(record)
        if record is not None:
            self._changed(record.rect)
        return record

    def cancel_stroke(self) -> Rect | None:
        """Abandon the stroke and restore the mask; returns the dirty box."""
        with self.lock:
            if self._stroke is None:
                return None
            rect = self._stroke.cancel()
            self._stroke = None
        if rect is not None:
            self._changed(rect)
        return rect

    # -- region tools ----------------------------------------------------------------------
    def fill_polygon(self, points: np.ndarray, *, erase: bool = False, antialias: bool = True) -> EditRecord | None:
        """Lasso: fill (or cut, with ``erase``) the polygon of N×2 (x, y) points."""
        return self._apply(lambda: tools.fill_polygon(self._mask, points, erase, antialias), "Lasso cut" if erase else "Lasso fill")

    def flood_fill(
        self,
        x: float,
        y: float,
        *,
        tolerance: float = 12.0,
        source: tools.FloodSource | str = tools.FloodSource.IMAGE,
        region: Rect | None = None,
        erase: bool = False,
        connectivity: int = 4,
    ) -> EditRecord | None:
        """Flood fill from (x, y) over image colours or mask values within ``tolerance``, inside ``region``."""
        return self._apply(
            lambda: tools.flood_fill(
                self._mask, x, y, tolerance=tolerance, source=source, image=self.image,
                region=region, erase=erase, connectivity=connectivity,
            ),
            "Flood erase" if erase else "Flood fill",
        )

    def grow(self, radius: int, region: Rect | None = None) -> EditRecord | None:
        """Dilate by ``radius`` pixels (whole mask or inside ``region``)."""
        return self._apply(lambda: tools.grow(self._mask, radius, region), "Grow")

    def shrink(self, radius: int, region: Rect | None = None) -> EditRecord | None:
        """Erode by ``radius`` pixels (whole mask or inside ``region``)."""
        return self._apply(lambda: tools.shrink(self._mask, radius, region), "Shrink")

    def smooth(self, radius: int, region: Rect | None = None) -> EditRecord | None:
        """Open then close with a disk of ``radius`` (whole mask or inside ``region``)."""
        return self._apply(lambda: tools.smooth(self._mask, radius, region), "Smooth")

    def invert(self, region: Rect | None = None) -> EditRecord | None:
        """Swap foreground and background."""
        return self._apply(lambda: tools.invert(self._mask, region), "Invert")

    def clear(self, region: Rect | None = None) -> EditRecord | None:
        """Set everything (or ``region``) to background."""
        return self._apply(lambda: tools.clear(self._mask, region), "Clear")

    def reset_to_prediction(self, region: Rect | None = None) -> EditRecord | None:
        """Restore the model's prediction (whole mask or inside ``region``)."""
        return self._apply(lambda: tools.reset_to(self._mask, self.prediction, region), "Reset to prediction")

    def refine(
        self, band: np.ndarray, *, iterations: int = 4, margin: int = 16, filter_radius: int = 4, eps: float = 1e-3
    ) -> EditRecord | None:
        """Snap the mask to image edges inside the bool H×W ``band`` (GrabCut + guided filter, see refine.refine_band)."""
        image = self.image
        if image is None:
            raise ValueError("refinement needs the image: pass image= to MaskEditor")
        return self._apply(
            lambda: _refine.refine_band(
                image, self._mask, band, iterations=iterations, margin=margin, filter_radius=filter_radius, eps=eps
            ),
            "Refine edge",
        )

    def refine_along(self, points: np.ndarray, width: float, **options: Any) -> EditRecord | None:
        """Refine in a band drawn as an open polyline of N×2 (x, y) points, ``width`` pixels wide."""
        return self.refine(_refine.band_from_polyline(self.shape, points, width), **options)

    def apply_change(self, change: tools.Change | None, label: str) -> EditRecord | None:
        """Commit a change computed elsewhere (a refinement run off the GUI thread) as one undo step."""
        return self._apply(lambda: change, label)

    def refine_polygon(self, points: np.ndarray, **options: Any) -> EditRecord | None:
        """Refine inside a closed polygon of N×2 (x, y) points."""
        return self.refine(_refine.band_from_polygon(self.shape, points), **options)

    # -- undo --------------------------------------------------------------------------
    def undo(self) -> Rect | None:
        """Revert the newest step in the editor's History; returns the dirty box."""
        with self.lock:
            self._no_stroke("undo")
            rect = self.history.undo(self._mask)
            if rect is not None:
                self.revision += 1
        if rect is not None:
            self._changed(rect)
        return rect

    def redo(self) -> Rect | None:
        """Re-apply the last undone step; returns the dirty box."""
        with self.lock:
            self._no_stroke("redo")
            rect = self.history.redo(self._mask)
            if rect is not None:
                self.revision += 1
        if rect is not None:
            self._changed(rect)
        return rect

    def undo_record(self, record: EditRecord) -> Rect:
        """Revert one record directly (for a GUI's QUndoCommand.undo)."""
        with self.lock:
            self._no_stroke("undo")
            rect = record.revert(self._mask)
            self.revision += 1
        self._changed(rect)
        return rect

    def redo_record(self, record: EditRecord) -> Rect:
        """Re-apply one record directly (for a GUI's QUndoCommand.redo after the first)."""
        with self.lock:
            self._no_stroke("redo")
            rect = record.apply(self._mask)
            self.revision += 1
        self._changed(rect)
        return rect

    def _no_stroke(self, what: str) -> None:
        if self._stroke is not None:
            raise RuntimeError(f"cannot {what} during a stroke: end_stroke() first")

    def _apply(self, compute: Callable[[], tools.Change | None], label: str) -> EditRecord | None:
        """Run a tool under the lock, commit its change as one undo step, then tell the listeners."""
        with self.lock:
            self._no_stroke(label.lower())
            record = self._commit(compute(), label)
        if record is not None:
            self._changed(record.rect)
        return record

    def _commit(self, change: tools.Change | None, label: str) -> EditRecord | None:
        """Write a tool's change into the mask as one undo step (only the pixels that differ)."""
        if change is None:
            return None
        rect, new = change
        old = self._mask[rect.slices]
        tight = Rect.of_nonzero(old != new)
        if tight is None:
            return None
        record = EditRecord.capture(
            tight.translate(rect.x0, rect.y0), old[tight.slices].copy(), np.ascontiguousarray(new[tight.slices]), label
        )
        record.apply(self._mask)
        self._push(record)
        return record

    def _push(self, record: EditRecord) -> None:
        if self.record_history:
            self.history.push(record)
        self.revision += 1
