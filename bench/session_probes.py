"""Instruments for bench_session.py: an event-loop heartbeat, an RSS sampler, a viewport paint probe and a
synthetic pointer that drags like a hand (timestamps of every event and of the paint that shows it).

Kept apart from the driver so each stays small; nothing here knows the studio beyond a QGraphicsView.
"""

from __future__ import annotations

import hashlib
import math
import os
import threading
import time
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QEvent, QEventLoop, QObject, QPointF, Qt, QTimer
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QGraphicsView

HEARTBEAT_MS = 5
SLOW_MS = 50.0
# (kind, start on the perf_counter clock in ms, duration ms) of every stall and brush latency above SLOW_MS, for
# lining up with a scheduler trace (`perf record -k CLOCK_MONOTONIC`, the same clock on Linux): --trace FILE
SLOW: list[tuple[str, float, float]] = []


def now_ms() -> float:
    """A monotonic clock in milliseconds."""
    return time.perf_counter() * 1000.0


def mask_hash(mask: np.ndarray | None) -> str:
    """A short digest of a mask (None: '-')."""
    # through the buffer protocol: hashlib releases the GIL, where tobytes() copied 24 MB holding it
    return "-" if mask is None else hashlib.sha1(np.ascontiguousarray(mask)).hexdigest()[:16]


class Heartbeat(QObject):
    """A 5 ms precise timer on the GUI thread: the longest gap between its ticks is the longest stall."""

    def __init__(self) -> None:
        super().__init__()
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(HEARTBEAT_MS)
        self.timer.timeout.connect(self._tick)
        self._last = now_ms()
        self.worst = 0.0

    def start(self) -> None:
        """Begin ticking."""
        self._last = now_ms()
        self.timer.start()

    def reset(self) -> None:
        """Start a new step: forget the worst gap so far."""
        self._last = now_ms()
        self.worst = 0.0

    def _tick(self) -> None:
        t = now_ms()
        gap = t - self._last - HEARTBEAT_MS
        if gap > SLOW_MS:
            SLOW.append(("stall", self._last, gap))
        self.worst = max(self.worst, gap)
        self._last = t

    def stall(self) -> float:
        """The longest stall of this step, counting one still in progress."""
        return max(self.worst, now_ms() - self._last - HEARTBEAT_MS)


class RssSampler(threading.Thread):
    """Reads this process's resident memory every 50 ms from another thread (so it samples during stalls too)."""

    def __init__(self, abort_mb: float) -> None:
        super().__init__(daemon=True)
        self.abort_mb = abort_mb
        self.peak_mb = 0.0
        self.step_peak_mb = 0.0  # the highest reading since the current step began (the step resets it)
        self.current_mb = 0.0
        self.over = False
        self._page = os.sysconf("SC_PAGE_SIZE")
        self._stop = threading.Event()

    def run(self) -> None:
        """Sample until stopped."""
        while not self._stop.wait(0.05):
            self.sample()

    def sample(self) -> float:
        """One reading (MB)."""
        with open("/proc/self/statm") as handle:
            self.current_mb = int(handle.read().split()[1]) * self._page / 2**20
        self.peak_mb = max(self.peak_mb, self.current_mb)
        self.step_peak_mb = max(self.step_peak_mb, self.current_mb)
        self.over = self.over or self.current_mb > self.abort_mb
        return self.current_mb

    def stop(self) -> None:
        """End sampling."""
        self._stop.set()


class MemoryExceeded(RuntimeError):
    """The process passed the bench's RSS safety limit (the machine is shared)."""


def pump(until: Callable[[], bool] | None, timeout_s: float, rss: RssSampler | None = None) -> bool:
    """Run the real event loop until ``until()`` holds (or for ``timeout_s`` when None); returns whether it held."""
    loop = QEventLoop()
    deadline = time.perf_counter() + timeout_s
    held = [False]

    def check() -> None:
        if rss is not None and rss.over:
            loop.quit()
        elif until is not None and until():
            held[0] = True
            loop.quit()
        elif time.perf_counter() >= deadline:
            loop.quit()

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(check)
    timer.start()
    loop.exec()
    timer.stop()
    if rss is not None and rss.over:
        raise MemoryExceeded(f"resident memory passed {rss.abort_mb:.0f} MB")
    return held[0] if until is not None else True


