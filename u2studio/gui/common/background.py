"""Work off the UI thread: a function runs on a QThreadPool, its result comes back on the GUI thread.

Each job has a key; a newer job with the same key makes the older one stale, and a stale result is dropped
instead of delivered (switching images quickly never shows an old one). Touches no widget.

Pool threads (and the inference worker) run at a lower scheduling priority than the GUI thread
(``lower_thread_priority``): on a machine with few cores a brush stroke or a switch is not starved by the
background work it started. When a pool goes idle, the heap's free memory is handed back (``core.heap``).
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

from u2studio.core import heap
from u2studio.core.priority import lower_current_thread

log = logging.getLogger("u2studio.gui.background")



def lower_thread_priority() -> None:
    """Let the calling thread yield the CPU to the GUI thread (``core.priority``); once a thread."""
    lower_current_thread()


class _Relay(QObject):
    """Lives on the GUI thread; signals emitted from pool threads reach it queued."""

    done = Signal(int, object)
    failed = Signal(int, str)


class _Job(QRunnable):
    """One job; its work sits in ``cell`` so the GUI thread can take it back (and the arrays its closure holds) while
    the job is still queued, without touching the runnable, which the pool deletes after it ran."""

    def __init__(self, token: int, cell: list[Callable[[], Any] | None], relay: _Relay) -> None:
        super().__init__()
        self.token, self.cell, self.relay = token, cell, relay

    def run(self) -> None:
        lower_thread_priority()
        work, self.cell[0] = self.cell[0], None
        if work is None:  # cancelled or superseded before it started: nothing to do, the result is dropped
            self.relay.done.emit(self.token, None)
            return
        try:
            result = work()
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
        self._work: dict[int, list[Callable[[], Any] | None]] = {}  # token -> the cell its job's work sits in
        self.dropped = 0

    def submit(
        self, key: Hashable, work: Callable[[], Any], on_done: Callable[[Any], None],
        on_failed: Callable[[str], None] | None = None,
    ) -> int:
        """Run ``work()`` in the pool; ``on_done(result)`` runs on the GUI thread unless a newer ``key`` job came."""
        self.cancel(key)
        token = next(self._tokens)
        self._latest[key] = token
        self._callbacks[token] = (key, on_done, on_failed)
        cell: list[Callable[[], Any] | None] = [work]
        self._work[token] = cell
        self.pool.start(_Job(token, cell, self._relay))
        return token

    def cancel(self, key: Hashable) -> None:
        """Make the pending job of ``key`` stale: its result is dropped, and if it has not started it never runs and
        its work (with the arrays its closure holds) is let go at once. Switching quickly through 24-MP photos
        queued one picture build per switch, each holding its photo, which kept evicted photos resident."""
        token = self._latest.pop(key, None)
        cell = self._work.get(token) if token is not None else None
        if cell is not None:
            cell[0] = None

    def pending(self, key: Hashable) -> bool:
        """Whether a current job of ``key`` has not delivered yet."""
        return key in self._latest

    @property
    def busy(self) -> bool:
        """Whether any job has not come back yet."""
        return bool(self._callbacks)

    def _take(self, token: int) -> tuple[Callable[[Any], None], Callable[[str], None] | None] | None:
        self._work.pop(token, None)
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
        if not self._callbacks:  # the pool went idle: its image-sized temporaries are free, hand them back
            heap.trim_soon()

    def _failed(self, token: int, message: str) -> None:
        callbacks = self._take(token)
        if callbacks is not None and callbacks[1] is not None:
            callbacks[1](message)

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until the pool is idle (for shutdown and tests); results are delivered by the event loop."""
        return self.pool.waitForDone(msecs)
