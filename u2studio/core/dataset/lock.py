"""An exclusive, inter-process lock on a dataset folder (an OS file lock on ``.lock``).

The operating system drops the lock when its holder dies, even by SIGKILL, so a
crashed writer never leaves the dataset locked.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from types import TracebackType

from u2studio.core.dataset.model import DatasetLockedError

if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


class DatasetLock:
    """``with DatasetLock(path):`` holds the lock; re-entrant, and safe to share between threads."""

    def __init__(self, path: Path, timeout: float = 60.0) -> None:
        self.path = path
        self.timeout = timeout
        self._fd: int | None = None
        self._depth = 0
        self._thread_lock = threading.RLock()

    def acquire(self) -> None:
        """Wait (polling) until the lock is ours, or raise DatasetLockedError after ``timeout`` seconds."""
        if not self._thread_lock.acquire(timeout=self.timeout):
            raise DatasetLockedError(f"{self.path}: another thread has been changing this dataset for over {self.timeout:.0f} s")
        try:
            self._acquire_file()
        except BaseException:
            self._thread_lock.release()
            raise

    def _acquire_file(self) -> None:
        if self._depth:
            self._depth += 1
            return
        # O_NOFOLLOW: a .lock planted as a symlink must not create or open a file elsewhere
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o666)
        deadline = time.monotonic() + self.timeout
        delay = 0.005
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                os.close(fd)
                raise DatasetLockedError(
                    f"{self.path}: another process has been changing this dataset for over {self.timeout:.0f} s"
                )
            time.sleep(delay)
            delay = min(delay * 2, 0.1)
        self._fd = fd
        self._depth = 1

    def release(self) -> None:
        """Give the lock back."""
        if self._depth == 0:
            return
        self._depth -= 1
        try:
            if self._depth == 0 and self._fd is not None:
                try:
                    _unlock(self._fd)
                finally:
                    os.close(self._fd)
                    self._fd = None
        finally:
            self._thread_lock.release()

    def __enter__(self) -> DatasetLock:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
