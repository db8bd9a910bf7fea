"""Validation of a dataset folder: manifest, pairs, sizes, mask format, hashes, stray files."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from u2studio.core.dataset import manifest as mf
from u2studio.core.dataset.files import sha256_file
from u2studio.core.dataset.model import ManifestError, Problem, Record, split_for
from u2studio.core.imageio import IMAGE_EXTENSIONS

_DIRS = ("im", "gt")


def check_dataset(root: Path, val_ratio: float) -> list[Problem]:
    """Every problem found, in a stable order; an empty list means the dataset is sound."""
    problems: list[Problem] = []
    try:
        mf.read_header(root)
    except ManifestError as exc:
        problems.append(Problem("header", str(exc), path=mf.HEADER_NAME))
    if (root / mf.JOURNAL_NAME).exists():
        problems.append(
            Problem("unfinished", "an interrupted change is pending; opening the dataset finishes or undoes it", path=mf.JOURNAL_NAME)
        )
    try:
        records = mf.read_manifest(root)
    except ManifestError as exc:
        return [*problems, Problem("manifest", str(exc), path=mf.MANIFEST_NAME)]
    by_hash: dict[str, list[str]] = defaultdict(list)
    for record in records:
        by_hash[record.image_sha256].append(record.stem)
        problems.extend(_check_record(root, record, val_ratio))
    for stems in by_hash.values():
        if len(stems) > 1:
            problems.append(Problem("duplicate", f"the same image is stored as {', '.join(stems)}", stem=stems[0]))
    problems.extend(_orphans(root, records))
    return problems


def _check_record(root: Path, r: Record, val_ratio: float) -> list[Problem]:
    out: list[Problem] = []
    if Path(r.image).parent.as_posix() != "im" or Path(r.image).stem != r.stem or Path(r.image).suffix.lower() not in IMAGE_EXTENSIONS:
        out.append(Problem("layout", f"image path {r.image!r} should be im/{r.stem}.<ext>", stem=r.stem))
    if r.mask != f"gt/{r.stem}.png":
        out.append(Problem("layout", f"mask path {r.mask!r} should be gt/{r.stem}.png", stem=r.stem))
    if r.split != split_for(r.image_sha256, val_ratio):
        out.append(Problem("split", f"split {r.split!r} does not follow the dataset's val_ratio {val_ratio}", stem=r.stem))
    image_size = _check_file(root, r.image, r.image_sha256, r.stem, "image", out)
    mask_size = _check_file(root, r.mask, r.mask_sha256, r.stem, "mask", out)
    if image_size is not None and image_size[:2] != (r.width, r.height):
        out.append(Problem("size", f"image is {image_size[0]}x{image_size[1]}, manifest says {r.width}x{r.height}", r.stem, r.image))
    if mask_size is not None:
        width, height, mode, fmt = mask_size
        if fmt != "PNG" or mode != "L":
            out.append(Problem("mask-format", f"mask must be an 8-bit single-channel PNG, found {fmt} mode {mode}", r.stem, r.mask))
        if image_size is not None and (width, height) != image_size[:2]:
            out.append(
                Problem("size", f"mask is {width}x{height} but the image is {image_size[0]}x{image_size[1]}", r.stem, r.mask)
            )
    return out


def _check_file(root: Path, rel: str, sha: str, stem: str, what: str, out: list[Problem]) -> tuple[int, int, str, str] | None:
    """Existence, hash and header of one file; returns (width, height, mode, format) when it opens."""
    path = root / rel
    if not path.is_file():
        out.append(Problem("missing", f"{what} file is missing", stem, rel))
        return None
    if sha256_file(path) != sha:
        out.append(Problem("hash", f"{what} file changed since it was recorded (sha256 differs)", stem, rel))
    try:
        with Image.open(path) as img:
            return img.size[0], img.size[1], img.mode, img.format or "?"
    except (UnidentifiedImageError, OSError) as exc:
        out.append(Problem("unreadable", f"{what} file cannot be read ({exc})", stem, rel))
        return None


def _orphans(root: Path, records: list[Record]) -> list[Problem]:
    """Files in im/ or gt/ that no record names: official training scripts would pick them up unpaired."""
    named = {r.image for r in records} | {r.mask for r in records}
    out: list[Problem] = []
    for folder in _DIRS:
        directory = root / folder
        if not directory.is_dir():
            out.append(Problem("layout", f"folder {folder}/ is missing", path=folder))
            continue
        for path in sorted(directory.iterdir()):
            if path.name.startswith("."):
                continue
            rel = f"{folder}/{path.name}"
            if path.is_dir():
                out.append(Problem("stray", "unexpected folder (training scripts read only files here)", path=rel))
            elif rel not in named:
                out.append(Problem("orphan", "file not in the manifest (no pair for training)", path=rel))
    return out
