"""Distillation from the starting model on images without masks (``--unlabeled DIR``).

The starting model's prediction on each unlabelled image (the Predictor's pre- and
post-processing) is written once as an 8-bit soft mask under ``RUN/pseudo/`` and then trains like
any other pair, with the same augmentation. These pairs anchor the fine-tune to what the starting
model already did on the user's other images. Images whose bytes equal a labelled pair's image are
skipped, so a held-out image never enters training this way.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from .data import Sample, content_key
from .steps import predict_maps
from u2studio.core.atomic import atomic_write_bytes
from u2studio.core.hashing import sha256_file
from u2studio.core.imageio import encode_png, is_image_path, load_image, to_uint8_mask
from u2studio.inference.predictor import postprocess, preprocess
from u2studio.models.config import ModelConfig

PSEUDO = "pseudo"


def unlabeled_images(folder: str | Path, labelled: list[Sample]) -> list[Path]:
    """The image files of ``folder`` (not recursive), minus copies of labelled images."""
    root = Path(folder)
    if not root.is_dir():
        raise ValueError(f"--unlabeled {folder}: no such folder")
    known = {content_key(s) for s in labelled}
    files = [p for p in sorted(root.iterdir()) if p.is_file() and is_image_path(p) and not p.name.startswith(".")]
    return [p for p in files if sha256_file(p) not in known]


@torch.no_grad()
def write_pseudo_labels(model: nn.Module, images: list[Path], config: ModelConfig, device: torch.device, run_dir: Path) -> None:
    """The starting model's masks of ``images`` as ``RUN/pseudo/NNNN.png`` (call before training starts)."""
    was_training = model.training
    model.eval()
    try:
        for index, path in enumerate(images):
            rgb = load_image(path).rgb
            x = torch.from_numpy(preprocess(rgb, config))[None]
            prob = postprocess(predict_maps(model, x, config, device)[0], rgb.shape[0], rgb.shape[1], min_max=True)
            atomic_write_bytes(run_dir / PSEUDO / f"{index:05d}.png", encode_png(to_uint8_mask(prob)))
    finally:
        model.train(was_training)


def pseudo_samples(images: list[Path], run_dir: Path, folder: str | Path) -> list[Sample]:
    """Training samples pairing each unlabelled image with its pseudo-label."""
    return [Sample(f"unlabeled-{i:05d}", path, run_dir / PSEUDO / f"{i:05d}.png", "train", f"unlabeled:{folder}")
            for i, path in enumerate(images)]
