"""Folding BatchNorm into the preceding convolution for fast inference, and freezing it for fine-tuning."""

from __future__ import annotations

import copy

import torch
from torch import nn

from u2studio.models.isnet import ConvBNReLU
from u2studio.models.rsu import REBNCONV


def fold_conv_bn(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> nn.Conv2d:
    """A convolution computing conv followed by bn (in eval mode)."""
    assert bn.running_mean is not None and bn.running_var is not None
    fused = nn.Conv2d(
        conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding, conv.dilation,
        conv.groups, bias=True,
    )
    with torch.no_grad():
        scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        fused.weight.copy_(conv.weight * scale.reshape(-1, 1, 1, 1))
        bias = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
        fused.bias.copy_((bias - bn.running_mean) * scale + bn.bias)
    return fused


def folded_copy(model: nn.Module) -> nn.Module:
    """An eval-mode copy of ``model`` with every conv+BN pair folded into one convolution."""
    clone = copy.deepcopy(model).eval()
    for module in clone.modules():
        if isinstance(module, REBNCONV):
            module.conv_s1 = fold_conv_bn(module.conv_s1, module.bn_s1)
            module.bn_s1 = nn.Identity()  # type: ignore[assignment]
        elif isinstance(module, ConvBNReLU):
            module.conv = fold_conv_bn(module.conv, module.bn)
            module.bn = nn.Identity()  # type: ignore[assignment]
    for param in clone.parameters():
        param.requires_grad_(False)
    return clone


def freeze_batchnorm(model: nn.Module) -> int:
    """Keep every BatchNorm in eval mode with fixed parameters; returns how many were frozen.

    Fine-tuning from weights whose BatchNorm is folded (the bundled U²-Net†)
    needs this: updating batch statistics would undo the fold.
    """
    count = 0
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.eval()
            module.train = _stay_eval.__get__(module)  # type: ignore[method-assign]
            for param in module.parameters():
                param.requires_grad_(False)
            count += 1
    return count


def _stay_eval(self: nn.Module, mode: bool = True) -> nn.Module:
    """Replacement ``train`` for frozen BatchNorm: it stays in eval mode."""
    return nn.Module.train(self, False)
