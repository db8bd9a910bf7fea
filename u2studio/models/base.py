"""The base of every u2studio segmenter: the model declares its configuration, as timm models declare
``pretrained_cfg``, instead of having it attached from outside."""

from __future__ import annotations

from torch import nn

from u2studio.models.config import ModelConfig


class ConfiguredModel(nn.Module):
    """An ``nn.Module`` that carries how images go into it and what state its weights are in.

    ``u2_config`` is the architecture's preprocessing and output convention (set by the constructor);
    ``u2_bn_folded`` says whether BatchNorm has been folded into the convolutions (the bundled
    U²-Net† weights come that way), which training needs to know; loading weights sets it.
    """

    u2_config: ModelConfig
    u2_bn_folded: bool

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.u2_config = config
        self.u2_bn_folded = False
