"""Give freed image-sized buffers back to the system (glibc only; nothing elsewhere).

glibc raises its mmap threshold each time a large mmapped block is freed (up to 32 MB), so after the first
24-MP arrays come and go, later ones of that size come from the heap and its per-thread arenas, where freed
space is kept and fragmented: the studio's resident memory grew well past what its memory budget counted.
Fixing the threshold at 1 MB (which also turns that dynamic adjustment off) makes every large array its own
mapping, returned when freed; a heap top over 8 MB is trimmed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 1 << 20
TRIM_THRESHOLD = 8 << 20
_applied: list[bool] = []


def apply() -> bool:
    """Set the thresholds once per process; returns whether glibc took them (False on other C libraries)."""
    if _applied:
        return _applied[0]
    ok = False
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            ok = bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
        except (OSError, AttributeError):  # musl and others have no mallopt: nothing to do
            ok = False
    _applied.append(ok)
    return ok
