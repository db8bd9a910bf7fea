"""Work off the UI thread: a function runs on a QThreadPool, its result comes back on the GUI thread.

Each job has a key; a newer job with the same key makes the older one stale, and a stale result is dropped
instead of delivered (switching images quickly never shows an old one). Touches no widget.

Pool threads (and the inference worker) run at a lower scheduling priority than the GUI thread
(``lower_thread_priority``): on a machine with few cores a brush stroke or a switch is not starved by the
background work it started.
"""

from __future__ import annotations

import itertools
import logging
import os
import sys
import threading
from collections.abc import Callable, Hashable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger("u2studio.gui.background")

BACKGROUND_NICE = 5  # added to a background thread's nice value (Linux); the GUI thread keeps its own
_lowered = threading.local()


def lower_thread_priority() -> None:
    """Let the calling thread yield the CPU to the GUI thread (Linux per-thread nice; elsewhere nothing). Once a thread."""
    if getattr(_lowered, "done", False):
        return
    _lowered.done = True
    if not sys.platform.startswith("linux") or threading.current_thread() is threading.main_thread():
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + BACKGROUND_NICE))
    except OSError:  # not permitted here: run at the same priority
        log.debug("could not lower a background thread's priority")


class _Relay(QObject):
    """Lives on the GUI thread; signals emitted from pool threads reach it queued."""

    done = Signal(int, object)
    failed = Signal(int, str)


class _Job(QRunnable):
    def __init__(self, token: int, work: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.token, self.work, self.relay = token, work, relay

    def run(self) -> None:
        lower_thread_priority()
        try:
            result = self.work()
        except Exception as exc:  # noqa: BLE001 (reported on the GUI thread, never raised into Qt)
            log.exception("background job failed")
            self.relay.failed.emit(self.token, f"{type(exc).__name__}: {exc}")
            return
        self.relay.done.emit(self.token, result)


class BackgroundJobs(QObject):
    """Runs keyed jobs on its own pool and calls back on the GUI thread with the results of current ones."""

    def __init__(self, threads: int = 1, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self._relay = _Relay(self)
        self._relay.done.connect(self._done)
        self._relay.failed.connect(self._failed)
        self._tokens = itertools.count(1)
        self._latest: dict[Hashable, int] = {}
        self._callbacks: dict[int, tuple[Hashable, Callable[[Any], None], Callable[[str], None] | None]] = {}
        self.dropped = 0

    def submit(
        self, key: Hashable, work: Callable[[], Any], on_done: Callable[[Any], None],
        on_failed: Callable[[str], None] | None = None,
    ) -> int:
        """Run ``work()`` in the pool; ``on_done(result)`` runs on the GUI thread unless a newer ``key`` job came."""
        token = next(self._tokens)
        self._latest[key] = token
        self._callbacks[token] = (key, on_done, on_failed)
        self.pool.start(_Job(token, work, self._relay))
        return token

    def cancel(self, key: Hashable) -> None:
        """Make the pending job of ``key`` stale (its result will be dropped)."""
        self._latest.pop(key, None)

    def pending(self, key: Hashable) -> bool:
        """Whether a current job of ``key`` has not delivered yet."""
        return key in self._latest

    @property
    def busy(self) -> bool:
        """Whether any job has not come back yet."""
        return bool(self._callbacks)

    def _take(self, token: int) -> tuple[Callable[[Any], None], Callable[[str], None] | None] | None:
        key, on_done, on_failed = self._callbacks.pop(token)
        if self._latest.get(key) != token:
            self.dropped += 1
            return None
        del self._latest[key]
        return on_done, on_failed

    def _done(self, token: int, result: object) -> None:
        callbacks = self._take(token)
        if callbacks is not None:
            callbacks[0](result)

    def _failed(self, token: int, message: str) -> None:
        callbacks = self._take(token)
        if callbacks is not None and callbacks[1] is not None:
            callbacks[1](message)

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until the pool is idle (for shutdown and tests); results are delivered by the event loop."""
        return self.pool.waitForDone(msecs)