class PaintProbe(QObject):
    """Wraps the canvas viewport's paint and mouse-move handling to timestamp both.

    A synthetic mouse event carries its serial in ``timestamp()``; once the canvas has handled it, the end
    of the next viewport paint is the moment it is on screen.
    """

    def __init__(self, view: QGraphicsView) -> None:
        super().__init__()
        self.view = view
        self.waiting: list[float] = []  # stamps of handled events not painted yet
        self.latencies: list[float] = []
        self.stamps: dict[int, float] = {}
        self.paints = 0
        self.last_paint_end = 0.0
        self.on_paint: Callable[[], None] | None = None
        view.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Time paints; remember which synthetic moves were handled."""
        kind = event.type()
        if kind == QEvent.Type.Paint:
            self.view.viewportEvent(event)
            self.last_paint_end = now_ms()
            self.paints += 1
            for stamp in self.waiting:
                self.latencies.append(self.last_paint_end - stamp)
                if self.last_paint_end - stamp > SLOW_MS:
                    SLOW.append(("brush", stamp, self.last_paint_end - stamp))
            self.waiting.clear()
            if self.on_paint is not None:
                self.on_paint()
            return True
        if kind in (QEvent.Type.MouseMove, QEvent.Type.MouseButtonPress) and isinstance(event, QMouseEvent):
            stamp = self.stamps.pop(int(event.timestamp()), None)
            self.view.viewportEvent(event)
            if stamp is not None:
                self.waiting.append(stamp)
            return True
        return False

    def take(self) -> list[float]:
        """The latencies measured so far (cleared)."""
        out, self.latencies = self.latencies, []
        return out


def wavy(start: QPointF, length_px: float) -> Callable[[float], QPointF]:
    """A path along x from ``start`` with two 30-pixel waves."""
    return lambda u: QPointF(start.x() + u * length_px, start.y() + 30.0 * math.sin(u * 4 * math.pi))


class Pointer(QObject):
    """Drags the left button along ``path`` (u in [0, 1] to view coordinates) at hand speed, one move per 8 ms tick.

    When the event loop is late, the move carries the time the pointer first reached an unreported position
    (as a window system coalescing motion would), so a stall shows up as latency instead of hiding.
    """

    PERIOD_MS = 8.0

    def __init__(self, probe: PaintProbe, path: Callable[[float], QPointF], duration_ms: float) -> None:
        super().__init__()
        self.probe = probe
        self.path = path
        self.duration = duration_ms
        self.done = False
        self._serial = 10_000 + len(probe.stamps) + int(now_ms()) % 1_000_000 * 10
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(int(self.PERIOD_MS))
        self._timer.timeout.connect(self._tick)
        self._t0 = 0.0
        self._last = 0.0

    def position(self, elapsed_ms: float) -> QPointF:
        """Where the pointer is ``elapsed_ms`` into the stroke."""
        return self.path(min(1.0, elapsed_ms / self.duration))

    def begin(self) -> None:
        """Press the button and start moving."""
        self._t0 = self._last = now_ms()
        self._post(QEvent.Type.MouseButtonPress, self.path(0.0), self._t0)
        self._timer.start()

    def _post(self, kind: QEvent.Type, pos: QPointF, stamp: float) -> None:
        button = Qt.MouseButton.LeftButton
        buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else button
        viewport = self.probe.view.viewport()
        event = QMouseEvent(kind, pos, viewport.mapToGlobal(pos), button if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton,
                            buttons, Qt.KeyboardModifier.NoModifier)
        self._serial += 1
        event.setTimestamp(self._serial)
        if kind != QEvent.Type.MouseButtonRelease:
            self.probe.stamps[self._serial] = stamp
        QApplication.postEvent(viewport, event)

    def _tick(self) -> None:
        t = now_ms()
        late = t - self._last > 1.5 * self.PERIOD_MS
        stamp = self._last + self.PERIOD_MS if late else t
        self._last = t
        elapsed = t - self._t0
        self._post(QEvent.Type.MouseMove, self.position(elapsed), stamp)
        if elapsed >= self.duration:
            self._timer.stop()
            self._post(QEvent.Type.MouseButtonRelease, self.position(elapsed), t)
            self.done = True


class StallStacks(threading.Thread):
    """``--stacks``: while the heartbeat is late by more than ``after_ms``, sample the GUI thread's Python stack
    every 5 ms; ``report`` prints the code that stalled the event loop longest (each sample ≈ 5 ms of stall).

    It reads ``sys._current_frames()``, so it sees Python frames only (a long C++ paint shows as the Python call
    that entered it); a stall in code that holds the GIL delays the sample but does not hide it.
    """

    def __init__(self, beat: Heartbeat, after_ms: float = 40.0, depth: int = 5) -> None:
        super().__init__(daemon=True, name="stall-stacks")
        self.beat, self.after_ms, self.depth = beat, after_ms, depth
        self.main_id = threading.main_thread().ident
        self.samples: dict[str, int] = {}
        self.label = ""
        self._stop = threading.Event()

    def run(self) -> None:
        """Sample until stopped."""
        import sys
        import traceback

        while not self._stop.wait(0.005):
            if now_ms() - self.beat._last - HEARTBEAT_MS < self.after_ms:
                continue
            everyone = sys._current_frames()
            frame = everyone.get(self.main_id)
            if frame is None:
                continue
            frames = [f for f in traceback.extract_stack(frame) if "site-packages" not in f.filename
                      and not f.filename.endswith(("session_probes.py", "session_steps.py", "bench_session.py"))
                      or f.name in ("_arrived", "_post", "_tick", "on_paint")][-self.depth:]
            key = f"[{self.label}] " + " <- ".join(f"{Path_name(f.filename)}:{f.lineno} {f.name}" for f in reversed(frames))
            others = []  # what the other threads run meanwhile (one holding the GIL in a long call stalls the GUI too)
            for ident, other in everyone.items():
                if ident in (self.main_id, threading.get_ident()):
                    continue
                mine = [f for f in traceback.extract_stack(other) if "/u2studio/" in f.filename or "/training/" in f.filename]
                if mine:
                    others.append(f"{Path_name(mine[-1].filename)}:{mine[-1].lineno} {mine[-1].name}")
            if others:
                key += "   || " + "; ".join(sorted(others))
            self.samples[key] = self.samples.get(key, 0) + 1

    def stop(self) -> None:
        """End sampling."""
        self._stop.set()

    def report(self, top: int = 25) -> None:
        """The stacks seen most often while the loop stalled."""
        print(f"  stall stacks (GUI thread, sampled every 5 ms while the loop was over {self.after_ms:.0f} ms late):")
        for key, count in sorted(self.samples.items(), key=lambda kv: -kv[1])[:top]:
            print(f"  {count * 5:6d} ms  {key}")


def Path_name(filename: str) -> str:  # noqa: N802
    """``u2studio/gui/x.py`` from an absolute path (the last three parts elsewhere)."""
    parts = filename.replace("\\", "/").split("/")
    for anchor in ("u2studio", "training"):
        if anchor in parts:
            return "/".join(parts[parts.index(anchor):])
    return "/".join(parts[-3:])


def cpu_times() -> list[int]:
    """The machine's CPU time counters (user, nice, system, idle, iowait, irq, softirq, steal), Linux; else []."""
    try:
        with open("/proc/stat") as handle:
            return [int(v) for v in handle.readline().split()[1:9]]
    except (OSError, ValueError):
        return []


