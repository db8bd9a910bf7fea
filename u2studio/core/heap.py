"""Give freed memory back to the operating system after large arrays are dropped (glibc only).

glibc keeps freed heap memory in its arenas for reuse. After the studio evicts decoded 24-MP photos and
predictions, that memory is free but still resident, so the process's RSS stays far above what its memory
budget counts. ``malloc_trim(0)`` returns the free pages of every arena (it ``madvise``s them away), without
changing how later allocations are served: a fixed low mmap threshold would do the same, but makes every
image-sized temporary a fresh mapping whose pages fault in again, which slowed each brush dab several-fold.

The trim runs on a short-lived daemon thread (it walks the arenas, a few milliseconds to tens of them), at
most one at a time and at most one a second (``MIN_GAP_S``); requests meanwhile coalesce into one more. The
studio asks for one after evictions and whenever a pool of background work goes idle (an overlay, a cutout, an
export): those leave image-sized temporaries free in the arenas (720 MB after an eight-photo session, of which
``malloc_trim`` gave 695 MB back; docs/studio.md).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import threading
import time
from collections.abc import Callable

from u2studio.core.priority import lower_current_thread

MIN_GAP_S = 1.0  # at most one trim a second: each walks every arena, taking its lock
_lock = threading.Lock()
_state: dict[str, float | bool] = {"running": False, "again": False, "last": float("-inf")}
_trim: list[Callable[[], int] | None] = []


def _libc_trim() -> Callable[[], int] | None:
    """``malloc_trim(0)`` of the C library, or None where there is none (macOS, Windows, musl)."""
    if not _trim:
        found: Callable[[], int] | None = None
        if sys.platform.startswith("linux"):
            try:
                libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
                function = libc.malloc_trim
                function.argtypes = [ctypes.c_size_t]
                function.restype = ctypes.c_int
                found = lambda: int(function(0))  # noqa: E731
            except (OSError, AttributeError):
                found = None
        _trim.append(found)
    return _trim[0]


def available() -> bool:
    """Whether this process can give free heap memory back (glibc)."""
    return _libc_trim() is not None


def trim_now() -> bool:
    """Return free heap pages to the system on this thread; True when glibc released some."""
    trim = _libc_trim()
    return bool(trim()) if trim is not None else False


def trim_soon() -> None:
    """Trim on a background thread (coalesced: one running trim, at most one more queued)."""
    if _libc_trim() is None:
        return
    with _lock:
        if _state["running"]:
            _state["again"] = True
            return
        _state["running"] = True
    threading.Thread(target=_worker, name="u2studio-heap-trim", daemon=True).start()


def _worker() -> None:
    lower_current_thread()
    while True:
        wait = float(_state["last"]) + MIN_GAP_S - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        _state["last"] = time.monotonic()
        trim_now()
        with _lock:
            if not _state["again"]:
                _state["running"] = False
                return
            _state["again"] = False
