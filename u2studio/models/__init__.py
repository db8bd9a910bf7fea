"""Torch models: RSU blocks, U²-Net, U²-Net†, IS-Net and its GT encoder, the registry and checkpoints.

The names below load on first use (PEP 562), so that ``u2studio.models.config`` and ``u2studio.models.store``
(listing and resolving installed models) can be imported without importing torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_HOMES = {
    "ConfiguredModel": "u2studio.models.base",
    "CheckpointError": "u2studio.models.checkpoint",
    "CONFIGS": "u2studio.models.config",
    "ModelConfig": "u2studio.models.config",
    "architectures": "u2studio.models.registry",
    "create_model": "u2studio.models.registry",
    "model_config": "u2studio.models.registry",
}
__all__ = sorted(_HOMES)

if TYPE_CHECKING:
    from u2studio.models.base import ConfiguredModel
    from u2studio.models.checkpoint import CheckpointError
    from u2studio.models.config import CONFIGS, ModelConfig
    from u2studio.models.registry import architectures, create_model, model_config


def __getattr__(name: str) -> Any:
    """Import the module that defines ``name`` when it is first asked for."""
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
