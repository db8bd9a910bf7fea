"""The journal of an unfinished ``add``, read as untrusted input, and the file actions of recovery.

A genuine journal is written by :meth:`Dataset.add` under the lock and names
exactly: the new record, the record it replaces (as in the manifest), backups of
the replaced record's own files into ``.backup/``, and the replaced image when it
moves. Anything else is refused with a message naming ``journal.json``. Recovery
then restores or deletes a file only when its hash proves it is the file the
change copied or wrote, so a crafted journal can neither reach outside the
dataset nor destroy a file the change did not create.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from u2studio.core.atomic import atomic_write_bytes
from u2studio.core.dataset.manifest import JOURNAL_NAME
from u2studio.core.dataset.model import ManifestError, Record
from u2studio.core.dataset.paths import BACKUP_DIR, contained, read_regular
from u2studio.core.hashing import sha256_file


@dataclass(frozen=True)
class Journal:
    """A checked journal: the change's record, the one it replaces, backups (target -> copy) and removals."""

    record: Record
    previous: Record | None
    backups: dict[str, str]
    removes: tuple[str, ...]


def read_checked_journal(root: Path) -> Journal | None:
    """The unfinished change, validated; None when there is none; ManifestError naming the file otherwise."""
    path = root / JOURNAL_NAME
    try:
        text = read_regular(path).decode("utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path}: cannot read the journal of an unfinished change ({exc})") from None
    try:
        entry = json.loads(text)
        return _check(root, str(path), entry)
    except ManifestError:
        raise
    except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError, RecursionError) as exc:
        raise ManifestError(f"{path}: damaged journal of an unfinished change ({exc})") from None


def _check(root: Path, where: str, entry: Any) -> Journal:
    if not isinstance(entry, dict) or entry.get("op") != "add":
        raise ValueError("not an 'add' journal entry")
    record = _record(root, where, entry["record"], "record")
    previous = None if entry.get("previous") is None else _record(root, where, entry["previous"], "previous")
    if previous is not None and previous.stem != record.stem:
        raise ManifestError(f"{where}: the previous record {previous.stem!r} is not {record.stem!r}")
    backups = entry.get("backups", {})
    if not isinstance(backups, dict):
        raise ValueError("'backups' must be an object")
    targets = {previous.image, previous.mask} if previous else set()
    for target, copy in backups.items():
        if target not in targets:
            raise ManifestError(f"{where}: backup target {target!r} is not a file of the replaced record")
        contained(root, copy, f"{where}: backups")
        folder, _, name = copy.rpartition("/")
        if folder != f"{target.split('/')[0]}/{BACKUP_DIR}" or not name.startswith(f"{record.stem}.") or copy not in record.backups:
            raise ManifestError(f"{where}: {copy!r} is not a backup this change would make of {target!r}")
    removes = entry.get("removes", [])
    if not isinstance(removes, list):
        raise ValueError("'removes' must be a list")
    for rel in removes:
        if previous is None or rel != previous.image or rel in (record.image, record.mask):
            raise ManifestError(f"{where}: removal of {rel!r} is not the replaced record's moved image")
    return Journal(record, previous, dict(backups), tuple(removes))


def _record(root: Path, where: str, data: Any, name: str) -> Record:
    record = Record.from_dict(data)
    ext = os.path.splitext(record.image)[1]
    if record.image != f"im/{record.stem}{ext}" or not ext or record.mask != f"gt/{record.stem}.png":
        raise ManifestError(f"{where}: {name} paths {record.image!r}, {record.mask!r} are not im/{record.stem}.<ext> and gt/{record.stem}.png")
    for rel in (record.image, record.mask, *record.backups):
        contained(root, rel, f"{where}: {name}")
    return record


def _holds(path: Path, sha: str) -> bool:
    """Whether ``path`` is a regular file with SHA-256 ``sha``."""
    return path.is_file() and not path.is_symlink() and sha256_file(path) == sha


def drop_moved(root: Path, journal: Journal) -> None:
    """After a committed change: delete the replaced record's old image, if it is still exactly that file."""
    previous = journal.previous
    for rel in journal.removes:
        path = contained(root, rel, JOURNAL_NAME)
        if previous is not None and _holds(path, previous.image_sha256):
            path.unlink()


def roll_back(root: Path, journal: Journal) -> None:
    """Undo an uncommitted change: restore verified backups, delete only files the change wrote."""
    record, previous = journal.record, journal.previous
    if previous is not None:
        for target, copy in journal.backups.items():
            sha = previous.mask_sha256 if target == previous.mask else previous.image_sha256
            source, dest = contained(root, copy, JOURNAL_NAME), contained(root, target, JOURNAL_NAME)
            if _holds(source, sha) and not _holds(dest, sha):
                atomic_write_bytes(dest, source.read_bytes())
    kept = {previous.image, previous.mask} if previous else set()
    for rel, sha in ((record.image, record.image_sha256), (record.mask, record.mask_sha256)):
        path = contained(root, rel, JOURNAL_NAME)
        if rel not in kept and _holds(path, sha):
            path.unlink()
