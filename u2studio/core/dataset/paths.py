"""Containment of every path a dataset folder names: manifest records, journal entries, backups.

Files in a dataset folder are untrusted: a shared or downloaded dataset can carry a
crafted ``manifest.jsonl`` or ``journal.json``. A path read from them is accepted
only when it is a relative POSIX path, already normalised (no ``.``/``..``/empty
parts, no backslash, no drive), inside ``im/`` or ``gt/`` (optionally their
``.backup/`` folder), and resolves inside the dataset root with symlinks followed.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path, PurePosixPath

from u2studio.core.dataset.model import ManifestError

DATA_DIRS = ("im", "gt")
BACKUP_DIR = ".backup"
_DRIVE = re.compile(r"^[A-Za-z]:")


def lexical_problem(rel: object) -> str | None:
    """Why ``rel`` is not an acceptable dataset-relative file path, or None when its form is fine."""
    if not isinstance(rel, str) or not rel:
        return "the path must be a non-empty string"
    if "\x00" in rel or "\\" in rel or _DRIVE.match(rel):
        return f"path {rel!r} holds a NUL, a backslash or a drive letter"
    if rel.startswith("/"):
        return f"path {rel!r} is absolute; dataset paths are relative to the dataset folder"
    parts = rel.split("/")
    if any(p in ("", ".", "..") for p in parts):
        return f"path {rel!r} is not normalised (empty, '.' or '..' parts)"
    if parts[0] not in DATA_DIRS or len(parts) not in (2, 3) or (len(parts) == 3 and parts[1] != BACKUP_DIR):
        return f"path {rel!r} is not a file in im/, gt/ or their .backup/ folders"
    if any(len(p.encode("utf-8", "surrogateescape")) > 255 for p in parts):
        return f"path {rel[:40]!r}… has a name longer than 255 bytes"
    if parts[-1].startswith(".") or parts[-1].endswith(".tmp"):
        return f"path {rel!r} names a hidden or temporary file"
    return None


def contained(root: Path, rel: str, where: str) -> Path:
    """The absolute path of dataset file ``rel``, or ManifestError (prefixed with ``where``) if it escapes.

    ``where`` names the file and line the path came from, e.g. ``"…/manifest.jsonl: line 3"``.
    """
    problem = lexical_problem(rel)
    if problem is not None:
        raise ManifestError(f"{where}: {problem}")
    base = root.resolve()
    target = (base / PurePosixPath(rel)).resolve(strict=False)
    if target == base or not target.is_relative_to(base):
        raise ManifestError(f"{where}: path {rel!r} resolves to {target}, outside the dataset {base}")
    # every folder on the way must resolve inside too (a symlinked im/ pointing elsewhere)
    parent = target.parent
    if not parent.is_relative_to(base):
        raise ManifestError(f"{where}: path {rel!r} leads outside the dataset {base}")
    return base / PurePosixPath(rel)


def read_regular(path: Path) -> bytes:
    """The bytes of a dataset metadata file (header, manifest, journal); FileNotFoundError when absent.

    A named pipe, device or socket planted under that name would block or never end: ManifestError.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise ManifestError(f"{path}: not a regular file (a pipe, device or socket?); refused")
        return handle.read()
