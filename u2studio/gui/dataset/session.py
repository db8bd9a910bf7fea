"""The studio's handle on one fine-tuning dataset: opening, exporting documents, review states, re-editing.

Every write runs on a one-thread pool (the dataset takes a file lock and writes
atomically); answers come back as signals on the UI thread and failures become
notifications, never exceptions.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QSettings, QThreadPool, Signal, Slot

from u2studio.core.dataset import Dataset, Record
from u2studio.core.document import DocStatus, ImageDocument
from u2studio.gui.inference.controller import StudioController
from u2studio.gui.dataset.jobs import ExportItem, ExportReport, Task, TaskSignals, describe_error, export_items
from u2studio.gui.dataset.prefs import annotator, forget_dataset, remember_dataset
from u2studio.gui.common.notifications import NotificationManager


class DatasetSession(QObject):
    """Holds the open dataset and runs its changes off the UI thread."""

    opened = Signal(object)  # Dataset | None
    records_changed = Signal()
    exported = Signal(object)  # ExportReport
    state_changed = Signal(object)  # Record
    busy_changed = Signal(bool)

    def __init__(
        self, controller: StudioController, notes: NotificationManager, settings: QSettings, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.notes = notes
        self.settings = settings
        self.ds: Dataset | None = None
        self.lock_timeout = 5.0
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)  # changes happen in the order they were asked for
        self._signals = TaskSignals(self)
        self._signals.done.connect(self._task_done)
        self._signals.failed.connect(self._task_failed)
        self._tokens = itertools.count(1)
        self._pending: dict[int, tuple[Callable[[Any], None], str]] = {}
        self._origins: dict[Path, Record] = {}  # dataset image path -> record, for pairs opened to re-edit

    # ----- opening --------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """Whether a write is queued or running."""
        return bool(self._pending)

    def open(self, path: str | Path) -> bool:
        """Open an existing dataset folder and remember it."""
        return self._use(path, lambda: Dataset.open(path, lock_timeout=self.lock_timeout), "open")

    def create(self, path: str | Path, val_ratio: float) -> bool:
        """Create a dataset in a new or empty folder and open it."""

        def make() -> Dataset:
            Dataset.create(path, val_ratio)
            return Dataset.open(path, lock_timeout=self.lock_timeout)

        return self._use(path, make, "create")

    def _use(self, path: str | Path, make: Callable[[], Dataset], verb: str) -> bool:
        try:
            ds = make()
        except Exception as exc:  # noqa: BLE001 (every failure is told, none crashes)
            self.notes.error(f"Cannot {verb} the dataset {path}: {describe_error(exc)}")
            if verb == "open":
                forget_dataset(self.settings, str(path))
            return False
        self.ds = ds
        self._origins.clear()
        remember_dataset(self.settings, str(Path(path).resolve()))
        self.opened.emit(ds)
        self.records_changed.emit()
        return True

    def records(self) -> list[Record]:
        """The open dataset's records (empty when none is open or the manifest cannot be read)."""
        if self.ds is None:
            return []
        try:
            return self.ds.records()
        except Exception as exc:  # noqa: BLE001 (a damaged manifest is told, not raised)
            self.notes.error(f"Cannot read the dataset: {describe_error(exc)}")
            return []

    # ----- exporting ------------------------------------------------------------------
    def export_current(self) -> int | None:
        """Write the shown image and its mask into the dataset (off the UI thread)."""
        doc = self.controller.doc
        if self._require() is None:
            return None
        if doc is None or doc.mask is None or doc.rgb is None:
            self.notes.warning("Nothing to export yet: open an image and run the model first.")
            return None
        return self.export_documents([doc])

    def export_edited(self) -> int | None:
        """Write every edited image into the dataset."""
        docs = [d for d in self.controller.documents if d.status is DocStatus.EDITED and d.mask is not None]
        if self._require() is None:
            return None
        if not docs:
            self.notes.info("No edited images to export.")
            return None
        return self.export_documents(docs)

    def export_documents(self, docs: list[ImageDocument]) -> int | None:
        """Queue the export of ``docs``; returns the task's token."""
        ds = self._require()
        if ds is None:
            return None
        items = [self._item(d) for d in docs]
        return self._submit(lambda: export_items(self._worker_dataset(ds), items), self._exported, "export")

    def _item(self, doc: ImageDocument) -> ExportItem:
        origin = self._origins.get(doc.path.resolve())
        prediction = None if doc.prediction is None else np.clip(doc.prediction * 255.0 + 0.5, 0, 255).astype(np.uint8)
        model = doc.model_name or (origin.model if origin else "")
        assert doc.mask is not None
        return ExportItem(
            image=doc.path,
            mask=doc.mask.copy(),
            prediction=prediction,
            source=origin.source if origin else None,
            model=model,
            # a fresh prediction: hash the model's weights; a re-edited pair keeps the checkpoint it was made with
            checkpoint_sha256=None if doc.prediction is not None else (origin.checkpoint_sha256 if origin else ""),
            strokes=int(getattr(doc, "strokes", 0) or 0),
            seconds=float(getattr(doc, "edit_seconds", 0.0) or 0.0),
            annotator=annotator(self.settings),
            doc_key=id(doc),
            mask_version=doc.mask_version,
        )

    def _exported(self, report: ExportReport) -> None:
        for outcome in report.outcomes:
            for doc in self.controller.documents:
                if id(doc) == outcome.item.doc_key and doc.mask_version == outcome.item.mask_version:
                    self.controller.mark_written(doc, DocStatus.EXPORTED)  # clears the close prompt and the autosave
        name = self.ds.root.name if self.ds else "the dataset"
        if len(report.outcomes) == 1 and report.error is None:
            o = report.outcomes[0]
            text = {
                "added": f"Added {o.item.image.name} to {name} as {o.record.stem} ({o.record.split})",
                "updated": f"Updated {o.record.stem} in {name} (revision {o.record.revision}; the previous mask is backed up)",
                "unchanged": f"{o.record.stem} is already in {name}, unchanged",
            }[o.action]
            self.notes.info(text)
        elif report.outcomes:
            counts = {a: sum(o.action == a for o in report.outcomes) for a in ("added", "updated", "unchanged")}
            parts = ", ".join(f"{n} {a}" for a, n in counts.items() if n)
            self.notes.info(f"Exported {len(report.outcomes)} images to {name}: {parts}")
        if report.error:
            self.notes.error(f"Export to {name} failed: {report.error}")
        self.exported.emit(report)
        self.records_changed.emit()

    # ----- review ---------------------------------------------------------------------
    def set_state(self, stem: str, state: str) -> int | None:
        """Approve, reject or reset a record (off the UI thread)."""
        ds = self._require()
        if ds is None:
            return None
        return self._submit(lambda: self._worker_dataset(ds).set_state(stem, state), self._state_set, f"mark {stem} as {state}")

    def _state_set(self, record: Record) -> None:
        self.state_changed.emit(record)
        self.records_changed.emit()

    def open_pair(self, stem: str) -> ImageDocument | None:
        """Load a pair into the studio as a document whose current mask is the dataset's mask."""
        ds = self._require()
        if ds is None:
            return None
        from u2studio.core.imageio import load_image, load_mask

        try:
            record = ds.get(stem)
            path = ds.image_path(record)
            mask = load_mask(ds.mask_path(record))
            for index, doc in enumerate(self.controller.documents):
                if doc.path.resolve() == path.resolve() or _is_exported_source(doc, record, mask):
                    self.controller.select(index)
                    return doc
            rgb = load_image(path).rgb
            # the dataset's mask is the user's work everywhere: a later prediction never overrides it
            doc = ImageDocument(
                path, rgb=rgb, mask=mask, edits=np.ones(mask.shape, bool), clean_label=DocStatus.EXPORTED,
                model_name=record.model or None,
            )
            doc._check_shape(mask, "dataset mask")  # noqa: SLF001 (the document's own size check)
        except Exception as exc:  # noqa: BLE001
            self.notes.error(f"Cannot open {stem} from the dataset: {describe_error(exc)}")
            return None
        self._origins[path.resolve()] = record
        self.controller.documents.append(doc)
        self.controller.documents_changed.emit()
        self.controller.select(len(self.controller.documents) - 1)
        return doc

    # ----- plumbing -------------------------------------------------------------------
    def _worker_dataset(self, ds: Dataset) -> Dataset:
        """A separate handle for the pool thread, so its writes never race the UI thread's cached reads."""
        return Dataset.open(ds.root, lock_timeout=self.lock_timeout)

    def _require(self) -> Dataset | None:
        if self.ds is None:
            self.notes.warning("Choose a dataset first: New… or Open… in the Dataset panel.")
        return self.ds

    def _submit(self, fn: Callable[[], Any], on_done: Callable[[Any], None], what: str) -> int:
        token = next(self._tokens)
        self._pending[token] = (on_done, what)
        if len(self._pending) == 1:
            self.busy_changed.emit(True)
        self.pool.start(Task(token, fn, self._signals))
        return token

    @Slot(int, object)
    def _task_done(self, token: int, result: object) -> None:
        on_done, _ = self._pending.pop(token, (None, ""))
        if on_done is not None:
            on_done(result)
        self._settle()

    @Slot(int, str)
    def _task_failed(self, token: int, message: str) -> None:
        _, what = self._pending.pop(token, (None, "change the dataset"))
        self.notes.error(f"Could not {what}: {message}")
        self.records_changed.emit()
        self._settle()

    def _settle(self) -> None:
        if not self._pending:
            self.busy_changed.emit(False)

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until queued writes finish (on close, and in tests)."""
        return self.pool.waitForDone(msecs)


def _is_exported_source(doc: ImageDocument, record: Record, mask: np.ndarray) -> bool:
    """Whether ``doc`` is the open original of ``record`` with exactly the dataset's mask (re-edit it in place)."""
    return (
        bool(record.source)
        and str(doc.path.resolve()) == record.source
        and doc.mask is not None
        and doc.mask.shape == mask.shape
        and np.array_equal(doc.mask, mask)
    )
