"""Dataset writes as plain functions run off the UI thread, and the QRunnable that runs them.

Everything a job needs is copied into an ``ExportItem`` on the UI thread, so the
worker never touches a document or a widget.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QRunnable, Signal

from u2studio.core.dataset import Dataset, DatasetError, DatasetLockedError, ManifestError, Record
from u2studio.core.hashing import sha256_file
from u2studio.core.priority import lower_current_thread


@dataclass(frozen=True)
class ExportItem:
    """One image and mask to write: the image file, the mask, provenance and effort."""

    image: Path
    mask: np.ndarray
    prediction: np.ndarray | None  # uint8 H×W, the model's output before correction
    source: str | None  # overrides the recorded source (a re-edited pair keeps its original one)
    model: str
    checkpoint_sha256: str | None  # None: look up the installed weights of ``model`` (on the worker thread)
    strokes: int
    seconds: float
    annotator: str
    doc_key: int  # id() of the document, to mark it saved afterwards
    mask_version: int


@dataclass(frozen=True)
class ExportOutcome:
    """What happened to one exported image."""

    item: ExportItem
    record: Record
    action: str  # "added", "updated" or "unchanged"


@dataclass(frozen=True)
class ExportReport:
    """The outcomes of a batch, and the error that stopped it (if any)."""

    outcomes: list[ExportOutcome]
    error: str | None = None


def export_items(ds: Dataset, items: list[ExportItem]) -> ExportReport:
    """Add each item to ``ds`` (an update when ``ds.match`` finds it); stops at the first failure."""
    outcomes: list[ExportOutcome] = []
    for item in items:
        try:
            found = ds.match(item.image, source=item.source)
            record = ds.add(
                item.image,
                item.mask,
                source=item.source,
                model=item.model,
                checkpoint_sha256=checkpoint_sha256(item.model) if item.checkpoint_sha256 is None else item.checkpoint_sha256,
                prediction=item.prediction,
                strokes=item.strokes,
                seconds=item.seconds,
                annotator=item.annotator,
                state="corrected",
            )
        except Exception as exc:  # reported as a notification; the studio keeps running
            return ExportReport(outcomes, f"{item.image.name}: {describe_error(exc)}")
        if found is None:
            action = "added"
        elif record.revision == found.record.revision and record.mask_sha256 == found.record.mask_sha256:
            action = "unchanged"
        else:
            action = "updated"
        outcomes.append(ExportOutcome(item, record, action))
    return ExportReport(outcomes)


def describe_error(exc: BaseException) -> str:
    """A sentence for a person about why a dataset operation failed."""
    if isinstance(exc, DatasetLockedError):
        return f"the dataset is locked by another program; nothing was written ({exc})"
    if isinstance(exc, ManifestError):
        return f"the dataset's manifest is damaged: {exc}. Run `u2studio dataset check` on it"
    if isinstance(exc, DatasetError):
        return str(exc)
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return "the disk is full; nothing was written"
    if isinstance(exc, OSError):
        return f"cannot write: {exc.strerror or exc} ({exc.filename or ''})".replace(" ()", "")
    return f"{type(exc).__name__}: {exc}"


def checkpoint_sha256(model: str) -> str:
    """SHA-256 of the installed weights file called ``model`` (``""`` when there is none)."""
    from u2studio.core.paths import bundled_weights_dirs

    for folder in bundled_weights_dirs():
        path = folder / f"{model}.safetensors"
        if model and path.is_file():
            st = path.stat()
            return _file_sha256(str(path), st.st_mtime_ns, st.st_size)
    return ""


@cache
def _file_sha256(path: str, mtime_ns: int, size: int) -> str:
    """Cached per (path, mtime, size), so an unchanged weights file is hashed once."""
    return sha256_file(path)


class TaskSignals(QObject):
    """Carries a task's answer back to the UI thread (queued, because the receiver lives there)."""

    done = Signal(int, object)
    failed = Signal(int, str)


class Task(QRunnable):
    """Runs ``fn()`` on a pool thread and reports its result or error under ``token``."""

    def __init__(self, token: int, fn: Callable[[], Any], signals: TaskSignals) -> None:
        super().__init__()
        self.token = token
        self.fn = fn
        self.signals = signals
        self.setAutoDelete(True)

    def run(self) -> None:
        """Called by QThreadPool on a worker thread."""
        lower_current_thread()
        try:
            result = self.fn()
        except Exception as exc:  # becomes a notification
            self.signals.failed.emit(self.token, describe_error(exc))
            return
        self.signals.done.emit(self.token, result)

