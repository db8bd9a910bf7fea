"""Training data: plain im/gt folders and u2studio dataset folders, a stable split, and augmentation.

A u2studio dataset folder has ``im/``, ``gt/`` and ``manifest.jsonl`` (one JSON
record a line with at least ``stem``, ``split`` and ``state``); rejected records
are skipped. Plain folders pair ``im/``+``gt/`` (or ``images/``+``masks/``) by
file stem, and take a stable validation split by hashing each stem.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

from u2studio.core.imageio import is_image_path, load_image, load_mask
from u2studio.inference.predictor import preprocess
from u2studio.models.config import ModelConfig
from u2studio.core.hashing import sha256_file

IMAGE_DIRS = ("im", "images", "image", "imgs")
MASK_DIRS = ("gt", "masks", "mask", "gts")
MANIFEST = "manifest.jsonl"
DEFAULT_VAL_PERCENT = 10.0


class DataError(ValueError):
    """A dataset folder cannot be used; the message says why."""


@dataclass(frozen=True)
class Sample:
    """One image–mask pair and the split it belongs to."""

    stem: str
    image: Path
    mask: Path
    split: str
    dataset: str


def stem_hash(stem: str) -> int:
    """A stable 32-bit hash of a stem (the same on every machine and run)."""
    return int.from_bytes(hashlib.sha1(stem.encode("utf-8")).digest()[:4], "big")


def hash_split(stem: str, val_percent: float = DEFAULT_VAL_PERCENT) -> str:
    """``val`` for about ``val_percent`` % of stems, chosen by hash; otherwise ``train``."""
    return "val" if stem_hash(stem) % 10000 < val_percent * 100 else "train"


def _find_dir(root: Path, names: tuple[str, ...]) -> Path | None:
    for name in names:
        if (root / name).is_dir():
            return root / name
    return None


def _files_by_stem(folder: Path) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and is_image_path(path) and not path.name.startswith("."):
            files.setdefault(path.stem, path)
    return files


def read_manifest(path: Path) -> dict[str, dict[str, Any]]:
    """Manifest records by stem; damaged lines and records without a stem are skipped."""
    records: dict[str, dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and isinstance(record.get("stem"), str):
            records[record["stem"]] = record
    return records


def discover(root: str | Path, val_percent: float = DEFAULT_VAL_PERCENT, val_count: int | None = None) -> list[Sample]:
    """Every usable sample of one dataset folder, with its split.

    ``val_count`` picks exactly that many validation stems (the smallest
    hashes) instead of the percentage rule, for plain folders.
    """
    folder = Path(root)
    if not folder.is_dir():
        raise DataError(f"{folder}: no such dataset folder")
    im_dir, gt_dir = _find_dir(folder, IMAGE_DIRS), _find_dir(folder, MASK_DIRS)
    if im_dir is None or gt_dir is None:
        raise DataError(f"{folder}: expected image and mask folders (im/ and gt/, or images/ and masks/)")
    images, masks = _files_by_stem(im_dir), _files_by_stem(gt_dir)
    paired = sorted(set(images) & set(masks))
    if not paired:
        raise DataError(f"{folder}: no image in {im_dir.name}/ has a mask with the same stem in {gt_dir.name}/")
    manifest = folder / MANIFEST
    records = read_manifest(manifest) if manifest.is_file() else None
    if val_count is not None:
        val = set(sorted(paired, key=lambda s: (stem_hash(s), s))[:val_count])
    samples: list[Sample] = []
    for stem in paired:
        split = "val" if val_count is not None and stem in val else hash_split(stem, val_percent)
        if val_count is not None and stem not in val:
            split = "train"
        if records is not None:
            record = records.get(stem)
            if record is None or record.get("state") == "rejected":
                continue
            if record.get("split") in ("train", "val"):
                split = str(record["split"])
        samples.append(Sample(stem, images[stem], masks[stem], split, str(folder)))
    if not samples:
        raise DataError(f"{folder}: every record is rejected or missing from the manifest")
    return samples


def collect(specs: list[str], val_percent: float = DEFAULT_VAL_PERCENT, val_count: int | None = None) -> list[Sample]:
    """Samples of several dataset folders; a set without validation stems lends its smallest-hash one."""
    samples: list[Sample] = []
    for spec in specs:
        samples.extend(discover(spec, val_percent, val_count))
    if not any(s.split == "val" for s in samples) and len(samples) >= 2:
        pick = min(samples, key=lambda s: (stem_hash(s.stem), s.stem))
        samples = [replace(s, split="val") if s is pick else s for s in samples]
    if not any(s.split == "train" for s in samples):
        raise DataError("no training samples: every sample is in the validation split")
    return samples


def dataset_hashes(samples: list[Sample]) -> dict[str, str]:
    """One SHA-256 per dataset folder over its (split, stem, image bytes, mask bytes)."""
    digests: dict[str, Any] = {}
    for sample in sorted(samples, key=lambda s: (s.dataset, s.split, s.stem)):
        digest = digests.setdefault(sample.dataset, hashlib.sha256())
        line = f"{sample.split}\t{sample.stem}\t{sha256_file(sample.image)}\t{sha256_file(sample.mask)}\n"
        digest.update(line.encode("utf-8"))
    return {name: d.hexdigest() for name, d in digests.items()}


def _resize(array: np.ndarray, size: int, nearest: bool = False) -> np.ndarray:
    if array.shape[0] == size and array.shape[1] == size:
        return array
    shrinking = array.shape[0] > size or array.shape[1] > size
    interp = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    return cv2.resize(array, (size, size), interpolation=cv2.INTER_NEAREST if nearest else interp)


class TrainDataset(Dataset):  # type: ignore[type-arg]
    """Augmented training pairs; items are indexed by (index, epoch) so augmentation is reproducible.

    Resize to ``size``, random horizontal flip, optional vertical flip, random
    crop to ``crop``; then the model's normalisation (as the Predictor does).
    """

    def __init__(
        self, samples: list[Sample], config: ModelConfig, size: int, crop: int, vflip: bool, seed: int
    ) -> None:
        if crop > size:
            raise DataError(f"crop {crop} is larger than the resize {size}")
        self.samples = samples
        self.config = replace(config, input_size=crop)
        self.size, self.crop, self.vflip, self.seed = size, crop, vflip, seed

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, key: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
        index, epoch = key
        sample = self.samples[index]
        rng = np.random.default_rng([self.seed, epoch, index])
        image = _resize(load_image(sample.image).rgb, self.size)
        mask = _resize(load_mask(sample.mask), self.size)
        if rng.random() < 0.5:
            image, mask = image[:, ::-1], mask[:, ::-1]
        flip_v = rng.random() < 0.5
        if self.vflip and flip_v:
            image, mask = image[::-1], mask[::-1]
        top = int(rng.integers(0, self.size - self.crop + 1))
        left = int(rng.integers(0, self.size - self.crop + 1))
        image = np.ascontiguousarray(image[top : top + self.crop, left : left + self.crop])
        mask = np.ascontiguousarray(mask[top : top + self.crop, left : left + self.crop])
        x = torch.from_numpy(preprocess(image, self.config))
        y = torch.from_numpy(mask.astype(np.float32) / 255.0)[None]
        return x, y


class ValDataset(Dataset):  # type: ignore[type-arg]
    """Validation pairs: the Predictor's input at ``size`` and the full-size reference mask."""

    def __init__(self, samples: list[Sample], config: ModelConfig, size: int) -> None:
        self.samples = samples
        self.config = replace(config, input_size=size)

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, np.ndarray]:
        sample = self.samples[index]
        x = torch.from_numpy(preprocess(load_image(sample.image).rgb, self.config))
        return x, load_mask(sample.mask)
