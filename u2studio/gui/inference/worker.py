"""The one inference worker: lives on its own QThread, imports the inference code lazily, touches no widget."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from u2studio.gui.inference.jobs import JobFailure, PredictRequest, PredictResult

log = logging.getLogger("u2studio.gui.inference.worker")


class InferenceWorker(QObject):
    """Runs PredictRequests one at a time; requests below the cancel floor are skipped unrun."""

    started = Signal(int)
    finished = Signal(object)  # PredictResult
    failed = Signal(object)  # JobFailure
    skipped = Signal(int)
    notice = Signal(str)
    catalog_ready = Signal(object)  # u2studio.inference.catalog.Catalog
    catalog_failed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self._predictors: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self._floor = 0
        self._latest: dict[str, int] = {}

    def cancel_below(self, request_id: int) -> None:
        """Skip every queued request with a smaller id (callable from any thread)."""
        with self._lock:
            self._floor = max(self._floor, request_id)

    def supersede(self, doc_key: str, request_id: int) -> None:
        """Mark ``request_id`` as the newest for its image, so older queued ones are skipped."""
        with self._lock:
            self._latest[doc_key] = max(self._latest.get(doc_key, 0), request_id)

    def _is_stale(self, request: PredictRequest) -> bool:
        with self._lock:
            return request.id < self._floor or request.id < self._latest.get(request.doc_key, 0)

    @Slot()
    def load_catalog(self) -> None:
        """Find installed models and devices (this is where torch first gets imported)."""
        try:
            from u2studio.inference.catalog import load_catalog

            self.catalog_ready.emit(load_catalog())
        except Exception as exc:  # reported to the user, never raised into Qt
            log.exception("catalog failed")
            self.catalog_failed.emit(f"Could not list models: {exc}")

    @Slot(str, str)
    def warm_up(self, model: str, device: str) -> None:
        """Load a model ahead of the first run, so pressing Run answers quickly."""
        try:
            self._predictor(model, device)
        except Exception as exc:  # reported when the user runs it; a warm-up failure is only a note
            log.warning("warm-up of %s on %s failed: %s", model, device, exc)

    @Slot(object)
    def run(self, request: PredictRequest) -> None:
        """Run one request unless a newer one made it stale."""
        if self._is_stale(request):
            self.skipped.emit(request.id)
            return
        self.started.emit(request.id)
        try:
            rgb = request.rgb
            if rgb is None:
                from u2studio.core.imageio import load_image

                rgb = load_image(request.doc_key).rgb
            predictor = self._predictor(request.model, request.device)
            begin = time.perf_counter()
            prediction = predictor.predict_full(rgb)
            elapsed = (time.perf_counter() - begin) * 1000.0
        except Exception as exc:  # one bad image must not stop the worker
            log.exception("inference failed")
            message = str(exc) if type(exc).__name__ == "ImageLoadError" else f"{type(exc).__name__}: {exc}"
            self.failed.emit(JobFailure(request.id, request.doc_key, message))
            return
        self.finished.emit(
            PredictResult(
                request.id,
                request.doc_key,
                prediction.mask,
                prediction.sides,
                prediction.side_names,
                elapsed,
                predictor.device.type,
                predictor.name,
                rgb if request.rgb is None else None,
            )
        )

    def _predictor(self, model: str, device: str) -> Any:
        key = (model, device)
        if key not in self._predictors:
            from u2studio.inference.predictor import Predictor

            self._predictors[key] = Predictor(model, device, on_notice=self.notice.emit)
        return self._predictors[key]
