"""Installing a finished training run's checkpoint where the studio's model picker looks (plain file copies)."""

from __future__ import annotations

import re
from pathlib import Path

from u2studio.core.atomic import atomic_write_bytes
from u2studio.core.paths import models_dir


def unique_model_name(wanted: str, folder: Path | None = None) -> str:
    """A file-safe model name not yet taken in the models folder (name, name-2, name-3, ...)."""
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", wanted).strip("-.")[:80] or "fine-tuned"
    folder = folder or models_dir()
    name, count = base, 1
    while (folder / f"{name}.safetensors").exists():
        count += 1
        name = f"{base}-{count}"
    return name


def install_run_checkpoint(checkpoint: Path, wanted_name: str) -> Path:
    """Copy a run's safetensors file (and its metadata JSON) into the models folder; returns the new path."""
    if not checkpoint.is_file():
        raise FileNotFoundError(f"{checkpoint}: the run left no checkpoint")
    folder = models_dir()
    name = unique_model_name(wanted_name, folder)
    target = folder / f"{name}.safetensors"
    meta = checkpoint.with_suffix(".json")
    if meta.is_file():
        atomic_write_bytes(target.with_suffix(".json"), meta.read_bytes())
    atomic_write_bytes(target, checkpoint.read_bytes())
    return target
