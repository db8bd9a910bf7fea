"""Start-up for the frozen (PyInstaller) app: worker processes, missing consoles and crash logs.

A windowed build on Windows or macOS has no console, so ``sys.stdout`` and
``sys.stderr`` are ``None`` and the first ``print`` or tqdm bar would crash.
:func:`run` sends them to a log file in the user's log folder instead, and
points faulthandler at the same file so that a hard crash leaves a trace.
"""

from __future__ import annotations

import faulthandler
import multiprocessing
import sys
import time
from pathlib import Path
from typing import TextIO

LOG_NAME = "u2studio.log"
_log_stream: TextIO | None = None  # kept open for the whole process: faulthandler writes to its descriptor


def open_log(folder: Path) -> TextIO:
    """Open (append, line-buffered) the app's log file in ``folder``, creating the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    stream = open(folder / LOG_NAME, "a", encoding="utf-8", buffering=1, errors="backslashreplace")  # noqa: SIM115
    stream.write(f"--- u2studio started {time.strftime('%Y-%m-%d %H:%M:%S')} argv={sys.argv[1:]!r}\n")
    return stream


def redirect_missing_streams(folder: Path) -> TextIO | None:
    """Point a missing stdout/stderr at the log file; returns the log stream, or None if nothing was missing."""
    global _log_stream
    if sys.stdout is not None and sys.stderr is not None:
        return None
    if _log_stream is None:
        _log_stream = open_log(folder)
    if sys.stdout is None:
        sys.stdout = _log_stream
    if sys.stderr is None:
        sys.stderr = _log_stream
    return _log_stream


def enable_crash_traces(stream: TextIO | None) -> None:
    """Dump Python tracebacks on fatal signals to ``stream`` (the log file) or to stderr."""
    target = stream if stream is not None else sys.stderr
    try:
        faulthandler.enable(file=target, all_threads=True)
    except (AttributeError, ValueError, OSError):  # a stream without a file descriptor
        pass


def run() -> int:
    """The frozen app's main: freeze support first, then safe streams, then the ordinary CLI."""
    multiprocessing.freeze_support()
    from u2studio.core.paths import log_dir

    enable_crash_traces(redirect_missing_streams(log_dir()))
    from u2studio.cli.main import main

    return main()
