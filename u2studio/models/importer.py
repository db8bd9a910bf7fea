"""Installing a user's checkpoint: checked against its architecture, then saved as safetensors in the store."""

from __future__ import annotations

import os
from pathlib import Path

from u2studio.core.hashing import sha256_file
from u2studio.core.paths import models_dir
from u2studio.models.checkpoint import CheckpointError, detect_arch, load_into, read_state_dict, save_weights
from u2studio.models.config import CONFIGS
from u2studio.models.registry import create_model
from u2studio.models.store import ModelEntry, bundled_names, install_name


def import_checkpoint(src: str | os.PathLike[str], name: str | None = None, arch: str | None = None) -> ModelEntry:
    """Check a user's checkpoint against its architecture and install it as safetensors."""
    source = Path(src)
    state = read_state_dict(source)
    arch = arch or detect_arch(state)
    if arch not in CONFIGS:
        raise CheckpointError(f"unknown architecture {arch!r}")
    model = create_model(arch)
    load_into(model, state, str(source))
    clean_name = install_name(arch, source.stem, bundled_names(), wanted=name)
    target = models_dir() / f"{clean_name}.safetensors"
    metadata = {
        "arch": arch,
        "source": "imported",
        "imported_from": str(source.resolve()),
        "original_sha256": sha256_file(source),
        "config": CONFIGS[arch].to_dict(),
        "bn_folded": False,
    }
    save_weights(target, model.state_dict(), metadata)
    return ModelEntry(clean_name, arch, target, "imported", metadata)
