"""The one inference worker: lives on its own QThread, imports the inference code lazily, touches no widget."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from u2studio.core.prediction_source import PredictionSource, compact_prediction
from u2studio.gui.common.background import lower_thread_priority
from u2studio.gui.inference.jobs import JobFailure, PredictRequest, PredictResult

log = logging.getLogger("u2studio.gui.inference.worker")
DEFAULT_PREDICTORS = 2


def predictor_limit() -> int:
    """How many loaded models the worker keeps (U2STUDIO_PREDICTORS overrides the default of 2; at least 1)."""
    try:
        return max(1, int(os.environ.get("U2STUDIO_PREDICTORS", DEFAULT_PREDICTORS)))
    except ValueError:
        return DEFAULT_PREDICTORS


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
        self._predictors: OrderedDict[tuple[str, str], Any] = OrderedDict()  # least recently used first
        self.predictor_limit = predictor_limit()
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
        """Find installed models and devices (torch only where a GPU could be present: ``inference.catalog``)."""
        lower_thread_priority()  # torch's threads, made from this one, inherit it
        try:
            from u2studio.inference.catalog import load_catalog

            self.catalog_ready.emit(load_catalog())
        except Exception as exc:  # reported to the user, never raised into Qt
            log.exception("catalog failed")
            self.catalog_failed.emit(f"Could not list models: {exc}")

    @Slot(str, str)
    def warm_up(self, model: str, device: str) -> None:
        """Load a model ahead of the first run, so pressing Run answers quickly."""
        lower_thread_priority()  # torch's threads, made from this one, inherit it
        try:
            self._predictor(model, device)
        except Exception as exc:  # reported when the user runs it; a warm-up failure is only a note
            log.warning("warm-up of %s on %s failed: %s", model, device, exc)

    @Slot(object)
    def run(self, request: PredictRequest) -> None:
        """Run one request unless a newer one made it stale."""
        lower_thread_priority()  # torch's threads, made from this one, inherit it
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
            # side outputs stay at the model's size; the main map is enlarged to uint8 from its model-size source,
            # which the document keeps so memory pressure can drop the 24 MB copy and re-make the same bytes
            prediction = predictor.predict_full(rgb, sides_at_image_size=False, main_at_image_size=False)
            source = PredictionSource(prediction.mask, rgb.shape[1], rgb.shape[0])
            mask = source.enlarge()
            sides = tuple(compact_prediction(side) for side in prediction.sides)
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
                mask,
                sides,
                prediction.side_names,
                elapsed,
                predictor.device.type,
                predictor.name,
                rgb if request.rgb is None else None,
                source,
            )
        )

    def _predictor(self, model: str, device: str) -> Any:
        """The loaded model for (model, device); the least recently used one is dropped beyond the limit."""
        key = (model, device)
        if key in self._predictors:
            self._predictors.move_to_end(key)
            return self._predictors[key]
        predictor = self._open(model, device)
        self._predictors[key] = predictor
        while len(self._predictors) > self.predictor_limit:
            self._predictors.popitem(last=False)
        return predictor

    def _open(self, model: str, device: str) -> Any:
        """On a CPU-only machine with the export cached: the torch-free predictor (no torch import, whose
        interpreter-lock stretches freeze the window); otherwise the torch Predictor (GPU, or making the export)."""
        from u2studio.inference.cached import open_cached, runs_on_cpu

        if runs_on_cpu(device):
            cached = open_cached(model, keep_ui_core=True, lean_memory=True)
            if cached is not None:
                return cached
        from u2studio.inference.predictor import Predictor

        return Predictor(model, device, on_notice=self.notice.emit, lean_memory=True)

    def loaded_models(self) -> list[tuple[str, str]]:
        """The (model, device) pairs held now, least recently used first."""
        return list(self._predictors)
