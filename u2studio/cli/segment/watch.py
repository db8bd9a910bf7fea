"""``--watch``: files that arrive in the input folders, each once its size has held still for a second."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from u2studio.cli.segment.inputs import InputFile, folder_images

STABLE_SECONDS = 1.0
POLL_SECONDS = 0.25


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def watch_folders(folders: Sequence[Path], seen: set[str], stop: threading.Event,
                  note: Callable[[str], None]) -> Iterator[InputFile]:
    """Yield each new image file in ``folders`` once it has kept its size and time for STABLE_SECONDS.

    ``seen`` holds the paths already handled (the run's first pass adds its files); files still being
    written keep changing and wait. The iteration ends when ``stop`` is set (Ctrl+C).
    """
    pending: dict[str, tuple[tuple[int, int], float]] = {}
    warned: set[str] = set()
    while not stop.is_set():
        for folder in folders:
            try:
                found, aside = folder_images(folder)
            except OSError:
                continue
            for message in aside:
                if message not in warned:
                    warned.add(message)
                    note(message)
            for path in found:
                key = str(path)
                if key in seen:
                    continue
                signature = _signature(path)
                if signature is None or signature[0] == 0:
                    pending.pop(key, None)
                    continue
                now = time.monotonic()
                previous = pending.get(key)
                if previous is None or previous[0] != signature:
                    pending[key] = (signature, now)
                elif now - previous[1] >= STABLE_SECONDS:
                    del pending[key]
                    seen.add(key)
                    yield InputFile(path, path.name)
        stop.wait(POLL_SECONDS)
