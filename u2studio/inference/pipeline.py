"""A bounded pipeline: load (decode + preprocess), infer, finish (postprocess + encode + write) overlap.

Loader threads pull jobs, an inference lane per engine lane runs the model (batching on a GPU), finisher
threads write the results. A semaphore taken before a job is pulled and given back when it is finished
caps the jobs in memory at ``max_in_flight``, so a folder of 24-MP photos never holds more than that many.
Decoding, resizing, PNG encoding and onnxruntime all release the GIL, so the stages really overlap.
One job's failure is reported for that job and the pipeline goes on. No torch, no Qt.
"""

from __future__ import annotations

import queue
import signal
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import numpy as np

J = TypeVar("J")
_END = object()


@dataclass
class PipelineStats:
    """What a run measured: forward latencies (ms per image), when the first job finished, the peak in flight."""

    forward_ms: list[float] = field(default_factory=list)
    first_done_at: float | None = None
    peak_in_flight: int = 0

    @property
    def median_forward_ms(self) -> float | None:
        """The steady-state inference time per image (median, the first call excluded when there are others)."""
        samples = self.forward_ms[1:] if len(self.forward_ms) > 1 else self.forward_ms
        return statistics.median(samples) if samples else None


@dataclass(frozen=True)
class Stages(Generic[J]):
    """The work: ``load(job) -> (input 3×S×S, payload)`` and ``finish(job, payload, prob S×S) -> result``."""

    load: Callable[[J], tuple[np.ndarray, Any]]
    finish: Callable[[J, Any, np.ndarray], Any]
    forward: Callable[[np.ndarray], np.ndarray]
    lanes: int = 1
    max_batch: int = 1
    loaders: int = 1
    finishers: int = 1
    max_in_flight: int = 4


class Pipeline(Generic[J]):
    """Runs ``stages`` over ``jobs``; ``on_result(job, result_or_exception)`` is called on the calling thread."""

    def __init__(self, stages: Stages[J], jobs: Iterator[J], on_result: Callable[[J, Any], None]) -> None:
        self.stages = stages
        self.stats = PipelineStats()
        self.stop = threading.Event()
        self._jobs = jobs
        self._jobs_lock = threading.Lock()
        self._on_result = on_result
        self._slots = threading.BoundedSemaphore(max(1, stages.max_in_flight))
        self._in_flight = 0
        self._count_lock = threading.Lock()
        self._infer: queue.Queue[Any] = queue.Queue()
        self._finish: queue.Queue[Any] = queue.Queue()
        self._results: queue.Queue[Any] = queue.Queue()

    def run(self) -> PipelineStats:
        """Process every job (or until :attr:`stop` is set); a first Ctrl+C stops pulling and drains, a second aborts.

        On the main thread a SIGINT handler only counts the presses, and the loop below acts on them: a
        KeyboardInterrupt raised at an arbitrary point (inside a queue's lock, say) could leave that lock held
        and hang the drain. The second press raises, to abort.
        """
        s = self.stages
        presses = [0]

        def on_sigint(_signum: int, _frame: object) -> None:
            presses[0] += 1
            if presses[0] > 1:
                raise KeyboardInterrupt

        installed = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, on_sigint) if installed else None
        try:
            self._spawn(s.loaders, self._load_loop, self._infer, s.lanes)
            self._spawn(s.lanes, self._infer_loop, self._finish, s.finishers)
            self._spawn(s.finishers, self._finish_loop, self._results, 1)
            while True:
                if presses[0] and not self.stop.is_set():
                    self.stop.set()
                try:
                    item = self._results.get(timeout=0.2)
                except queue.Empty:
                    continue
                if item is _END:
                    break
                job, result = item
                if self.stats.first_done_at is None:
                    self.stats.first_done_at = time.perf_counter()
                self._on_result(job, result)
        finally:
            if installed:
                signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)
        if presses[0]:
            raise KeyboardInterrupt
        return self.stats

    def _spawn(self, count: int, loop: Callable[[], None], downstream: queue.Queue[Any], ends: int) -> None:
        """Start ``count`` threads; when the last one returns, ``ends`` end markers go downstream."""
        remaining = [count]
        lock = threading.Lock()

        def body() -> None:
            try:
                loop()
            finally:
                with lock:
                    remaining[0] -= 1
                    last = remaining[0] == 0
                if last:
                    for _ in range(ends):
                        downstream.put(_END)

        threads = [threading.Thread(target=body, daemon=True, name=f"u2-{loop.__name__}") for _ in range(count)]
        for thread in threads:
            thread.start()

    def _next_job(self) -> tuple[bool, J | None]:
        with self._jobs_lock:
            if self.stop.is_set():
                return False, None
            try:
                return True, next(self._jobs)
            except StopIteration:
                return False, None

    def _load_loop(self) -> None:
        while True:
            self._slots.acquire()
            more, job = self._next_job()
            if not more:
                self._slots.release()
                return
            with self._count_lock:
                self._in_flight += 1
                self.stats.peak_in_flight = max(self.stats.peak_in_flight, self._in_flight)
            try:
                x, payload = self.stages.load(job)  # type: ignore[arg-type]
            except Exception as exc:  # one bad file is that file's failure
                self._done(job, exc)
                continue
            self._infer.put((job, x, payload))

    def _infer_loop(self) -> None:
        while True:
            first = self._infer.get()
            if first is _END:
                return
            batch = [first]
            while len(batch) < self.stages.max_batch:
                try:
                    extra = self._infer.get_nowait()
                except queue.Empty:
                    break
                if extra is _END:
                    self._infer.put(_END)
                    break
                batch.append(extra)
            try:
                began = time.perf_counter()
                probs = self.stages.forward(np.stack([x for _, x, _ in batch]))
                per_image = (time.perf_counter() - began) * 1000.0 / len(batch)
                with self._count_lock:
                    self.stats.forward_ms.append(per_image)
            except Exception as exc:
                for job, _, _ in batch:
                    self._done(job, exc)
                continue
            for (job, _, payload), prob in zip(batch, probs):
                self._finish.put((job, payload, prob))

    def _finish_loop(self) -> None:
        while True:
            item = self._finish.get()
            if item is _END:
                return
            job, payload, prob = item
            try:
                result = self.stages.finish(job, payload, prob)
            except Exception as exc:
                result = exc
            self._done(job, result)

    def _done(self, job: Any, result: Any) -> None:
        with self._count_lock:
            self._in_flight -= 1
        self._results.put((job, result))
        self._slots.release()
