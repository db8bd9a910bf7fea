"""A model's configuration is declared by its class (set in the constructor), not attached from outside."""

from __future__ import annotations

import pytest
from torch import nn

from u2studio.models import CONFIGS, ConfiguredModel, create_model, model_config
from u2studio.models.isnet import isnet
from u2studio.models.u2net import u2net, u2netp


@pytest.mark.parametrize(("builder", "arch"), [(u2net, "u2net"), (u2netp, "u2netp"), (isnet, "isnet")])
def test_every_architecture_carries_its_config_from_its_constructor(builder, arch: str) -> None:  # noqa: ANN001
    model = builder()  # the bare constructor, without the registry
    assert isinstance(model, ConfiguredModel)
    assert model.u2_config is CONFIGS[arch] and model_config(model) is CONFIGS[arch]
    assert model.u2_bn_folded is False
    assert "u2_config" not in dict(model.named_parameters()) and "u2_config" not in model.state_dict()


def test_create_model_sets_bn_folded_from_the_checkpoint(bundled_weights) -> None:  # noqa: ANN001
    assert create_model("u2netp").u2_bn_folded is False
    assert create_model("u2netp", pretrained=True).u2_bn_folded is True  # the bundled weights are folded


def test_a_module_without_a_config_is_refused() -> None:
    with pytest.raises(ValueError, match="ModelConfig"):
        model_config(nn.Conv2d(3, 1, 1))
