"""Torch models: RSU blocks, U²-Net, U²-Net†, IS-Net and its GT encoder, the registry and checkpoints."""

from u2studio.models.base import ConfiguredModel
from u2studio.models.checkpoint import CheckpointError
from u2studio.models.config import CONFIGS, ModelConfig
from u2studio.models.registry import architectures, create_model, model_config

__all__ = ["CONFIGS", "CheckpointError", "ConfiguredModel", "ModelConfig", "architectures", "create_model", "model_config"]
