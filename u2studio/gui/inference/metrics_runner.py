"""The metrics panel's numbers, computed off the UI thread at a throttled rate (10 Hz; 2 Hz above 2 MP).

Every array is read in place on the pool thread: the prediction and the reference are replaced, never changed in
place, and the shown mask, which the brush changes in place, is never copied on the UI thread (a 24-MP copy cost it
~80 ms): its version is noted when the computation starts, and a result whose mask changed meanwhile is dropped and
asked for again. Nothing starts while a stroke is in progress, nor while the relaxed zone's counts are still catching
up with it tile by tile (DeferredRepaint). One computation at a time; changes meanwhile ask for another
when it ends, and a result for an image no longer shown is dropped.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from u2studio.core.document import ImageDocument
from u2studio.gui.canvas.overlay_presenter import BACKGROUND_PIXELS, OverlayPresenter
from u2studio.gui.canvas.view_options import comparison_pair
from u2studio.gui.common.background import BackgroundJobs


def _measure(tested: np.ndarray, reference: np.ndarray, rho: int, live: tuple[float, float, float] | None) -> object:
    from u2studio.core.mask_metrics import MaskComparison, compare, iou, mae

    if live is None:
        return compare(tested, reference, rho)
    # the incremental overlay's counts: no full boundary comparison per brush dab
    return MaskComparison(*live, mae(tested, reference), iou(tested, reference), rho)


class MetricsRunner(QObject):
    """Schedules and runs the comparison of the shown image; ``ready`` carries a MaskComparison or None."""

    ready = Signal(object)
    stale = Signal()  # the numbers on screen no longer describe the masks: a recomputation is on its way

    def __init__(self, shown: Callable[[], ImageDocument | None], presenter: OverlayPresenter, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.shown = shown
        self.presenter = presenter
        self.jobs = BackgroundJobs(1, self)
        self._again = False
        self.busy: Callable[[], bool] = lambda: False  # a brush stroke in progress (set by the editing layer)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._start)

    def schedule(self) -> None:
        """Recompute soon: bursts of changes (slider moves, brush dabs) are throttled; ``stale`` says so now."""
        self.stale.emit()
        doc = self.shown()
        large = doc is not None and doc.size is not None and doc.size[0] * doc.size[1] > BACKGROUND_PIXELS
        if not self._timer.isActive():
            self._timer.start(500 if large else 100)

    def _start(self) -> None:
        if self.busy() or self.presenter.relaxed_catching_up():
            # no copy of a 24-MP mask between two dabs: measure once the stroke is done, and once the relaxed
            # counts have caught up in their small chunks; finishing them here in one go stalled the loop 100+ ms
            self._timer.start(100)
            return
        if self.jobs.busy:
            self._again = True
            return
        doc = self.shown()
        pair = comparison_pair(doc, self.presenter.options.compare) if doc is not None else None
        if doc is None or pair is None:
            self.ready.emit(None)
            return
        tested, reference = pair
        rho, live = self.presenter.options.rho, self.presenter.live_scores()
        version = (id(doc.mask), doc.mask_version)
        self.jobs.submit("metrics", lambda: _measure(tested, reference, rho, live),
                         lambda result: self._done(doc, result, version))

    def _done(self, doc: ImageDocument, result: object, version: tuple[int, int]) -> None:
        if doc is self.shown() and version != (id(doc.mask), doc.mask_version):
            self.schedule()  # the mask changed while it was read: these numbers may mix two states
            return
        if doc is self.shown():
            self.ready.emit(result)
        if self._again or doc is not self.shown():
            self._again = False
            self.schedule()
