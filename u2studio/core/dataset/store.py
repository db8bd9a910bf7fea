"""A fine-tuning dataset on disk: ``im/``, ``gt/``, ``manifest.jsonl`` and ``dataset.json``.

Every change runs under an inter-process lock and follows one protocol, so a crash
at any instant (even SIGKILL) leaves a dataset that opens cleanly:

1. copy files about to be overwritten to ``gt/.backup`` / ``im/.backup``;
2. write ``journal.json`` (the new record, the previous one, backups, files to drop);
3. write the image and mask (each atomically);
4. rewrite ``manifest.jsonl`` atomically: the commit point;
5. drop superseded files, delete the journal.

Opening a dataset (or starting the next change) with a journal present finishes
the change when its files are complete and correct, and otherwise undoes it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from u2studio.core.atomic import atomic_write_bytes
from u2studio.core.dataset import manifest as mf
from u2studio.core.dataset.files import prepare_image, prepare_mask, sha256_bytes, sha256_file
from u2studio.core.dataset.lock import DatasetLock
from u2studio.core.dataset.model import (
    TRAINING_STATES,
    DatasetError,
    DatasetStats,
    ManifestError,
    Problem,
    Record,
    Split,
    check_state,
    check_val_ratio,
    split_for,
    utc_now,
)
from u2studio.core.dataset.naming import safe_stem, unique_stem
from u2studio.core.dataset.paths import contained
from u2studio.core.dataset.recovery import drop_moved, read_checked_journal, roll_back
from u2studio.core.dataset.stats import correction_stats, summarize

IMAGE_DIR = "im"
MASK_DIR = "gt"
BACKUP_DIR = ".backup"


@dataclass(frozen=True)
class Match:
    """An existing record that an image would update, and why: same content or same source path."""

    record: Record
    reason: Literal["same image content", "same source path"]


class Dataset:
    """A dataset folder. Make one with :meth:`create` or :meth:`open`, not the constructor."""

    def __init__(self, root: Path, val_ratio: float, lock_timeout: float = 60.0) -> None:
        self.root = root
        self._val_ratio = val_ratio
        self._lock = DatasetLock(root / mf.LOCK_NAME, timeout=lock_timeout)
        self._records: list[Record] = []
        self._stamp: tuple[int, int, int] | None = None
        self._lines: dict[str, tuple[Record, str]] = {}

    # ----------------------------------------------------------------- opening
    @classmethod
    def create(cls, path: str | os.PathLike[str], val_ratio: float = 0.1) -> Dataset:
        """Make a new, empty dataset in ``path`` (created if missing; an existing folder must be empty)."""
        return cls._create(Path(path), val_ratio, open_existing=False)

    @classmethod
    def _create(cls, root: Path, val_ratio: float, open_existing: bool) -> Dataset:
        """Create under the dataset lock, re-checking there, so it never races an ``add`` into a new folder.

        ``add`` takes the same lock, and the header is written last, so a concurrent
        creator either sees a finished dataset (opened, or refused by plain create) or
        makes it whole before anyone adds to it.
        """
        ratio = check_val_ratio(val_ratio)
        if root.exists() and not root.is_dir():
            raise DatasetError(f"{root}: exists and is not a folder")
        if not open_existing and (root / mf.HEADER_NAME).exists():
            raise DatasetError(f"{root}: already a dataset; open it instead")
        root.mkdir(parents=True, exist_ok=True)
        with DatasetLock(root / mf.LOCK_NAME):
            if (root / mf.HEADER_NAME).exists():
                if not open_existing:
                    raise DatasetError(f"{root}: already a dataset; open it instead")
            else:
                if any(p.name != mf.LOCK_NAME for p in root.iterdir()):
                    raise DatasetError(f"{root}: the folder is not empty; choose a new or empty folder")
                (root / IMAGE_DIR).mkdir(exist_ok=True)
                (root / MASK_DIR).mkdir(exist_ok=True)
                mf.write_manifest(root, [])
                mf.write_header(root, ratio, utc_now())  # last: the header makes the folder a dataset
        return cls.open(root)

    @classmethod
    def open(cls, path: str | os.PathLike[str], lock_timeout: float = 60.0, recover: bool = True) -> Dataset:
        """Open an existing dataset; ManifestError names the file and line of anything damaged.

        ``recover=False`` reads only (for stats and check): a pending journal is left alone.
        """
        root = Path(path)
        if not root.is_dir():
            raise DatasetError(f"{root}: no such dataset folder")
        header = mf.read_header(root)
        ds = cls(root, header["val_ratio"], lock_timeout)
        if recover and (root / mf.JOURNAL_NAME).exists():
            with ds._lock:
                ds._recover()
        ds.records()
        return ds

    @classmethod
    def open_or_create(cls, path: str | os.PathLike[str], val_ratio: float = 0.1) -> Dataset:
        """Open the dataset in ``path``, creating it first when the folder is missing or empty."""
        root = Path(path)
        if (root / mf.HEADER_NAME).exists():
            return cls.open(root)
        return cls._create(root, val_ratio, open_existing=True)

    # ----------------------------------------------------------------- reading
    @property
    def val_ratio(self) -> float:
        """Share of images (by content hash) in the validation split."""
        return self._val_ratio

    def records(self) -> list[Record]:
        """All records in manifest order (re-read when another process changed the manifest)."""
        path = self.root / mf.MANIFEST_NAME
        try:
            st = path.stat()
        except FileNotFoundError:
            raise DatasetError(f"{path}: not found; the dataset is incomplete") from None
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        if stamp != self._stamp:
            self._records = mf.read_manifest(self.root)
            self._stamp = stamp
            self._lines = {}
        return list(self._records)

    def get(self, stem: str) -> Record:
        """The record called ``stem``; KeyError when there is none."""
        for record in self.records():
            if record.stem == stem:
                return record
        raise KeyError(f"no record {stem!r} in {self.root}")

    def image_path(self, record: Record) -> Path:
        """Absolute path of a record's image."""
        return self.root / record.image

    def mask_path(self, record: Record) -> Path:
        """Absolute path of a record's mask."""
        return self.root / record.mask

    def match(self, image: str | os.PathLike[str] | bytes | np.ndarray, *, source: str | None = None) -> Match | None:
        """The record that adding ``image`` would update (same stored bytes, else same source path), if any."""
        prepared = prepare_image(image, source)
        return _find_match(self.records(), prepared.sha256, prepared.source)

    def pairs(self, split: Split | None = None, states: Iterable[str] = TRAINING_STATES) -> list[tuple[Path, Path]]:
        """(image, mask) absolute paths for training: the given split (or all) and review states."""
        wanted = {check_state(s) for s in states}
        return [
            (self.root / r.image, self.root / r.mask)
            for r in self.records()
            if r.state in wanted and (split is None or r.split == split)
        ]

    def stats(self, worst: int = 5) -> DatasetStats:
        """Counts by state/split/annotator, mean correction effort and the ``worst`` images by IoU and relaxed F."""
        return summarize(self.records(), worst)

    def check(self) -> list[Problem]:
        """Everything wrong with the dataset: manifest, missing or altered files, sizes, mask format, orphans."""
        from u2studio.core.dataset.check import check_dataset

        return check_dataset(self.root, self._val_ratio)

    # ----------------------------------------------------------------- writing
    def add(
        self,
        image: str | os.PathLike[str] | bytes | np.ndarray,
        mask: np.ndarray,
        *,
        source: str | None = None,
        model: str = "",
        checkpoint_sha256: str = "",
        prediction: np.ndarray | None = None,
        strokes: int = 0,
        seconds: float = 0.0,
        annotator: str = "",
        state: str = "corrected",
    ) -> Record:
        """Store an image and its corrected mask; returns the new or updated record.

        ``image`` is a file path, encoded image bytes, or an H×W×3 uint8 RGB array;
        ``mask`` an H×W uint8 (or bool) array of the image's upright size. An image
        already in the dataset (same stored bytes, else same ``source``) updates its
        record; the previous mask is kept under ``gt/.backup/``. Adding exactly what is
        already stored changes nothing. ``prediction`` (uint8 or float in [0, 1]) gives
        the correction statistics.
        """
        check_state(state)
        prepared = prepare_image(image, source)
        mask_arr, mask_png = prepare_mask(mask, prepared.width, prepared.height)
        correction = correction_stats(prediction, mask_arr, strokes, seconds)
        mask_sha = sha256_bytes(mask_png)
        with self._lock:
            self._recover()
            records = self.records()
            found = _find_match(records, prepared.sha256, prepared.source)
            now = utc_now()
            previous = found.record if found else None
            stem = previous.stem if previous else self._new_stem(records, prepared.name, prepared.sha256)
            record = Record(
                stem=stem,
                image=f"{IMAGE_DIR}/{stem}{prepared.ext}",
                mask=f"{MASK_DIR}/{stem}.png",
                source=prepared.source or (previous.source if previous else ""),
                image_sha256=prepared.sha256,
                mask_sha256=mask_sha,
                width=prepared.width,
                height=prepared.height,
                model=model,
                checkpoint_sha256=checkpoint_sha256,
                correction=correction,
                state=check_state(state),
                split=split_for(prepared.sha256, self._val_ratio),
                annotator=annotator or (previous.annotator if previous else ""),
                created=previous.created if previous else now,
                updated=now,
                revision=previous.revision + 1 if previous else 1,
                image_converted=prepared.converted,
                backups=previous.backups if previous else (),
            )
            intact = previous is not None and self._files_match(previous)
            if intact and previous is not None and _same_content(previous, record):
                return previous
            backups = self._plan_backups(previous, record, now)
            record = record.with_changes(backups=record.backups + tuple(backups.values()))
            removes = [previous.image] if previous and previous.image != record.image else []
            self._apply(record, previous, prepared.data, mask_png, backups, removes, records, rewrite=not intact)
            return record

    def set_state(self, stem: str, state: str) -> Record:
        """Change a record's review state (corrected, approved, rejected)."""
        check_state(state)
        with self._lock:
            self._recover()
            records = self.records()
            for i, record in enumerate(records):
                if record.stem == stem:
                    if record.state == state:
                        return record
                    records[i] = record.with_changes(state=state, updated=utc_now())
                    self._commit(records)
                    return records[i]
        raise KeyError(f"no record {stem!r} in {self.root}")

    def set_val_ratio(self, val_ratio: float) -> None:
        """Change the validation share and re-split every record by its image hash (stable: raising the
        ratio only moves images from train to val)."""
        ratio = check_val_ratio(val_ratio)
        with self._lock:
            self._recover()
            header = mf.read_header(self.root)
            mf.write_header(self.root, ratio, header.get("created", utc_now()))
            self._val_ratio = ratio
            records = [r.with_changes(split=split_for(r.image_sha256, ratio)) for r in self.records()]
            self._commit(records)

    # ----------------------------------------------------------------- internals
    def _new_stem(self, records: list[Record], name: str, sha: str) -> str:
        """A stem no record and no file in im/ or gt/ uses (orphans are never overwritten)."""
        taken = {r.stem.casefold() for r in records}
        for folder in (IMAGE_DIR, MASK_DIR):
            taken.update(n.rsplit(".", 1)[0].casefold() for n in os.listdir(self.root / folder) if not n.startswith("."))
        return unique_stem(safe_stem(name, f"img-{sha[:12]}"), taken)

    def _plan_backups(self, previous: Record | None, record: Record, now: str) -> dict[str, str]:
        """Which existing files the change overwrites, and where their backup copies go."""
        if previous is None:
            return {}
        stamp = now.replace("-", "").replace(":", "").replace(".", "")
        plan: dict[str, str] = {}
        if previous.mask_sha256 != record.mask_sha256 and self._file(previous.mask).is_file():
            plan[previous.mask] = self._free_backup(MASK_DIR, previous.stem, stamp, ".png")
        if previous.image_sha256 != record.image_sha256 and self._file(previous.image).is_file():
            plan[previous.image] = self._free_backup(IMAGE_DIR, previous.stem, stamp, Path(previous.image).suffix)
        return plan

    def _free_backup(self, folder: str, stem: str, stamp: str, ext: str) -> str:
        """``<folder>/.backup/<stem>.<stamp><ext>``, with ``-2``… when two updates share a millisecond."""
        rel = f"{folder}/{BACKUP_DIR}/{stem}.{stamp}{ext}"
        n = 2
        while self._file(rel).exists():
            rel = f"{folder}/{BACKUP_DIR}/{stem}.{stamp}-{n}{ext}"
            n += 1
        return rel

    def _apply(
        self,
        record: Record,
        previous: Record | None,
        image_data: bytes,
        mask_png: bytes,
        backups: dict[str, str],
        removes: list[str],
        records: list[Record],
        rewrite: bool = False,
    ) -> None:
        """Steps 1–5 of the change protocol (see the module docstring); ``rewrite`` repairs damaged files."""
        for target, backup in backups.items():
            atomic_write_bytes(self._file(backup), self._file(target).read_bytes())
        mf.write_journal(
            self.root,
            {
                "op": "add",
                "record": record.to_dict(),
                "previous": previous.to_dict() if previous else None,
                "backups": backups,
                "removes": removes,
            },
        )
        if rewrite or previous is None or previous.image_sha256 != record.image_sha256 or previous.image != record.image:
            atomic_write_bytes(self._file(record.image), image_data)
        if rewrite or previous is None or previous.mask_sha256 != record.mask_sha256:
            atomic_write_bytes(self._file(record.mask), mask_png)
        self._commit(_upsert(records, record))
        self._drop(removes, record, previous)
        mf.remove_journal(self.root)

    def _commit(self, records: list[Record]) -> None:
        """Rewrite the manifest (the commit point) and refresh the cache."""
        if len(self._lines) > 2 * len(records) + 16:
            self._lines = {}
        mf.write_manifest(self.root, records, self._lines)
        st = (self.root / mf.MANIFEST_NAME).stat()
        self._records = list(records)
        self._stamp = (st.st_mtime_ns, st.st_size, st.st_ino)

    def _file(self, rel: str) -> Path:
        """The absolute path of a dataset file named by a record, refused unless it stays inside the dataset."""
        return contained(self.root, rel, str(self.root / mf.MANIFEST_NAME))

    def _drop(self, removes: Iterable[str], record: Record, previous: Record | None) -> None:
        """Delete the replaced image after a move, only while it still holds the replaced record's bytes."""
        for rel in removes:
            if previous is not None and rel not in (record.image, record.mask):
                path = self._file(rel)
                if path.is_file() and sha256_file(path) == previous.image_sha256:
                    path.unlink()

    def _recover(self) -> None:
        """Finish or undo a change interrupted by a crash, and delete leftover temporary files (lock held).

        The journal is untrusted (see u2studio.core.dataset.recovery): it must describe a
        change of this manifest, and only files whose hashes prove they belong to that
        change are restored or deleted.
        """
        journal = read_checked_journal(self.root)
        if journal is not None:
            record, previous = journal.record, journal.previous
            self._stamp = None
            records = self.records()
            committed = record in records
            if not committed:
                current = next((r for r in records if r.stem == record.stem), None)
                if current != previous:
                    raise ManifestError(
                        f"{self.root / mf.JOURNAL_NAME}: describes a change to {record.stem!r} that does not follow "
                        "the manifest (not written by u2studio for this dataset?); nothing was touched. "
                        "Move the journal out of the folder to open the dataset."
                    )
            if not committed and self._files_match(record):
                self._commit(_upsert(records, record))
                committed = True
            if committed:
                drop_moved(self.root, journal)
            else:
                roll_back(self.root, journal)
            mf.remove_journal(self.root)
        self._clean_temporaries()

    def _files_match(self, record: Record) -> bool:
        for rel, sha in ((record.image, record.image_sha256), (record.mask, record.mask_sha256)):
            path = self._file(rel)
            if not path.is_file() or sha256_file(path) != sha:
                return False
        return True

    def _clean_temporaries(self) -> None:
        """Remove ``.NAME.XXXX.tmp`` files that an atomic write killed part-way left behind."""
        for folder in (
            self.root,
            self.root / IMAGE_DIR,
            self.root / MASK_DIR,
            self.root / IMAGE_DIR / BACKUP_DIR,
            self.root / MASK_DIR / BACKUP_DIR,
        ):
            if folder.is_dir() and folder.resolve().is_relative_to(self.root.resolve()):
                for tmp in folder.glob(".*.tmp"):
                    try:
                        tmp.unlink()
                    except FileNotFoundError:
                        pass

    def __repr__(self) -> str:
        return f"Dataset({str(self.root)!r}, records={len(self._records)}, val_ratio={self._val_ratio})"


def _find_match(records: list[Record], image_sha: str, source: str) -> Match | None:
    for record in records:
        if record.image_sha256 == image_sha:
            return Match(record, "same image content")
    if source:
        for record in records:
            if record.source == source:
                return Match(record, "same source path")
    return None


def _upsert(records: list[Record], record: Record) -> list[Record]:
    out = [r for r in records]
    for i, r in enumerate(out):
        if r.stem == record.stem:
            out[i] = record
            return out
    out.append(record)
    return out


def _same_content(previous: Record, record: Record) -> bool:
    """Whether an update would change nothing but timestamps and the revision."""
    fields = ("image", "source", "image_sha256", "mask_sha256", "model", "checkpoint_sha256", "correction", "state", "annotator")
    return all(getattr(previous, f) == getattr(record, f) for f in fields)