def busy_report(before: list[int], after: list[int]) -> str:
    """How busy the machine was between two ``cpu_times``: non-idle share and the hypervisor's steal share."""
    if len(before) < 8 or len(after) < 8:
        return "machine load: unknown"
    delta = [b - a for a, b in zip(before, after)]
    total = max(1, sum(delta))
    busy = total - delta[3] - delta[4]
    return f"machine during the session: {100 * busy / total:.0f} % busy, {100 * delta[7] / total:.1f} % stolen by the hypervisor"


def memory_breakdown() -> dict[str, float]:
    """Where this process's resident memory is, in MB (Linux with glibc; missing fields are left out).

    ``rss``/``anon``/``file``: /proc/self/smaps_rollup (file-backed is mostly the shared libraries: Qt, torch,
    onnxruntime); ``malloc_used``/``malloc_free``/``malloc_mmapped``: glibc's mallinfo2 (bytes handed out, bytes
    free but kept in its arenas, bytes in their own mappings); ``numpy_live``: numpy buffers alive now, when
    tracemalloc traces (``--tracemalloc``)."""
    import ctypes
    import ctypes.util
    import tracemalloc

    mb = 2**20
    out: dict[str, float] = {}
    try:
        with open("/proc/self/smaps_rollup") as handle:
            fields = {line.split(":")[0]: int(line.split()[1]) * 1024 for line in handle if line.split()[-1] == "kB"}
        out["rss"], out["anon"] = fields["Rss"] / mb, fields.get("Anonymous", 0) / mb
        out["file"] = out["rss"] - out["anon"]
    except (OSError, KeyError, ValueError):
        pass

    class MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in
                    ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallinfo2.restype = MallInfo2
        info = libc.mallinfo2()  # the main arena and every thread's arena together
        out["malloc_used"] = (info.uordblks + info.hblkhd) / mb
        out["malloc_free"] = info.fordblks / mb
        out["malloc_mmapped"] = info.hblkhd / mb
    except (OSError, AttributeError):
        pass
    if tracemalloc.is_tracing():
        numpy_domain = 389047  # numpy reports its data buffers to tracemalloc in this domain
        snapshot = tracemalloc.take_snapshot().filter_traces([tracemalloc.DomainFilter(True, numpy_domain)])
        out["numpy_live"] = sum(stat.size for stat in snapshot.statistics("filename")) / mb
    return out


