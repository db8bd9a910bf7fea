"""Refine edge off the GUI thread: GrabCut and the guided filter run on a pool thread, the result lands as one undo step.

When the drag ends, only crops are taken on the GUI thread (the mask's is copied: the brush may change it
meanwhile; the photo is never changed in place, so its crop is read as it is). The result is applied on the
GUI thread, as one undoable "Refine edge" step, only if it is still about the same picture:

- it is dropped when the image's edit session changed (a new prediction or threshold replaced the mask
  array, or the photo was closed), or when any pixel of the refined box changed since the crops were taken
  (another edit landed there meanwhile): the person sees a notice and can refine again;
- while a brush stroke is in progress it waits for the stroke to end, then checks again.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from u2studio.core.editing import Rect, RefineError
from u2studio.core.editing.refine import polyline_crop, refine_polyline_crop
from u2studio.core.editing.tools import Change
from u2studio.gui.common.background import BackgroundJobs
from u2studio.gui.editing.session import EditSession

RETRY_MS = 50  # how often a result waits for a stroke to end


class RefineJobs(QObject):
    """Runs refinements in the background; ``finished(outcome)`` says "applied", "unchanged", "stale" or an error."""

    finished = Signal(str)

    def __init__(self, warn: Callable[[str], None], alive: Callable[[EditSession], bool], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.warn = warn
        self.alive = alive  # whether a session is still the image's open one
        self.jobs = BackgroundJobs(1, self)
        self._serial = itertools.count(1)

    @property
    def busy(self) -> bool:
        """Whether a refinement has not come back yet."""
        return self.jobs.busy

    def start(self, session: EditSession, points: np.ndarray, width: float) -> None:
        """Refine along ``points`` (N×2 x, y, image pixels), a band ``width`` pixels wide, in the background."""
        editor = session.editor
        image = editor.image
        if image is None:
            self.warn("Cannot refine there: the photo is not loaded yet.")
            return
        box = polyline_crop(editor.shape, points, width)
        if box.is_empty:
            return
        with editor.lock:
            mask_crop = editor.mask[box.slices].copy()
        image_crop, origin = image[box.slices], (box.x0, box.y0)

        def work() -> Change | str | None:
            try:
                return refine_polyline_crop(image_crop, mask_crop, origin, points, width)
            except RefineError as exc:
                return str(exc)

        self.jobs.submit(("refine", next(self._serial)), work,
                         lambda result: self._arrived(session, editor.mask, box, mask_crop, result))

    def _arrived(self, session: EditSession, mask: np.ndarray, box: Rect, before: np.ndarray,
                 result: Change | str | None) -> None:
        if isinstance(result, str):
            self.warn(f"Cannot refine there: {result}")
            self.finished.emit(result)
            return
        editor = session.editor
        if result is None or not self.alive(session) or session.doc.mask is not mask or editor.mask is not mask:
            self.finished.emit("unchanged" if result is None else self._stale())
            return
        if editor.in_stroke:
            QTimer.singleShot(RETRY_MS, lambda: self._arrived(session, mask, box, before, result))
            return
        if not np.array_equal(mask[box.slices], before):
            self.finished.emit(self._stale())
            return
        record = editor.apply_change(result, "Refine edge")
        session.push(record)
        self.finished.emit("applied" if record is not None else "unchanged")

    def _stale(self) -> str:
        self.warn("Refine edge was dropped: that part of the mask changed while it was computed. Draw it again.")
        return "stale"
