"""Training losses, computed from logits in fp32 (safe under autocast).

``bce`` is the U²-Net loss; ``hybrid`` is BASNet's BCE + SSIM + IoU (seed 000):
SSIM over an 11×11 Gaussian window with σ = 1.5, C1 = 0.01², C2 = 0.03², and
an IoU loss smoothed by one pixel so empty masks give a finite loss and a
useful gradient. Deep supervision sums the loss of every output with weight 1.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

import torch
import torch.nn.functional as F

SSIM_WINDOW = 11
SSIM_SIGMA = 1.5
SSIM_C1 = 0.01**2
SSIM_C2 = 0.03**2
IOU_SMOOTH = 1.0

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def bce_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean binary cross-entropy of sigmoid(logits) against ``target`` in [0, 1]."""
    return F.binary_cross_entropy_with_logits(logits.float(), target.float())


@lru_cache(maxsize=8)
def _gaussian_1d(size: int, sigma: float) -> torch.Tensor:
    coords = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-(coords**2) / (2 * sigma**2))
    return (g / g.sum()).float()


def gaussian_window(size: int = SSIM_WINDOW, sigma: float = SSIM_SIGMA) -> torch.Tensor:
    """The normalised size×size Gaussian window (outer product of the 1-D kernel)."""
    g = _gaussian_1d(size, sigma)
    return torch.outer(g, g)


def ssim_map(x: torch.Tensor, y: torch.Tensor, size: int = SSIM_WINDOW, sigma: float = SSIM_SIGMA) -> torch.Tensor:
    """Per-pixel SSIM of two N×1×H×W maps, local statistics from a zero-padded Gaussian window."""
    window = gaussian_window(size, sigma).to(x.device)[None, None]
    pad = size // 2
    mu_x = F.conv2d(x, window, padding=pad)
    mu_y = F.conv2d(y, window, padding=pad)
    var_x = F.conv2d(x * x, window, padding=pad) - mu_x * mu_x
    var_y = F.conv2d(y * y, window, padding=pad) - mu_y * mu_y
    cov = F.conv2d(x * y, window, padding=pad) - mu_x * mu_y
    num = (2 * mu_x * mu_y + SSIM_C1) * (2 * cov + SSIM_C2)
    den = (mu_x * mu_x + mu_y * mu_y + SSIM_C1) * (var_x + var_y + SSIM_C2)
    return num / den


def ssim_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """1 − mean SSIM between sigmoid(logits) and the target."""
    prob = torch.sigmoid(logits.float())
    return 1.0 - ssim_map(prob, target.float()).mean()


def iou_loss(logits: torch.Tensor, target: torch.Tensor, smooth: float = IOU_SMOOTH) -> torch.Tensor:
    """1 − (ΣSG + s)/(Σ(S + G − SG) + s) per image, averaged over the batch.

    The smoothing ``s`` keeps the loss finite for an empty mask and lets it
    still pull a false-positive prediction towards zero.
    """
    prob = torch.sigmoid(logits.float())
    tgt = target.float()
    dims = tuple(range(1, prob.ndim))
    inter = (prob * tgt).sum(dims)
    union = (prob + tgt - prob * tgt).sum(dims)
    return (1.0 - (inter + smooth) / (union + smooth)).mean()


def hybrid_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """BASNet's hybrid loss: BCE + SSIM + IoU."""
    return bce_loss(logits, target) + ssim_loss(logits, target) + iou_loss(logits, target)


LOSSES: dict[str, LossFn] = {"bce": bce_loss, "hybrid": hybrid_loss}


def get_loss(name: str) -> LossFn:
    """The per-output loss by name."""
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; choose one of {', '.join(LOSSES)}")
    return LOSSES[name]


def deep_supervision(outputs: Sequence[torch.Tensor], target: torch.Tensor, loss: LossFn) -> torch.Tensor:
    """Sum of ``loss`` over every output (side outputs and the fused one), each with weight 1."""
    if not outputs:
        raise ValueError("the model returned no outputs")
    total = loss(outputs[0], target)
    for out in outputs[1:]:
        total = total + loss(out, target)
    return total


def feature_sync(image_features: Sequence[torch.Tensor], gt_features: Sequence[torch.Tensor]) -> torch.Tensor:
    """IS-Net's feature-synchronisation loss: Σ_d MSE(f_d^I, f_d^G), weight 1 per stage."""
    if len(image_features) != len(gt_features):
        raise ValueError(f"{len(image_features)} image features vs {len(gt_features)} GT-encoder features")
    total = torch.zeros((), device=image_features[0].device)
    for fi, fg in zip(image_features, gt_features):
        total = total + F.mse_loss(fi.float(), fg.float().detach())
    return total
