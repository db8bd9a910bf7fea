"""Reading and writing ``dataset.json`` (header), ``manifest.jsonl`` (records) and ``journal.json``.

Durability scheme: the manifest is never appended to or edited in place. Every
change rewrites the whole file to a temporary file in the same folder, fsyncs it
and renames it over the old one (``u2studio.core.atomic``). A reader therefore
sees either the previous manifest or the new one, whole; the reader is strict and
names the file and line of anything damaged. The rename is the commit point.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from u2studio.core.atomic import atomic_write_text
from u2studio.core.dataset.paths import contained, read_regular
from u2studio.core.dataset.model import FORMAT_NAME, FORMAT_VERSION, ManifestError, Record, check_val_ratio

HEADER_NAME = "dataset.json"
MANIFEST_NAME = "manifest.jsonl"
JOURNAL_NAME = "journal.json"
LOCK_NAME = ".lock"


def write_header(root: Path, val_ratio: float, created: str) -> None:
    """Write the dataset header (format name, version, split ratio)."""
    header = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "val_ratio": val_ratio, "created": created}
    atomic_write_text(root / HEADER_NAME, json.dumps(header, indent=2) + "\n")


def read_header(root: Path) -> dict[str, Any]:
    """Read and validate the header; ManifestError names the file and what is wrong."""
    path = root / HEADER_NAME
    try:
        text = read_regular(path).decode("utf-8")
    except UnicodeDecodeError:
        raise ManifestError(f"{path}: not UTF-8 text") from None
    except FileNotFoundError:
        raise ManifestError(f"{path}: not found; {root} is not a u2studio dataset (create one first)") from None
    try:
        header = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ManifestError(f"{path}: line {exc.lineno}: not valid JSON ({exc.msg})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
        raise ManifestError(f"{path}: not a u2studio dataset header (format must be {FORMAT_NAME!r})")
    version = header.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ManifestError(f"{path}: invalid format version {version!r}")
    if version > FORMAT_VERSION:
        raise ManifestError(
            f"{path}: format version {version} is newer than this u2studio understands "
            f"(up to {FORMAT_VERSION}); update u2studio to open this dataset"
        )
    try:
        header["val_ratio"] = check_val_ratio(header.get("val_ratio", 0.1))
    except (TypeError, ValueError) as exc:
        raise ManifestError(f"{path}: {exc}") from None
    return header


def read_manifest(root: Path) -> list[Record]:
    """All records in file order; ManifestError names the file and line of a damaged or duplicate record,
    or of a path that is not a normalised file of im/ or gt/ inside the dataset (symlinks followed)."""
    path = root / MANIFEST_NAME
    try:
        data = read_regular(path)
    except FileNotFoundError:
        raise ManifestError(f"{path}: not found; the dataset is incomplete") from None
    records: list[Record] = []
    seen: dict[str, int] = {}
    for lineno, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            record = Record.from_dict(json.loads(raw.decode("utf-8")))
        except UnicodeDecodeError:
            raise ManifestError(f"{path}: line {lineno}: not UTF-8 text") from None
        except json.JSONDecodeError as exc:
            raise ManifestError(f"{path}: line {lineno}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        except (ValueError, RecursionError) as exc:
            raise ManifestError(f"{path}: line {lineno}: {exc}") from None
        for rel in (record.image, record.mask, *record.backups):
            contained(root, rel, f"{path}: line {lineno}")
        key = record.stem.casefold()
        if key in seen:
            raise ManifestError(f"{path}: line {lineno}: stem {record.stem!r} already used on line {seen[key]}")
        seen[key] = lineno
        records.append(record)
    return records


def record_line(record: Record) -> str:
    """One manifest line (without the newline)."""
    return json.dumps(record.to_dict(), ensure_ascii=False, separators=(",", ":"))


def write_manifest(root: Path, records: Iterable[Record], lines: dict[str, tuple[Record, str]] | None = None) -> None:
    """Replace the manifest with ``records``, atomically (the commit point of every change).

    ``lines`` memoises serialised records by stem between calls (reused only for the
    identical record object), so a change costs one encode, not n.
    """
    memo = {} if lines is None else lines
    out = []
    for record in records:
        cached = memo.get(record.stem)
        if cached is not None and cached[0] is record:
            line = cached[1]
        else:
            line = record_line(record)
            memo[record.stem] = (record, line)
        out.append(line + "\n")
    atomic_write_text(root / MANIFEST_NAME, "".join(out))


def write_journal(root: Path, entry: dict[str, Any]) -> None:
    """Record an operation in progress, so a crash part-way can be finished or undone."""
    atomic_write_text(root / JOURNAL_NAME, json.dumps(entry, ensure_ascii=False))


def remove_journal(root: Path) -> None:
    """Mark the operation finished."""
    try:
        (root / JOURNAL_NAME).unlink()
    except FileNotFoundError:
        pass
