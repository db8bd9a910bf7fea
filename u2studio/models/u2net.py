"""U²-Net and U²-Net† (Qin et al. 2020), returning logits.

The stage tables come from the paper (seed 000). ``forward`` returns the seven
maps (d0 fused, d1..d6) as logits at input size; callers apply the sigmoid.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from u2studio.models.base import ConfiguredModel
from u2studio.models.config import CONFIGS, ModelConfig
from u2studio.models.rsu import make_rsu, upsample_like

# (stage name, block, in channels, mid channels, out channels)
StageSpec = tuple[str, str, int, int, int]

U2NET_STAGES: tuple[StageSpec, ...] = (
    ("stage1", "RSU-7", 3, 32, 64),
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

U2NETP_STAGES: tuple[StageSpec, ...] = (
    ("stage1", "RSU-7", 3, 16, 64),
    ("stage2", "RSU-6", 64, 16, 64),
    ("stage3", "RSU-5", 64, 16, 64),
    ("stage4", "RSU-4", 64, 16, 64),
    ("stage5", "RSU-4F", 64, 16, 64),
    ("stage6", "RSU-4F", 64, 16, 64),
    ("stage5d", "RSU-4F", 128, 16, 64),
    ("stage4d", "RSU-4", 128, 16, 64),
    ("stage3d", "RSU-5", 128, 16, 64),
    ("stage2d", "RSU-6", 128, 16, 64),
    ("stage1d", "RSU-7", 128, 16, 64),
)


def pool2(x: torch.Tensor) -> torch.Tensor:
    """Halve the resolution, keeping odd borders (ceil mode), as the releases do."""
    return F.max_pool2d(x, 2, stride=2, ceil_mode=True)


class NestedUNet(ConfiguredModel):
    """Six encoder stages, five decoder stages and six side heads built from a stage table.

    Shared by U²-Net, U²-Net† and IS-Net, which differ in their tables and heads.
    """

    def __init__(self, stages: Sequence[StageSpec], config: ModelConfig) -> None:
        super().__init__(config)
        self.stage_table = tuple(stages)
        for name, kind, cin, mid, cout in stages:
            self.add_module(name, make_rsu(kind, cin, mid, cout))
        side_channels = self.side_channels()
        for index, channels in enumerate(side_channels, start=1):
            self.add_module(f"side{index}", nn.Conv2d(channels, 1, 3, padding=1))

    def side_channels(self) -> list[int]:
        """Channels feeding side1..side6: the outputs of stage1d..stage5d, then stage6."""
        out = {name: cout for name, _, _, _, cout in self.stage_table}
        return [out["stage1d"], out["stage2d"], out["stage3d"], out["stage4d"], out["stage5d"], out["stage6"]]

    def encode_decode(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Return the decoder features [hx1d, hx2d, hx3d, hx4d, hx5d, hx6]."""
        enc: list[torch.Tensor] = []
        hx = x
        for level in range(1, 7):
            if level > 1:
                hx = pool2(hx)
            hx = getattr(self, f"stage{level}")(hx)
            enc.append(hx)
        decoded = [enc[5]]
        hx = enc[5]
        for level in range(5, 0, -1):
            skip = enc[level - 1]
            hx = getattr(self, f"stage{level}d")(torch.cat((upsample_like(hx, skip), skip), 1))
            decoded.insert(0, hx)
        return decoded

    def side_logits(self, features: Sequence[torch.Tensor], size_of: torch.Tensor) -> list[torch.Tensor]:
        """Apply side1..side6 and bring every map to the size of ``size_of``."""
        return [upsample_like(getattr(self, f"side{i}")(f), size_of) for i, f in enumerate(features, start=1)]


class U2Net(NestedUNet):
    """U²-Net (about 44.0M parameters) or, with the small table, U²-Net† (about 1.13M)."""

    def __init__(self, stages: Sequence[StageSpec] = U2NET_STAGES, config: ModelConfig = CONFIGS["u2net"]) -> None:
        super().__init__(stages, config)
        self.outconv = nn.Conv2d(6, 1, 1)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Return [d0, d1, ..., d6] as logits at the input size; d0 is the fused map."""
        features = self.encode_decode(x)
        sides = self.side_logits(features, x)
        fused = self.outconv(torch.cat(sides, 1))
        return [fused, *sides]


def u2net() -> U2Net:
    """The full U²-Net."""
    return U2Net(U2NET_STAGES, CONFIGS["u2net"])


def u2netp() -> U2Net:
    """The small U²-Net† (u2netp)."""
    return U2Net(U2NETP_STAGES, CONFIGS["u2netp"])
