"""The fine-tuning recipe: the settings ``u2studio train --init bundled|PATH`` uses when no flag overrides them.

Chosen from measurements on sod-dev and two simulated sensors (docs/training.md, "Fine-tuning
recipe"): a low learning rate with a short linear warm-up and cosine decay, a fixed number of
optimiser steps scaled with the number of training pairs (capped), a frozen encoder (the decoder,
side and fuse convolutions train), the hybrid loss, and scale/colour jitter without vertical flips.
From scratch (``--init scratch``) keeps the papers' settings.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import nn

from .data import PAPER_AUGMENT, Augment
from .setup import SCRATCH_LR

FT_LR = 1e-4
# the weight-space ensemble of the fine-tuned and the starting weights (WiSE-FT, Wortsman et al. 2022): halfway
# between them kept the gains on the new domain and lost nothing on the old one (docs/training.md, "Measured")
FT_INTERPOLATE = 0.5
FT_WARMUP = 0.1
# which layers train: "auto" cross-validates the decoder-only and the whole-network recipes and refits the better
# accepted one (low-light shots gain most from the decoder alone, colour-mapped ones need the encoder)
FT_FREEZE = "auto"
FT_IMAGES_PER_PAIR = 8  # training images seen per pair (so steps grow with the data)...
FT_MIN_IMAGES, FT_MAX_IMAGES = 32, 480  # ...within these bounds
FT_AUGMENT = Augment(vflip=False, scale=(0.9, 1.3), colour=0.15)
STRONG_AUGMENT = Augment(vflip=False, scale=(0.7, 1.6), colour=0.3)  # --augment strong (a recipe experiment)
# U²-Net fine-tunes on 224 crops of a 256 resize (scale-jittered up to 333): 0.6× the pixels of the
# paper's 288 crops, so the 2-core budget buys more steps; validation stays at the Predictor's 320
FT_SIZES = {"u2net": (256, 224), "u2netp": (256, 224)}
ENCODER_STAGES = tuple(f"stage{i}" for i in range(1, 7))
SCRATCH_EPOCHS = 10


@dataclass(frozen=True)
class Recipe:
    """The effective settings of one run (recorded in best.json as ``recipe``)."""

    mode: str  # "finetune" or "scratch"
    lr: float
    loss: str
    epochs: int
    steps: int | None  # stop after this many optimiser steps (None: whole epochs)
    total_steps: int  # the length of the learning-rate schedule
    schedule: str  # "cosine" (with warm-up) or "constant"
    warmup: float
    freeze: str  # "encoder" or "none"
    l2sp: float
    augment: Augment
    batch_size: int
    interpolate: float = 1.0  # final weights = start + interpolate · (trained − start); 1 keeps the trained ones

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready settings."""
        out = asdict(self)
        out["augment"] = {**asdict(self.augment), "scale": list(self.augment.scale)}
        return out


def finetune_steps(n_train: int, batch_size: int, world: int = 1) -> int:
    """Optimiser steps of a fine-tune: ``FT_IMAGES_PER_PAIR`` images a pair, within the bounds, in batches."""
    images = min(FT_MAX_IMAGES, max(FT_MIN_IMAGES, FT_IMAGES_PER_PAIR * n_train))
    return max(1, math.ceil(images / (batch_size * world)))


