"""Child of test_malloc_policy.py: image-sized buffers made and freed by three threads, then RSS after freeing."""

from __future__ import annotations

import sys
import threading

import numpy as np

from u2studio.core import malloc_policy


def rss_mb() -> float:
    """This process's resident memory."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * 4096 / 2**20


if sys.argv[1] == "policy":
    assert malloc_policy.apply()
start = rss_mb()
keep: list[np.ndarray] = []
lock = threading.Lock()


def work(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(60):
        block = np.empty(int(rng.integers(4, 30)) << 20, np.uint8)
        block.fill(1)
        with lock:
            keep.append(block)
            if len(keep) > 12:
                keep.pop(0)
        _ = [np.ones(1000) for _ in range(50)]  # small allocations in between, as any real code makes


threads = [threading.Thread(target=work, args=(seed,)) for seed in range(3)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
keep.clear()
print(f"{rss_mb() - start:.1f}")
