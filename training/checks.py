"""What the trainer checks before it trains: its data (as ``u2studio dataset check`` does, and more),
the run folder (no silent mixing of two runs) and, on ``--resume``, that data and settings are the same.
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from u2studio.core.dataset import manifest as mf
from u2studio.core.dataset.check import check_dataset
from u2studio.core.dataset.model import ManifestError
from u2studio.core.imageio import ImageLoadError, load_image, load_mask

from .data import IMAGE_DIRS, MASK_DIRS, DataError, Sample

RUN_FILES = ("state.pt", "last.safetensors", "last.json", "best.safetensors", "best.json",
             "gt_encoder.safetensors", "gt_encoder.json", "loss.png", "metrics.png", "folds")
MIN_PAIRS = 2
_SHOWN = 5

Notice = Callable[[str], None]


def validate_folders(specs: list[str], notice: Notice) -> None:
    """Run ``dataset check`` on every u2studio dataset folder; refuse any problem it finds.

    A plain folder (no ``dataset.json``) has no manifest or hashes to check; ``notice`` says so.
    """
    for spec in specs:
        root = Path(spec)
        if not (root / mf.HEADER_NAME).is_file():
            if (root / mf.MANIFEST_NAME).exists():
                raise DataError(f"{root}: has {mf.MANIFEST_NAME} but no {mf.HEADER_NAME}; not a u2studio dataset")
            notice(f"{root}: plain folder without a manifest: pairs are checked by decoding, not by recorded hashes")
            continue
        try:
            header = mf.read_header(root)
        except ManifestError as exc:
            raise DataError(str(exc)) from None
        problems = [p for p in check_dataset(root, header["val_ratio"]) if p.kind != "orphan"]
        if problems:
            shown = "; ".join(str(p) for p in problems[:_SHOWN])
            more = f" (and {len(problems) - _SHOWN} more)" if len(problems) > _SHOWN else ""
            raise DataError(f"{root}: {len(problems)} problem(s) found as `u2studio dataset check` does: {shown}{more}")


def validate_samples(samples: list[Sample]) -> None:
    """Decode every pair once: unreadable or truncated files, masks of another size, and 0/1-valued
    masks (which the loss would take as almost empty) are refused, naming the file."""
    if len(samples) < MIN_PAIRS:
        raise DataError(
            f"only {len(samples)} usable pair(s): training needs at least {MIN_PAIRS}, one of them for "
            "validation (the best checkpoint is chosen on it)"
        )
    for sample in samples:
        try:
            image = load_image(sample.image)
            mask = load_mask(sample.mask)
        except ImageLoadError as exc:
            raise DataError(f"{exc} (pair {sample.stem!r} of {sample.dataset})") from None
        if (mask.shape[1], mask.shape[0]) != image.size:
            raise DataError(
                f"{sample.mask}: mask is {mask.shape[1]}x{mask.shape[0]} but its image {sample.image.name} is "
                f"{image.size[0]}x{image.size[1]}"
            )
        top = int(mask.max())
        if 0 < top <= 1:
            raise DataError(f"{sample.mask}: mask values are 0/1; masks must use 0..255 (255 = object)")


def prepare_run_folder(
    run_dir: Path, resume: bool, overwrite: bool, delete: bool = True, data: tuple[str, ...] = ()
) -> None:
    """Refuse a folder holding a run unless ``--resume`` or ``--overwrite``; with ``--overwrite``
    delete that run's files first (only those; only where ``delete``, i.e. on rank 0), so the
    folder never mixes two runs. ``--out`` may not be a ``--data`` folder or its image/mask folder."""
    if run_dir.exists() and not run_dir.is_dir():
        raise DataError(f"--out {run_dir}: exists and is not a folder")
    real = run_dir.resolve()
    for spec in data:
        root = Path(spec).resolve()
        if real == root or any(real.is_relative_to(root / name) for name in (*IMAGE_DIRS, *MASK_DIRS)):
            raise DataError(f"--out {run_dir} is the --data folder {spec} or inside its images/masks; choose another")
    present = [name for name in RUN_FILES if (run_dir / name).exists()]
    if not present or resume:
        return
    if not overwrite:
        raise DataError(
            f"--out {run_dir} already holds a run ({', '.join(present)}); pass --resume to continue it or "
            "--overwrite to replace it"
        )
    for name in present if delete else ():
        path = run_dir / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


# settings that change what a resumed run computes: (metadata key, args attribute)
_SAME_SETTINGS = (("arch", "arch"), ("loss", "loss"), ("init", "init"), ("best_metric", "best_metric"),
                  ("interm_sup", "interm_sup"), ("seed", "seed"))


def check_resume(run_dir: Path, args: argparse.Namespace, hashes: dict[str, str], sizes: tuple[int, int]) -> None:
    """On ``--resume``: the run's ``last`` checkpoint must record the same data (by content) and settings."""
    from u2studio.models.checkpoint import read_metadata

    last = run_dir / "last.safetensors"
    if not last.is_file() or not hashes:
        return
    meta: dict[str, Any] = read_metadata(last)
    differences: list[str] = []
    for key, attr in _SAME_SETTINGS:
        if getattr(args, attr) is None:
            continue  # not given: the recipe decides, as it did for the run
        if key in meta and meta[key] != getattr(args, attr):
            differences.append(f"--{attr.replace('_', '-')} {getattr(args, attr)!r} (the run used {meta[key]!r})")
    if "train_size" in meta and (meta["train_size"], meta.get("train_crop")) != sizes:
        differences.append(f"size/crop {sizes} (the run used {(meta['train_size'], meta.get('train_crop'))})")
    if args.lr is not None and "lr" in meta and not np.isclose(float(meta["lr"]), float(args.lr)):
        differences.append(f"--lr {args.lr} (the run used {meta['lr']})")
    recorded = meta.get("datasets")
    if isinstance(recorded, dict) and sorted(recorded.values()) != sorted(hashes.values()):
        differences.append("--data: the images, masks or splits differ from the run's")
    if differences:
        raise DataError(f"--resume {run_dir}: not the same run: " + "; ".join(differences))