def resolve(args: argparse.Namespace, finetune: bool, n_train: int, world: int = 1) -> Recipe:
    """The recipe for these arguments: explicit flags win, the mode's defaults fill the rest."""
    steps_per_epoch = max(1, n_train // (args.batch_size * world)) if n_train >= args.batch_size * world else 1
    if not finetune:
        epochs = args.epochs if args.epochs is not None else SCRATCH_EPOCHS
        return Recipe("scratch", args.lr or SCRATCH_LR, args.loss or "bce", epochs, args.max_steps, epochs * steps_per_epoch,
                      args.schedule or "constant", args.warmup if args.warmup is not None else 0.0,
                      args.freeze or "none", args.l2sp or 0.0, PAPER_AUGMENT, args.batch_size,
                      args.interpolate if args.interpolate is not None else 1.0)
    if args.epochs is not None:  # whole epochs asked for explicitly
        epochs, steps = args.epochs, args.max_steps
        total = epochs * steps_per_epoch
    else:
        steps = total = args.max_steps or finetune_steps(n_train, args.batch_size, world)
        epochs = math.ceil(steps / steps_per_epoch)
    augment = {"paper": PAPER_AUGMENT, "strong": STRONG_AUGMENT}.get(args.augment, FT_AUGMENT)
    return Recipe("finetune", args.lr or FT_LR, args.loss or "hybrid", epochs, steps, total, args.schedule or "cosine",
                  args.warmup if args.warmup is not None else FT_WARMUP, args.freeze or "encoder",
                  args.l2sp if args.l2sp is not None else 0.0, augment, args.batch_size,
                  args.interpolate if args.interpolate is not None else FT_INTERPOLATE)


def single_split(args: argparse.Namespace) -> bool:
    """Whether a fine-tune is judged on one held-out split (``--folds 1``, or an explicit ``--val-percent`` /
    ``--val-count``, or ``--no-refit``) rather than by cross-validation over every pair (``training.finetune``)."""
    if args.folds is not None:
        return int(args.folds) == 1
    return args.val_count is not None or args.val_percent is not None or not args.refit


def lr_factor(recipe: Recipe, step: int) -> float:
    """The learning-rate multiplier at optimiser step ``step`` (0-based) of the schedule."""
    total = recipe.total_steps
    if recipe.schedule == "constant" or total <= 1:
        return 1.0
    warm = int(round(recipe.warmup * total))
    if step < warm:
        return (step + 1) / (warm + 1)
    progress = (step - warm) / max(1, total - warm)
    return 0.5 * (1.0 + math.cos(math.pi * progress))


FREEZE_MODES = ("encoder", "none", "decoder", "input", "deep", "bias")


def apply_freeze(model: nn.Module, freeze: str) -> int:
    """Stop gradients into part of the network; returns the trainable parameter count.

    ``encoder``: stage1–stage6 frozen (the decoder, side and fuse convolutions train); ``decoder``:
    only the encoder trains; ``input``: only the first stage (full-resolution, low-level features)
    trains; ``deep``: stage2–stage6 frozen (the first, full-resolution stage and the decoder train: the new
    sensor's low-level statistics adapt, the deep features stay); ``bias``: only the one-dimensional parameters train:
    the biases of every layer (BitFit; with BatchNorm folded into the convolutions, a bias is its shift) and, where
    BatchNorm is unfolded, its scale and shift;
    ``none``: everything trains.
    """
    if freeze not in FREEZE_MODES:
        raise ValueError(f"--freeze must be one of {', '.join(FREEZE_MODES)}, got {freeze!r}")
    for name in ENCODER_STAGES:
        if getattr(model, name, None) is None:
            raise ValueError(f"--freeze {freeze}: {type(model).__name__} has no {name}")
    if freeze in ("encoder", "deep"):
        for name in ENCODER_STAGES if freeze == "encoder" else ENCODER_STAGES[1:]:
            getattr(model, name).requires_grad_(False)
    elif freeze == "bias":
        for parameter in model.parameters():
            parameter.requires_grad_(parameter.ndim == 1)
    elif freeze in ("decoder", "input"):
        keep = ENCODER_STAGES if freeze == "decoder" else ENCODER_STAGES[:1]
        for name, child in model.named_children():
            if name not in keep:
                child.requires_grad_(False)
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def soup_weights(start: dict[str, torch.Tensor], members: list[dict[str, torch.Tensor]],
                 factor: float) -> dict[str, torch.Tensor]:
    """``start + factor · (mean(members) − start)`` for every floating-point weight (a uniform model soup moved
    part of the way from the starting weights); other entries are taken from the last member."""
    out: dict[str, torch.Tensor] = {}
    for name, last in members[-1].items():
        if last.is_floating_point() and name in start:
            mean = sum(m[name].to(last.dtype) for m in members) / len(members)
            anchor = start[name].to(last.device, last.dtype)
            out[name] = anchor + factor * (mean - anchor)
        else:
            out[name] = last
    return out


def interpolate_weights(model: nn.Module, start: dict[str, torch.Tensor], factor: float) -> None:
    """Move the model's floating-point weights to ``start + factor · (current − start)``, in place."""
    if factor == 1.0:
        return
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if tensor.is_floating_point() and name in start:
                anchor = start[name].to(tensor.device, tensor.dtype)
                tensor.copy_(anchor + factor * (tensor - anchor))


class L2SP:
    """L2-SP: ``alpha/2 · Σ‖w − w₀‖²`` over the trainable weights, pulling them toward the starting point."""

    def __init__(self, model: nn.Module, alpha: float) -> None:
        self.alpha = alpha
        self.anchor = {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad} if alpha else {}

    def __call__(self, model: nn.Module) -> torch.Tensor | None:
        """The penalty for the model's current weights, or None when switched off."""
        if not self.alpha:
            return None
        terms = [((p - self.anchor[n]) ** 2).sum() for n, p in model.named_parameters() if n in self.anchor]
        return 0.5 * self.alpha * torch.stack(terms).sum()
