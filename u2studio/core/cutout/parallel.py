"""Spread the cutout stage's independent pieces (strips of the band, colour fields, halves of a filter) over
the CPU cores.

numpy's array operations and OpenCV's calls release the GIL, so plain threads run them side by side; on two
cores a 24-MP refined cutout takes about 40 % less time than on one (docs/cutout.md). The pool is made per call
and its threads are started by the caller's thread, so on Linux they inherit its lowered priority (the
studio's background jobs, :mod:`u2studio.core.priority`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

MAX_THREADS = 4  # beyond this the strips are too few and memory bandwidth decides

T = TypeVar("T")
R = TypeVar("R")


def default_threads() -> int:
    """The threads a cutout uses by default: the CPUs this process may run on, at most MAX_THREADS."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(MAX_THREADS, cpus))


class Runner:
    """Maps a function over items on a few threads (in order), or in the calling thread when given one."""

    def __init__(self, threads: int):
        self.threads = max(1, threads)
        self._pool: ThreadPoolExecutor | None = None

    def __enter__(self) -> Runner:
        if self.threads > 1:
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="u2studio-cutout")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """``[fn(item) for item in items]``, computed on the pool's threads when there is one."""
        items = list(items)
        if self._pool is None or len(items) < 2:
            return [fn(item) for item in items]
        return list(self._pool.map(fn, items))

    def call(self, *fns: Callable[[], R]) -> list[R]:
        """Each of ``fns`` called once, side by side; their results in order."""
        return self.map(lambda fn: fn(), fns)


SERIAL = Runner(1)
