"""The model registry: ``create_model(name, pretrained=...)`` for u2net, u2netp and isnet."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from torch import nn

from u2studio.models.base import ConfiguredModel
from u2studio.models.checkpoint import CheckpointError, load_into, read_metadata, read_state_dict
from u2studio.models.config import BUNDLED_HINTS, ModelConfig
from u2studio.models.isnet import isnet
from u2studio.models.store import find_weights
from u2studio.models.u2net import u2net, u2netp

BUILDERS: dict[str, Callable[[], ConfiguredModel]] = {"u2net": u2net, "u2netp": u2netp, "isnet": isnet}


def architectures() -> list[str]:
    """The registered architecture names."""
    return sorted(BUILDERS)


def model_config(model: nn.Module) -> ModelConfig:
    """The preprocessing config a model carries."""
    if not isinstance(model, ConfiguredModel):
        raise ValueError(f"{type(model).__name__} carries no u2studio ModelConfig; build it with create_model")
    return model.u2_config


def create_model(name: str, pretrained: bool | str | os.PathLike[str] = False) -> ConfiguredModel:
    """Build an architecture by name, optionally with weights.

    ``pretrained=True`` loads the installed weights for that name (the bundled
    U²-Net† weights, or official weights the user imported); a path loads
    that checkpoint with strict key checks.
    """
    if name not in BUILDERS:
        raise KeyError(f"unknown architecture {name!r}; choose one of {', '.join(architectures())}")
    model = BUILDERS[name]()
    if pretrained is False or pretrained is None:
        return model
    if pretrained is True:
        path = find_weights(name)
        if path is None:
            raise CheckpointError(f"no weights installed for {name!r}: {BUNDLED_HINTS[name]}")
    else:
        path = Path(pretrained)
    load_into(model, read_state_dict(path), str(path))
    if path.suffix == ".safetensors":
        model.u2_bn_folded = bool(read_metadata(path).get("bn_folded", False))
    return model
