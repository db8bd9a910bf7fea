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


def content_key(sample: Sample) -> str:
    """A stable key for the guard split: the SHA-256 of the image's bytes, so renaming a file or
    correcting its mask never moves a pair between training and validation."""
    return sha256_file(sample.image)


def guard_split(samples: list[Sample], share: float = 0.25, minimum: int = 3, count: int | None = None) -> list[Sample]:
    """The fine-tuning split: ``count`` pairs, or ``share`` of them but at least ``minimum``, go to validation.

    Pairs are ordered by content hash (ties by stem), so the split is stable across runs and
    machines; a dataset's own ``split`` field is ignored. Too few pairs to hold out the
    validation set and still train one pair is an error.
    """
    n = len(samples)
    n_val = count if count is not None else max(minimum, int(round(n * share)))
    if n - n_val < 1:
        raise DataError(
            f"fine-tuning needs at least {n_val + 1} usable pairs ({n_val} held out to check the result, 1 to train); "
            f"the data has {n} (rejected pairs do not count)"
        )
    order = sorted(samples, key=lambda s: (content_key(s), s.stem, s.dataset))
    val = {id(s) for s in order[:n_val]}
    return [replace(s, split="val" if id(s) in val else "train") for s in samples]


# two folds: the verdict rests on every pair and a whole fine-tune costs about two trainings on all the pairs
# (two on half of them, then the refit); three folds cost a third more (12 pairs: 72 steps instead of 48)
MAX_FOLDS = 2


def default_folds(n: int) -> int:
    """Cross-validation folds for ``n`` pairs: as many as keep at least 3 pairs in each, at most ``MAX_FOLDS``."""
    return max(1, min(MAX_FOLDS, n // 3))


def cv_folds(samples: list[Sample], k: int) -> list[list[Sample]]:
    """``k`` splits of the same pairs, each holding out a different fold (``split="val"``) and training on the rest.

    Pairs are ordered by content hash (as ``guard_split``) and dealt round-robin, so the folds differ
    in size by at most one and the assignment follows the images' bytes, not their names.
    """
    if k < 2:
        raise DataError("cross-validation needs at least 2 folds")
    if len(samples) < 2 * k:
        raise DataError(f"{k} folds need at least {2 * k} usable pairs; the data has {len(samples)}")
    order = sorted(samples, key=lambda s: (content_key(s), s.stem, s.dataset))
    fold_of = {id(s): i % k for i, s in enumerate(order)}
    return [[replace(s, split="val" if fold_of[id(s)] == f else "train") for s in order] for f in range(k)]


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


@dataclass(frozen=True)
class Augment:
    """Augmentation strength: the papers' flips and crop, plus optional scale and colour jitter.

    ``scale`` is the (low, high) factor applied to the resize side before the crop (a side
    below the crop is padded by reflection); ``colour`` the largest relative change of
    brightness, contrast and saturation.
    """

    vflip: bool = True
    scale: tuple[float, float] = (1.0, 1.0)
    colour: float = 0.0


PAPER_AUGMENT = Augment()


def _colour_jitter(image: np.ndarray, rng: np.random.Generator, strength: float) -> np.ndarray:
    """Brightness, contrast and saturation scaled by factors in [1 - strength, 1 + strength]."""
    out = image.astype(np.float32)
    b, c, s = rng.uniform(1 - strength, 1 + strength, 3)
    out *= b
    out = (out - out.mean()) * c + out.mean()
    grey = out.mean(axis=2, keepdims=True)
    out = (out - grey) * s + grey
    return np.clip(out, 0, 255).astype(np.uint8)


def _fit_crop(array: np.ndarray, crop: int) -> np.ndarray:
    """Reflect-pad an array whose sides are below ``crop``."""
    ph, pw = max(0, crop - array.shape[0]), max(0, crop - array.shape[1])
    if not ph and not pw:
        return array
    pad = ((ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2)) + ((0, 0),) * (array.ndim - 2)
    return np.pad(array, pad, mode="reflect")


class TrainDataset(Dataset):  # type: ignore[type-arg]
    """Augmented training pairs; items are indexed by (index, epoch) so augmentation is reproducible.

    Resize to ``size`` (times a random scale factor), random horizontal flip, optional vertical
    flip, random crop to ``crop``, optional colour jitter; then the model's normalisation (as the
    Predictor does).
    """

    def __init__(
        self, samples: list[Sample], config: ModelConfig, size: int, crop: int, vflip: bool, seed: int,
        augment: Augment | None = None,
    ) -> None:
        if crop > size:
            raise DataError(f"crop {crop} is larger than the resize {size}")
        self.samples = samples
        self.config = replace(config, input_size=crop)
        self.augment = replace(augment or PAPER_AUGMENT, vflip=vflip and (augment or PAPER_AUGMENT).vflip)
        self.size, self.crop, self.vflip, self.seed = size, crop, self.augment.vflip, seed

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, key: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
        index, epoch = key
        sample = self.samples[index]
        rng = np.random.default_rng([self.seed, epoch, index])
        side = self.size
        low, high = self.augment.scale
        if (low, high) != (1.0, 1.0):
            side = max(16, int(round(self.size * rng.uniform(low, high))))
        image = _resize(load_image(sample.image).rgb, side)
        mask = _resize(load_mask(sample.mask), side)
        if rng.random() < 0.5:
            image, mask = image[:, ::-1], mask[:, ::-1]
        flip_v = rng.random() < 0.5
        if self.vflip and flip_v:
            image, mask = image[::-1], mask[::-1]
        image, mask = _fit_crop(image, self.crop), _fit_crop(mask, self.crop)
        top = int(rng.integers(0, image.shape[0] - self.crop + 1))
        left = int(rng.integers(0, image.shape[1] - self.crop + 1))
        image = np.ascontiguousarray(image[top : top + self.crop, left : left + self.crop])
        mask = np.ascontiguousarray(mask[top : top + self.crop, left : left + self.crop])
        if self.augment.colour > 0:
            image = _colour_jitter(image, rng, self.augment.colour)
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
