"""IS-Net intermediate supervision, phase 1: train the ground-truth encoder on masks (seed 004).

The encoder learns to reproduce masks through its six side outputs (BCE deep
supervision). Phase 1 stops when the first side output's maxF on the
validation masks reaches the threshold, or after the epoch cap; the encoder
is then frozen and its features supervise IS-Net in phase 2.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from . import distributed as D
from .losses import bce_loss, deep_supervision
from .steps import autocast_for, batch_loader, epoch_batches
from .validate import max_f
from u2studio.models.isnet import ISNetGTEncoder

GT_EPOCH_OFFSET = 1_000_000


@torch.no_grad()
def encoder_maxf(encoder: nn.Module, masks: list[torch.Tensor], device: torch.device) -> float:
    """maxF of the encoder's first side output reproducing each mask."""
    encoder.eval()
    pairs = []
    for mask in masks:
        with autocast_for(device):
            sides, _ = encoder(mask[None].to(device))
        prob = torch.sigmoid(sides[0].float())[0, 0].cpu().numpy()
        pairs.append((prob, (mask[0].numpy() * 255).astype(np.uint8)))
    encoder.train()
    return max_f(pairs)


def train_gt_encoder(
    train_ds: Any, val_masks: list[torch.Tensor], info: D.DistInfo, device: torch.device, *, lr: float,
    batch_size: int, seed: int, workers: int, max_epochs: int, threshold: float,
    report: Callable[..., None],
) -> nn.Module:
    """Phase 1: train and freeze the GT encoder; returns it (unwrapped, eval mode, no gradients)."""
    torch.manual_seed(seed + 1)
    encoder = ISNetGTEncoder().to(device)
    if info.active:
        encoder = nn.SyncBatchNorm.convert_sync_batchnorm(encoder) if device.type == "cuda" else encoder
    wrapped = D.wrap(encoder, info, device)
    optimizer = torch.optim.Adam(encoder.parameters(), lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    wrapped.train()
    for epoch in range(max_epochs):
        batches = epoch_batches(train_ds, GT_EPOCH_OFFSET + epoch, batch_size, seed, info.rank, info.world)
        total, count = 0.0, 0
        for _x, y in batch_loader(train_ds, batches, workers):
            y = y.to(device)
            with autocast_for(device):
                sides, _ = wrapped(y)
            loss = deep_supervision(sides, y, bce_loss)
            if D.any_true(info, not bool(torch.isfinite(loss)), device):
                raise FloatingPointError("the GT encoder's loss is not finite")
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total, count = total + float(loss.detach()), count + 1
        score = encoder_maxf(D.unwrap(wrapped), val_masks, device) if val_masks else 0.0
        score = D.mean_across(info, score, device)
        report("phase", phase="gt-encoder", epoch=epoch + 1, loss=total / max(count, 1), maxF=score)
        if score >= threshold:
            break
    plain = D.unwrap(wrapped).eval()
    for param in plain.parameters():
        param.requires_grad_(False)
    return plain


def gt_masks_for(samples_ds: Any, count: int) -> list[torch.Tensor]:
    """Up to ``count`` validation masks at the training crop, for phase 1's stopping rule."""
    masks = []
    for index in range(min(count, len(samples_ds))):
        _x, y = samples_ds[(index, 0)]
        masks.append(y)
    return masks
