"""Residual U-blocks (RSU-L and RSU-LF), the building blocks of U²-Net and IS-Net.

Attribute names follow the official releases so that their state dicts load with
``strict=True``: ``rebnconvin``, ``rebnconv1`` .. ``rebnconv{L}``,
``rebnconv{L-1}d`` .. ``rebnconv1d``, each holding ``conv_s1`` and ``bn_s1``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def upsample_like(src: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Bilinearly resize ``src`` to the spatial size of ``target``."""
    if src.shape[2:] == target.shape[2:]:
        return src
    return F.interpolate(src, size=target.shape[2:], mode="bilinear", align_corners=False)


class REBNCONV(nn.Module):
    """3×3 convolution, BatchNorm and ReLU, with an optional dilation."""

    def __init__(self, in_ch: int, out_ch: int, dilation: int = 1) -> None:
        super().__init__()
        self.conv_s1 = nn.Conv2d(in_ch, out_ch, 3, padding=dilation, dilation=dilation)
        self.bn_s1 = nn.BatchNorm2d(out_ch)
        self.relu_s1 = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu_s1(self.bn_s1(self.conv_s1(x)))


class RSU(nn.Module):
    """RSU-L: a residual block whose body is an L-level U-Net with pooling.

    ``depth`` is L (4..7). The deepest level uses a dilated convolution instead
    of a further pooling step, as in the paper.
    """

    def __init__(self, depth: int, in_ch: int, mid_ch: int, out_ch: int) -> None:
        super().__init__()
        if depth < 2:
            raise ValueError(f"RSU depth must be at least 2, got {depth}")
        self.depth = depth
        self.rebnconvin = REBNCONV(in_ch, out_ch)
        self.rebnconv1 = REBNCONV(out_ch, mid_ch)
        for level in range(2, depth):
            setattr(self, f"rebnconv{level}", REBNCONV(mid_ch, mid_ch))
        setattr(self, f"rebnconv{depth}", REBNCONV(mid_ch, mid_ch, dilation=2))
        for level in range(depth - 1, 1, -1):
            setattr(self, f"rebnconv{level}d", REBNCONV(mid_ch * 2, mid_ch))
        self.rebnconv1d = REBNCONV(mid_ch * 2, out_ch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hxin = self.rebnconvin(x)
        skips: list[torch.Tensor] = []
        hx = hxin
        for level in range(1, self.depth):
            hx = getattr(self, f"rebnconv{level}")(hx)
            skips.append(hx)
            if level < self.depth - 1:
                hx = F.max_pool2d(hx, 2, stride=2, ceil_mode=True)
        hx = getattr(self, f"rebnconv{self.depth}")(hx)
        for level in range(self.depth - 1, 0, -1):
            skip = skips[level - 1]
            hx = getattr(self, f"rebnconv{level}d")(torch.cat((upsample_like(hx, skip), skip), 1))
        return hx + hxin


class RSUF(nn.Module):
    """RSU-LF: the flat RSU variant with dilations instead of pooling."""

    def __init__(self, depth: int, in_ch: int, mid_ch: int, out_ch: int) -> None:
        super().__init__()
        self.depth = depth
        self.rebnconvin = REBNCONV(in_ch, out_ch)
        self.rebnconv1 = REBNCONV(out_ch, mid_ch, dilation=1)
        for level in range(2, depth + 1):
            setattr(self, f"rebnconv{level}", REBNCONV(mid_ch, mid_ch, dilation=2 ** (level - 1)))
        for level in range(depth - 1, 1, -1):
            setattr(self, f"rebnconv{level}d", REBNCONV(mid_ch * 2, mid_ch, dilation=2 ** (level - 1)))
        self.rebnconv1d = REBNCONV(mid_ch * 2, out_ch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hxin = self.rebnconvin(x)
        skips: list[torch.Tensor] = []
        hx = hxin
        for level in range(1, self.depth):
            hx = getattr(self, f"rebnconv{level}")(hx)
            skips.append(hx)
        hx = getattr(self, f"rebnconv{self.depth}")(hx)
        for level in range(self.depth - 1, 0, -1):
            hx = getattr(self, f"rebnconv{level}d")(torch.cat((hx, skips[level - 1]), 1))
        return hx + hxin


def make_rsu(kind: str, in_ch: int, mid_ch: int, out_ch: int) -> nn.Module:
    """Build a block from a table name such as ``"RSU-7"`` or ``"RSU-4F"``."""
    name = kind.upper().removeprefix("RSU-").removeprefix("RSU")
    if name.endswith("F"):
        return RSUF(int(name[:-1]), in_ch, mid_ch, out_ch)
    return RSU(int(name), in_ch, mid_ch, out_ch)
