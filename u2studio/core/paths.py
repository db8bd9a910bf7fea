"""Where u2studio finds its resources and keeps its user data."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from platformdirs import user_data_path, user_log_path

APP_NAME = "u2studio"


def resources_dir() -> Path:
    """The resources/ folder: beside the package in a checkout, inside the bundle when frozen."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def data_dir() -> Path:
    """The per-user data folder; ``U2STUDIO_DATA_DIR`` overrides it (tests isolate themselves this way)."""
    override = os.environ.get("U2STUDIO_DATA_DIR")
    return Path(override) if override else user_data_path(APP_NAME, appauthor=False)


def models_dir() -> Path:
    """Where imported and fine-tuned checkpoints are installed."""
    return data_dir() / "models"


def bundled_weights_dirs() -> list[Path]:
    """Folders searched, in order, for the bundled weights."""
    return [resources_dir() / "weights", models_dir()]


def log_dir() -> Path:
    """Where the windowed app writes its log file."""
    override = os.environ.get("U2STUDIO_DATA_DIR")
    return Path(override) / "logs" if override else user_log_path(APP_NAME, appauthor=False)


def sample_image() -> Path:
    """The generated sample image shipped with the project."""
    return resources_dir() / "sample.png"


def safe_model_name(wanted: str, fallback: str = "model") -> str:
    """A file-safe model name: runs of other characters become ``-``, at most 80 characters.

    The one name cleaning for everything installed in the models folder (imports and fine-tuned runs).
    """
    return re.sub(r"[^A-Za-z0-9._-]+", "-", wanted).strip("-.")[:80] or fallback
