"""core.heap: freed, fragmented heap memory goes back to the system (glibc), in a real child process."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

CHILD = textwrap.dedent("""
    import ctypes, sys, time
    import numpy as np
    from u2studio.core import heap

    def rss_mb():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096 / 2**20

    big = np.ones(16 << 20, np.uint8); del big  # glibc's mmap threshold rises: later 4 MB blocks come from the heap
    blocks = [np.ones(4 << 20, np.uint8) for _ in range(120)]
    keep = blocks[1::6]  # a few stay alive, so the freed ones are holes in the heap, not its top
    del blocks
    before = rss_mb()
    heap.trim_soon()
    deadline = time.time() + 10
    while heap._state["running"] and time.time() < deadline:
        time.sleep(0.01)
    after = rss_mb()
    print(f"{before:.0f} {after:.0f} {heap.available()}")
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc_trim is glibc's")
def test_trim_gives_freed_heap_blocks_back_to_the_system() -> None:
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=60, check=True).stdout.split()
    before, after, available = float(out[0]), float(out[1]), out[2] == "True"
    if not available:
        pytest.skip("not glibc: nothing to trim")
    # 100 of 120 4-MB blocks were freed (400 MB); they were still resident, and most go back
    assert before - after > 250, (before, after)


def test_trims_are_at_least_a_second_apart_and_requests_meanwhile_coalesce(monkeypatch) -> None:  # noqa: ANN001
    import time

    from u2studio.core import heap

    if not heap.available():
        pytest.skip("not glibc: nothing to trim")
    deadline = time.monotonic() + 10
    while heap._state["running"] and time.monotonic() < deadline:  # noqa: SLF001 (a trim of earlier tests ends first)
        time.sleep(0.01)
    times: list[float] = []
    monkeypatch.setattr(heap, "trim_now", lambda: times.append(time.monotonic()) or True)
    monkeypatch.setitem(heap._state, "last", float("-inf"))  # noqa: SLF001
    for _ in range(5):
        heap.trim_soon()
    deadline = time.monotonic() + 10
    while (heap._state["running"] or len(times) < 2) and time.monotonic() < deadline:  # noqa: SLF001
        time.sleep(0.01)
    # the first at once; the four requests meanwhile coalesce into one more (two if the first trim had already
    # ended when the second request came), never one each
    assert 2 <= len(times) <= 3
    assert all(b - a >= heap.MIN_GAP_S - 0.01 for a, b in zip(times, times[1:]))
