"""Building the pieces of a run: seeds, device, model, optimiser and data sizes."""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from u2studio.inference import device as devices
from u2studio.models.config import CONFIGS, ModelConfig
from u2studio.models.fuse import freeze_batchnorm
from u2studio.models.registry import create_model

SCRATCH_LR = 1e-3


@dataclass(frozen=True)
class Sizes:
    """Training resize, crop and the validation input size."""

    size: int
    crop: int
    val_size: int


def sizes_for(config: ModelConfig, size: int | None, crop: int | None, default: tuple[int, int] | None = None) -> Sizes:
    """Defaults from the model config (U²-Net resizes to 320 and crops 288, IS-Net trains at 1024) or ``default``.

    Validation runs at the resize side when ``--size`` is given, otherwise at the model's input
    size, exactly as the Predictor does.
    """
    resize = size or (default[0] if default else config.train_size)
    if crop is None:
        crop = default[1] if default and size is None else resize * config.train_crop // config.train_size
    if crop > resize or crop < 16 or resize < 16:
        raise ValueError(f"need 16 <= crop <= size, got size {resize} and crop {crop}")
    return Sizes(resize, crop, resize if size else config.input_size)


def seed_everything(seed: int, deterministic: bool) -> None:
    """Seed Python, numpy and torch; in deterministic mode also ask torch for deterministic kernels."""
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)
    if deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = False
        torch.backends.cudnn.deterministic = True


def configure_threads() -> None:
    """Use every core for training unless torchrun or the user set a thread count."""
    if os.environ.get("OMP_NUM_THREADS"):
        return
    override = os.environ.get("U2STUDIO_THREADS")
    threads = int(override) if override and override.isdigit() else (os.cpu_count() or 1)
    torch.set_num_threads(max(1, threads))


def pick_device(preference: str, local_rank: int) -> torch.device:
    """The training device; under torchrun on GPUs each rank takes its local GPU."""
    device = devices.resolve(preference)
    if device.type == "cuda" and device.index is None:
        return torch.device("cuda", local_rank)
    return device


def build_model(arch: str, init: str) -> tuple[nn.Module, bool]:
    """The model for ``--init`` (bundled, scratch or a checkpoint path) and whether it is fine-tuned."""
    if arch not in CONFIGS:
        raise ValueError(f"unknown architecture {arch!r}; choose one of {', '.join(sorted(CONFIGS))}")
    if init == "scratch":
        return create_model(arch), False
    if init == "bundled":
        return create_model(arch, pretrained=True), True
    path = Path(init)
    if not path.is_file():
        raise ValueError(f"--init {init!r}: expected bundled, scratch or an existing checkpoint file")
    return create_model(arch, pretrained=path), True


def prepare_batchnorm(model: nn.Module, finetune: bool, train_bn: bool) -> bool:
    """Freeze BatchNorm when fine-tuning (always for folded weights); returns whether it is frozen."""
    folded = bool(getattr(model, "u2_bn_folded", False))
    if folded and train_bn:
        raise ValueError("these weights have BatchNorm folded into the convolutions; BatchNorm must stay frozen")
    if finetune and not train_bn or folded:
        freeze_batchnorm(model)
        return True
    return False


def make_optimizer(model: nn.Module, lr: float) -> torch.optim.Optimizer:
    """Adam with betas (0.9, 0.999), eps 1e-8 and no weight decay over the trainable parameters."""
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("the model has no trainable parameters")
    return torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
