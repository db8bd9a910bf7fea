"""Evaluating a model on the held-out pairs image by image, and writing what the guard decided.

``RUN/best.json`` (the verdict, see ``guard.report``), ``RUN/best.safetensors`` (always the model to
install) and ``RUN/heldout/`` (thumbnails of each held-out image with the starting and the final
model's masks) are written atomically.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
from torch import nn
from torch.utils.data import Subset

from .data import ValDataset
from .distributed import DistInfo, gather_to_all, shard_range
from .steps import validation_pairs
from .validate import Scores
from u2studio.core.atomic import atomic_write_bytes, atomic_write_text
from u2studio.core.imageio import encode_png, load_image, to_uint8_mask
from u2studio.core.mask_metrics import iou
from u2studio.models.config import ModelConfig

THUMB_SIDE = 256
HELDOUT = "heldout"


@dataclass
class Evaluation:
    """A model's metrics on the held-out pairs, its IoU per image and thumbnail-sized masks."""

    metrics: dict[str, float]
    ious: list[float]
    thumbs: list[np.ndarray] = field(repr=False)
    scores: Any = field(default=None, repr=False)  # the meters' per-image state (``Scores.state()``), for merging


def merge(parts: list[Evaluation]) -> Evaluation:
    """One Evaluation over the concatenated pairs of ``parts`` (cross-validation folds), exactly as if scored together."""
    combined, ious, thumbs = Scores(), [], []
    for part in parts:
        combined.absorb(part.scores)
        ious.extend(part.ious)
        thumbs.extend(part.thumbs)
    return Evaluation(combined.results(), ious, thumbs, combined.state())


def thumb_size(height: int, width: int, side: int = THUMB_SIDE) -> tuple[int, int]:
    """(width, height) with the long side at most ``side``."""
    scale = min(1.0, side / max(height, width))
    return max(1, round(width * scale)), max(1, round(height * scale))


def evaluate_heldout(
    model: nn.Module, dataset: ValDataset, config: ModelConfig, device: torch.device, workers: int,
    info: DistInfo | None = None,
) -> Evaluation:
    """Metrics, per-image IoU at 0.5 and 8-bit thumbnail masks of ``model`` on ``dataset``.

    Under torchrun (``info`` active) each rank scores its own contiguous slice and the per-image
    results are gathered in rank order: every rank returns the same Evaluation, exactly the one a
    single process would compute, and no rank waits in a collective while another evaluates alone.
    """
    was_training = model.training
    model.eval()
    ious: list[float] = []
    thumbs: list[np.ndarray] = []
    sharded = info is not None and info.active
    mine = Subset(dataset, list(shard_range(info, len(dataset)))) if sharded and info is not None else dataset

    def pairs() -> Any:
        for pred, gt in validation_pairs(model, mine, config, device, workers):
            ious.append(iou(pred, gt))
            small = cv2.resize(pred, thumb_size(*gt.shape[:2]), interpolation=cv2.INTER_AREA)
            thumbs.append(to_uint8_mask(small))
            yield pred, gt

    try:
        scores = Scores().add_pairs(pairs())
    finally:
        model.train(was_training)
    if not sharded or info is None:
        return Evaluation(scores.results(), ious, thumbs, scores.state())
    combined, all_ious, all_thumbs = Scores(), [], []
    for state, part_ious, part_thumbs in gather_to_all(info, (scores.state(), ious, thumbs)):
        combined.absorb(state)
        all_ious.extend(part_ious)
        all_thumbs.extend(part_thumbs)
    return Evaluation(combined.results(), all_ious, all_thumbs, combined.state())


def write_heldout(run_dir: Path, dataset: ValDataset, before: Evaluation, after: Evaluation) -> list[dict[str, str]]:
    """Thumbnails of each held-out image and both models' masks under ``RUN/heldout/``; returns the index."""
    folder = run_dir / HELDOUT
    entries: list[dict[str, str]] = []
    used: set[str] = set()
    for sample, mask_b, mask_a in zip(dataset.samples, before.thumbs, after.thumbs):
        rgb = load_image(sample.image).rgb
        small = cv2.resize(rgb, (mask_b.shape[1], mask_b.shape[0]), interpolation=cv2.INTER_AREA)
        ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 88])
        if not ok:
            raise OSError(f"could not encode a thumbnail of {sample.image}")
        stem = base = _safe(sample.stem)
        while stem in used:  # the same stem in two datasets
            stem = f"{base}-{len(used)}"
        used.add(stem)
        atomic_write_bytes(folder / f"{stem}.jpg", jpeg.tobytes())
        atomic_write_bytes(folder / f"{stem}.before.png", encode_png(mask_b))
        atomic_write_bytes(folder / f"{stem}.after.png", encode_png(mask_a))
        entries.append({"stem": sample.stem, "image": f"{HELDOUT}/{stem}.jpg",
                        "before": f"{HELDOUT}/{stem}.before.png", "after": f"{HELDOUT}/{stem}.after.png"})
    return entries


def _safe(stem: str) -> str:
    """A file name from an untrusted stem: no separators, no leading dots."""
    cleaned = "".join(c if c.isalnum() or c in "-_." else "_" for c in stem).lstrip(".")
    return cleaned or "image"


def write_report(run_dir: Path, report: dict[str, Any]) -> Path:
    """Write ``RUN/best.json`` atomically (after best.safetensors, whose sidecar it replaces)."""
    return atomic_write_text(run_dir / "best.json", json.dumps(report, indent=2, sort_keys=False) + "\n")
