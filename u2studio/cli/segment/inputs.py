"""Which files a segment run reads: files and folders expanded, non-regular files set aside, shards selected."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from u2studio.cli.segment.options import STDIO, Shard
from u2studio.core.imageio import ImageLoadError, is_image_path


@dataclass(frozen=True)
class InputFile:
    """One input: its path (None for standard input), and its path relative to the folder it was found in."""

    path: Path | None
    relative: str

    @property
    def label(self) -> str:
        """How messages name it."""
        return "standard input" if self.path is None else str(self.path)

    @property
    def stem(self) -> str:
        """The output stem it asks for."""
        return "stdin" if self.path is None else self.path.stem


@dataclass
class Collected:
    """The inputs found, and a message for every one set aside."""

    files: list[InputFile] = field(default_factory=list)
    set_aside: list[str] = field(default_factory=list)


def kind_of(mode: int) -> str | None:
    """None for a regular file, else what it is (reading a FIFO or a device could block forever)."""
    if stat.S_ISREG(mode):
        return None
    for test, name in ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "not a regular file"


def check_regular(path: Path) -> None:
    """Raise ImageLoadError unless ``path`` is (or links to) a regular file."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise ImageLoadError(f"{path}: file not found") from None
    except OSError as exc:
        raise ImageLoadError(f"{path}: cannot read ({exc.strerror or exc})") from None
    kind = kind_of(mode)
    if kind is not None:
        raise ImageLoadError(f"{path}: {kind}, not an image file; skipped")


def folder_images(folder: Path) -> tuple[list[Path], list[str]]:
    """The image files directly in ``folder`` (sorted), and messages for image-named entries that are not files."""
    found, aside = [], []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        path = Path(entry.path)
        if not is_image_path(path):
            continue
        try:
            kind = kind_of(os.stat(path).st_mode)
        except OSError as exc:
            aside.append(f"{path}: cannot read ({exc.strerror or exc}); skipped")
            continue
        if kind is None:
            found.append(path)
        elif kind != "a folder":
            aside.append(f"{path}: {kind}, not an image file; skipped")
    return found, aside


def collect(inputs: Iterable[str]) -> Collected:
    """Expand folders into their image files; keep named files (a missing one fails later, by name)."""
    result = Collected()
    for item in inputs:
        if item == STDIO:
            result.files.append(InputFile(None, STDIO))
            continue
        path = Path(item)
        try:
            mode = os.stat(path).st_mode
        except OSError:
            result.files.append(InputFile(path, path.name))
            continue
        if stat.S_ISDIR(mode):
            try:
                found, aside = folder_images(path)
            except OSError as exc:
                result.set_aside.append(f"{path}: cannot list the folder ({exc.strerror or exc})")
                continue
            result.files.extend(InputFile(p, p.name) for p in found)
            result.set_aside.extend(aside)
        elif kind_of(mode) is None:
            result.files.append(InputFile(path, path.name))
        else:
            result.set_aside.append(f"{path}: {kind_of(mode)}, not an image file; skipped")
    return result


def in_shard(relative: str, shard: Shard) -> bool:
    """Whether a file belongs to ``shard``: SHA-256 of its relative path (POSIX form), modulo the shard count."""
    digest = hashlib.sha256(relative.replace(os.sep, "/").encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big") % shard.count == shard.index - 1
