"""Each architecture's preprocessing and output conventions, carried by the model."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class ModelConfig:
    """How images go into a model and which output is its answer.

    ``scale`` is ``"max"`` (divide by the image's own maximum, as the official
    U²-Net test code does) or ``"unit"`` (divide by 255, as DIS does).
    ``main_output`` indexes the list of logits the model returns.
    """

    arch: str
    input_size: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    scale: Literal["max", "unit"]
    main_output: int
    side_names: tuple[str, ...]
    train_size: int
    train_crop: int

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly copy, stored in checkpoint metadata."""
        return asdict(self)


U2NET_SIDES = ("d0 (fused)", "d1", "d2", "d3", "d4", "d5", "d6")
ISNET_SIDES = ("d1", "d2", "d3", "d4", "d5", "d6")

CONFIGS: dict[str, ModelConfig] = {
    "u2net": ModelConfig("u2net", 320, IMAGENET_MEAN, IMAGENET_STD, "max", 0, U2NET_SIDES, 320, 288),
    "u2netp": ModelConfig("u2netp", 320, IMAGENET_MEAN, IMAGENET_STD, "max", 0, U2NET_SIDES, 320, 288),
    "isnet": ModelConfig("isnet", 1024, (0.5, 0.5, 0.5), (1.0, 1.0, 1.0), "unit", 0, ISNET_SIDES, 1024, 1024),
}

# The bundled model's name: reserved, so that no import or fine-tune ever replaces or shadows it.
BUNDLED_NAME = "u2netp"

# What to do when an architecture has no installed weights.
BUNDLED_HINTS = {
    "u2netp": "run `u2studio weights fetch` (the set-up does this) to install the bundled U²-Net† weights",
    "u2net": "import the official u2net.pth with `u2studio weights import u2net.pth`",
    "isnet": "import the official isnet-general-use.pth with `u2studio weights import isnet-general-use.pth`",
}
