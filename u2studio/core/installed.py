"""Installing a finished training run's checkpoint where the studio's model picker looks (plain file copies)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from u2studio.core.atomic import atomic_write_bytes
from u2studio.core.paths import bundled_weights_dirs, models_dir, safe_model_name

FINETUNE_KEY = "finetune"  # the metadata JSON's record of a fine-tune's data and scores


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


def _sidecar(checkpoint: Path, finetune: dict[str, Any] | None) -> bytes | None:
    """The metadata JSON to install beside the weights: the run's, plus the fine-tune summary."""
    meta_path = checkpoint.with_suffix(".json")
    if finetune is None:
        return meta_path.read_bytes() if meta_path.is_file() else None
    meta: dict[str, Any] = {}
    if meta_path.is_file():
        try:
            loaded = json.loads(meta_path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            loaded = {}
        meta = loaded if isinstance(loaded, dict) else {}
        # a guarded run's best.json is its acceptance report, which carries the checkpoint's metadata
        if isinstance(meta.get("accepted"), bool) and isinstance(meta.get("checkpoint"), dict):
            meta = dict(meta["checkpoint"])
    meta[FINETUNE_KEY] = finetune
    return (json.dumps(meta, indent=2, sort_keys=True) + "\n").encode("utf-8")


def install_run_checkpoint(checkpoint: Path, wanted_name: str, finetune: dict[str, Any] | None = None) -> Path:
    """Copy a run's safetensors file and its metadata JSON into the models folder; returns the new path.

    ``finetune`` (what the model was trained on and how it scored) is recorded in the metadata JSON
    under ``"finetune"``, where the model store and the picker read it.
    """
    if not checkpoint.is_file():
        raise FileNotFoundError(f"{checkpoint}: the run left no checkpoint")
    folder = models_dir()
    name = unique_model_name(wanted_name)
    target = folder / f"{name}.safetensors"
    sidecar = _sidecar(checkpoint, finetune)
    if sidecar is not None:
        atomic_write_bytes(target.with_suffix(".json"), sidecar)
    atomic_write_bytes(target, checkpoint.read_bytes())
    return target
