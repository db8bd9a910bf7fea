"""The window's handle on the inference worker: owns its QThread, numbers requests, drops stale results."""

from __future__ import annotations

import itertools

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal

from u2studio.gui.inference.jobs import JobFailure, PredictRequest, PredictResult
from u2studio.gui.inference.worker import InferenceWorker


class InferenceClient(QObject):
    """Submits requests to the single worker thread and passes back only results still wanted."""

    result = Signal(object)  # PredictResult, current
    failed = Signal(object)  # JobFailure, current
    dropped = Signal(int)  # id of a stale or cancelled result
    running = Signal(str)  # doc_key now being inferred
    notice = Signal(str)
    catalog = Signal(object)
    catalog_failed = Signal(str)
    progress = Signal(int, int)  # batch: done, total
    idle = Signal()
    _submit = Signal(object)
    _ask_catalog = Signal()
    _warm = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._latest: dict[str, int] = {}
        self._pending: dict[int, str] = {}
        self._doc_of: dict[int, str] = {}
        self._floor = 0
        self._batch_total = 0
        self._batch_done = 0
        self._thread = QThread()
        self._thread.setObjectName("u2studio-inference")
        self.worker = InferenceWorker()
        self.worker.moveToThread(self._thread)
        self._submit.connect(self.worker.run)
        self._ask_catalog.connect(self.worker.load_catalog)
        self._warm.connect(self.worker.warm_up)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self.worker.skipped.connect(self._on_skipped)
        self.worker.started.connect(self._on_started)
        self.worker.notice.connect(self.notice)
        self.worker.catalog_ready.connect(self.catalog)
        self.worker.catalog_failed.connect(self.catalog_failed)
        self._thread.finished.connect(self.worker.deleteLater)
        self._thread.start()

    @property
    def busy(self) -> bool:
        """Whether any request is queued or running."""
        return bool(self._pending)

    def pending_keys(self) -> set[str]:
        """Images with a request queued or running."""
        return set(self._pending.values())

    def request_catalog(self) -> None:
        """Ask the worker for the model and device lists (answered by ``catalog``)."""
        self._ask_catalog.emit()

    def warm_up(self, model: str, device: str) -> None:
        """Let the worker load ``model`` now, while the user is still choosing images."""
        self._warm.emit(model, device)

    def submit(self, doc_key: str, rgb: np.ndarray | None, model: str, device: str) -> int:
        """Queue inference of one image; a newer request for the same image makes older ones stale."""
        request = PredictRequest(next(self._ids), doc_key, rgb, model, device)
        self._latest[doc_key] = request.id
        self._pending[request.id] = doc_key
        self._doc_of[request.id] = doc_key
        self.worker.supersede(doc_key, request.id)
        self._submit.emit(request)
        return request.id

    def submit_batch(self, items: list[tuple[str, np.ndarray | None]], model: str, device: str) -> list[int]:
        """Queue several images and report progress through ``progress``."""
        if not self._pending:
            self._batch_total = self._batch_done = 0
        self._batch_total += len(items)
        ids = [self.submit(key, rgb, model, device) for key, rgb in items]
        self.progress.emit(self._batch_done, self._batch_total)
        return ids

    def cancel(self) -> None:
        """Drop everything queued or running; the running image finishes but its result is discarded."""
        self._floor = next(self._ids)
        self.worker.cancel_below(self._floor)
        for request_id in list(self._pending):
            self._settle(request_id)
            self.dropped.emit(request_id)

    def is_current(self, request_id: int, doc_key: str) -> bool:
        """Whether a result for ``request_id`` is still wanted."""
        return request_id >= self._floor and self._latest.get(doc_key) == request_id

    def _settle(self, request_id: int) -> None:
        if self._pending.pop(request_id, None) is not None and self._batch_total:
            self._batch_done += 1
            self.progress.emit(self._batch_done, self._batch_total)
        if not self._pending:
            self._batch_total = self._batch_done = 0
            self.idle.emit()

    def _on_started(self, request_id: int) -> None:
        if request_id in self._pending:
            self.running.emit(self._pending[request_id])

    def _on_finished(self, result: PredictResult) -> None:
        wanted = result.request_id in self._pending and self.is_current(result.request_id, result.doc_key)
        self._settle(result.request_id)
        if wanted:
            self.result.emit(result)
        else:
            self.dropped.emit(result.request_id)

    def _on_failed(self, failure: JobFailure) -> None:
        wanted = failure.request_id in self._pending and self.is_current(failure.request_id, failure.doc_key)
        self._settle(failure.request_id)
        if wanted:
            self.failed.emit(failure)
        else:
            self.dropped.emit(failure.request_id)

    def _on_skipped(self, request_id: int) -> None:
        if request_id in self._pending:
            self._settle(request_id)
            self.dropped.emit(request_id)

    def shutdown(self) -> None:
        """Cancel pending work and stop the thread (waits for a running image to finish)."""
        self.cancel()
        self._thread.quit()
        self._thread.wait()
