"""Adopting existing datasets: DUTS (``*-Image`` + ``*-Mask``), DIS (``im`` + ``gt``), plain (``image(s)`` + ``mask(s)``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from u2studio.core.dataset.model import DatasetError
from u2studio.core.dataset.store import Dataset
from u2studio.core.imageio import ImageLoadError, is_image_path, load_mask

LAYOUTS: tuple[str, ...] = ("duts", "dis", "plain")


@dataclass
class ImportReport:
    """What an import did: stems added, updated or unchanged; files without a partner; files that failed."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    unmatched_images: list[Path] = field(default_factory=list)
    unmatched_masks: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)


def find_folder_pairs(root: Path, layout: str) -> list[tuple[Path, Path]]:
    """(image folder, mask folder) pairs of ``layout`` in ``root`` or its direct sub-folders."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; expected one of {', '.join(LAYOUTS)}")
    if not root.is_dir():
        raise DatasetError(f"{root}: no such folder")
    candidates = [root, *sorted(p for p in root.iterdir() if p.is_dir())]
    pairs: list[tuple[Path, Path]] = []
    for folder in candidates:
        pairs.extend(_pairs_in(folder, layout))
    if not pairs:
        raise DatasetError(f"{root}: no {_describe(layout)} folders found for the {layout!r} layout")
    return pairs


def import_folder(
    ds: Dataset, root: str | Path, layout: str, *, annotator: str = "", state: str = "approved"
) -> ImportReport:
    """Add every image whose mask has the same stem; report the rest. Importing again changes nothing."""
    report = ImportReport()
    for image_dir, mask_dir in find_folder_pairs(Path(root), layout):
        images = _by_stem(image_dir, report.failed)
        masks = _by_stem(mask_dir, report.failed)
        report.unmatched_images.extend(images[s] for s in sorted(images.keys() - masks.keys()))
        report.unmatched_masks.extend(masks[s] for s in sorted(masks.keys() - images.keys()))
        for stem in sorted(images.keys() & masks.keys()):
            image_path, mask_path = images[stem], masks[stem]
            try:
                mask = load_mask(mask_path)
                before = ds.match(image_path)
                record = ds.add(image_path, mask, annotator=annotator, state=state)
            except (ImageLoadError, ValueError) as exc:
                report.failed.append((image_path, str(exc)))
                continue
            if before is None:
                report.added.append(record.stem)
            elif before.record.revision == record.revision:
                report.unchanged.append(record.stem)
            else:
                report.updated.append(record.stem)
    return report


def _pairs_in(folder: Path, layout: str) -> list[tuple[Path, Path]]:
    subdirs = {p.name.casefold(): p for p in folder.iterdir() if p.is_dir()}
    if layout == "dis":
        return [(subdirs["im"], subdirs["gt"])] if {"im", "gt"} <= subdirs.keys() else []
    if layout == "plain":
        for img, msk in (("images", "masks"), ("image", "mask")):
            if {img, msk} <= subdirs.keys():
                return [(subdirs[img], subdirs[msk])]
        return []
    out = []
    for name, path in sorted(subdirs.items()):
        if name.endswith("-image"):
            partner = subdirs.get(name[: -len("-image")] + "-mask")
            if partner is not None:
                out.append((path, partner))
    return out


def _by_stem(folder: Path, failed: list[tuple[Path, str]]) -> dict[str, Path]:
    """Image files by stem; a stem with two files (a.jpg, a.png) is ambiguous and reported."""
    found: dict[str, Path] = {}
    clashes: set[str] = set()
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.startswith(".") or not is_image_path(path):
            continue
        if path.stem in found:
            clashes.add(path.stem)
            failed.append((path, f"ambiguous: {found[path.stem].name} has the same stem"))
        else:
            found[path.stem] = path
    for stem in clashes:
        failed.append((found.pop(stem), "ambiguous: another file has the same stem"))
    return found


def _describe(layout: str) -> str:
    return {"duts": "*-Image/*-Mask", "dis": "im/gt", "plain": "images/masks or image/mask"}[layout]