def qt_pictures() -> tuple[dict[str, float], list[str]]:
    """MB of the QImages Python can still reach, counted once per shared pixel buffer (``cacheKey``), and the
    largest groups by who holds them (pictures held only by C++ objects are not seen)."""
    import gc
    import warnings

    from PySide6.QtGui import QImage

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        images = [thing for thing in gc.get_objects() if type(thing) is QImage]
    seen: dict[int, QImage] = {}
    for image in images:
        seen.setdefault(image.cacheKey() >> 32, image)  # the high half names the pixel buffer, the low its version
    groups: dict[str, list[float]] = {}
    for image in seen.values():
        holders = sorted({type(r).__name__ if not isinstance(r, (dict, list, tuple)) else
                          f"{type(r).__name__}[{len(r)}]" for r in gc.get_referrers(image) if r is not images})
        key = f"{image.width()}x{image.height()} held by {','.join(holders[:4])}"
        groups.setdefault(key, []).append(image.sizeInBytes() / 2**20)
    total = {"qimage_wrappers": len(images), "qimage_buffers": len(seen),
             "qimage_mb": sum(image.sizeInBytes() for image in seen.values()) / 2**20}
    top = sorted(groups.items(), key=lambda kv: -sum(kv[1]))[:10]
    return total, [f"{sum(v):8.0f} MB in {len(v):3d} pictures {k}" for k, v in top]


def python_owners(limit: int = 6) -> list[str]:
    """The call sites holding the most live Python-object bytes (with ``--tracemalloc``), largest first."""
    import tracemalloc

    if not tracemalloc.is_tracing():
        return []
    snapshot = tracemalloc.take_snapshot().filter_traces([tracemalloc.DomainFilter(True, 0)])
    return [f"{stat.size / 2**20:8.1f} MB in {stat.count:6d} blocks  "
            f"{' <- '.join(f'{f.filename.rsplit(chr(47), 2)[-1]}:{f.lineno}' for f in reversed(stat.traceback[-4:]))}"
            for stat in snapshot.statistics("traceback")[:limit]]


def numpy_owners(limit: int = 12) -> list[str]:
    """The call sites holding the most live numpy bytes (with ``--tracemalloc``), largest first."""
    import tracemalloc

    if not tracemalloc.is_tracing():
        return []
    snapshot = tracemalloc.take_snapshot().filter_traces([tracemalloc.DomainFilter(True, 389047)])
    lines = []
    for stat in snapshot.statistics("traceback")[:limit]:
        frames = [f"{f.filename.rsplit('/', 2)[-1]}:{f.lineno}" for f in stat.traceback[-4:]]
        lines.append(f"{stat.size / 2**20:8.0f} MB in {stat.count:4d} arrays  {' <- '.join(reversed(frames))}")
    return lines
