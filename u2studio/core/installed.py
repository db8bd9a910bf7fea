"""Installing a finished training run's checkpoint where the studio's model picker looks (plain file copies)."""

from __future__ import annotations

from pathlib import Path

from u2studio.core.atomic import atomic_write_bytes
from u2studio.core.paths import bundled_weights_dirs, models_dir, safe_model_name


def unique_model_name(wanted: str, folder: Path | None = None) -> str:
    """A file-safe model name not yet taken (name, name-2, name-3, ...).

    Taken means a file of that name in ``folder``, or by default in any folder the store reads, so a
    fine-tuned model never hides behind, or hides, the bundled weights.
    """
    base = safe_model_name(wanted, "fine-tuned")
    folders = [folder] if folder else bundled_weights_dirs()
    name, count = base, 1
    while any((f / f"{name}.safetensors").exists() for f in folders):
        count += 1
        name = f"{base}-{count}"
    return name


def install_run_checkpoint(checkpoint: Path, wanted_name: str) -> Path:
    """Copy a run's safetensors file (and its metadata JSON) into the models folder; returns the new path."""
    if not checkpoint.is_file():
        raise FileNotFoundError(f"{checkpoint}: the run left no checkpoint")
    folder = models_dir()
    name = unique_model_name(wanted_name)
    target = folder / f"{name}.safetensors"
    meta = checkpoint.with_suffix(".json")
    if meta.is_file():
        atomic_write_bytes(target.with_suffix(".json"), meta.read_bytes())
    atomic_write_bytes(target, checkpoint.read_bytes())
    return target
