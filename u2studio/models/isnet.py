"""IS-Net (Qin et al. 2022, DIS) and its ground-truth encoder, returning logits.

IS-Net is the nested U-structure behind a stride-2 input convolution, with six
side heads and no fused head. The ground-truth encoder is the six-stage RSU
encoder that phase 1 of intermediate supervision trains on masks (seed 004).
"""

from __future__ import annotations

import torch
from torch import nn

from u2studio.models.config import CONFIGS
from u2studio.models.rsu import make_rsu
from u2studio.models.u2net import NestedUNet, StageSpec, pool2, upsample_like

ISNET_STAGES: tuple[StageSpec, ...] = (
    ("stage1", "RSU-7", 64, 32, 64),
    ("stage2", "RSU-6", 64, 32, 128),
    ("stage3", "RSU-5", 128, 64, 256),
    ("stage4", "RSU-4", 256, 128, 512),
    ("stage5", "RSU-4F", 512, 256, 512),
    ("stage6", "RSU-4F", 512, 256, 512),
    ("stage5d", "RSU-4F", 1024, 256, 512),
    ("stage4d", "RSU-4", 1024, 128, 256),
    ("stage3d", "RSU-5", 512, 64, 128),
    ("stage2d", "RSU-6", 256, 32, 64),
    ("stage1d", "RSU-7", 128, 16, 64),
)

GT_ENCODER_STAGES: tuple[StageSpec, ...] = (
    ("stage1", "RSU-7", 16, 16, 64),
    ("stage2", "RSU-6", 64, 16, 64),
    ("stage3", "RSU-5", 64, 32, 128),
    ("stage4", "RSU-4", 128, 32, 256),
    ("stage5", "RSU-4F", 256, 64, 512),
    ("stage6", "RSU-4F", 512, 64, 512),
)


class ISNet(NestedUNet):
    """The IS-Net segmenter: ``forward`` returns (six side logits, six decoder features)."""

    def __init__(self) -> None:
        super().__init__(ISNET_STAGES, CONFIGS["isnet"])
        self.conv_in = nn.Conv2d(3, 64, 3, stride=2, padding=1)

    def forward(self, x: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """Side logits d1..d6 at input size, and features [hx1d..hx5d, hx6] for feature sync."""
        features = self.encode_decode(self.conv_in(x))
        return self.side_logits(features, x), features


class ConvBNReLU(nn.Module):
    """The GT encoder's input block; attribute names match the DIS release (conv, bn, rl)."""

    def __init__(self, in_ch: int, out_ch: int, stride: int = 1) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_ch, out_ch, 3, stride=stride, padding=1)
        self.bn = nn.BatchNorm2d(out_ch)
        self.rl = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.rl(self.bn(self.conv(x)))


class ISNetGTEncoder(nn.Module):
    """Encodes a ground-truth mask into the six feature maps IS-Net is synchronised with."""

    def __init__(self) -> None:
        super().__init__()
        self.conv_in = ConvBNReLU(1, 16, stride=2)
        for name, kind, cin, mid, cout in GT_ENCODER_STAGES:
            self.add_module(name, make_rsu(kind, cin, mid, cout))
        for index, (_, _, _, _, cout) in enumerate(GT_ENCODER_STAGES, start=1):
            self.add_module(f"side{index}", nn.Conv2d(cout, 1, 3, padding=1))

    def forward(self, mask: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """Side logits d1..d6 at the mask's size, and the encoder features [hx1..hx6]."""
        hx = self.conv_in(mask)
        features: list[torch.Tensor] = []
        for level in range(1, 7):
            if level > 1:
                hx = pool2(hx)
            hx = getattr(self, f"stage{level}")(hx)
            features.append(hx)
        sides = [upsample_like(getattr(self, f"side{i}")(f), mask) for i, f in enumerate(features, start=1)]
        return sides, features


def isnet() -> ISNet:
    """The IS-Net segmenter."""
    return ISNet()


def isnet_gt_encoder() -> ISNetGTEncoder:
    """The ground-truth encoder used for intermediate supervision."""
    return ISNetGTEncoder()
