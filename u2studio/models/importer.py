"""Installing a user's checkpoint: checked against its architecture, then saved as safetensors in the store."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from u2studio.core.hashing import sha256_file
from u2studio.core.paths import models_dir
from u2studio.models.checkpoint import CheckpointError, detect_arch, load_into, read_state_dict, save_weights
from u2studio.models.config import CONFIGS
from u2studio.models.registry import create_model
from u2studio.models.store import ModelEntry, bundled_names, install_name


def free_name(wanted: str, force: bool = False) -> str:
    """``wanted`` when no installed model (bundled or in the store) uses it, or when ``force`` replaces a
    model in the store; otherwise the first free ``wanted-2``, ``wanted-3``… (never a bundled model's name)."""
    bundled = bundled_names()
    folder = models_dir()

    def taken(candidate: str) -> bool:
        return candidate in bundled or (folder / f"{candidate}.safetensors").exists() or (folder / f"{candidate}.json").exists()

    if not taken(wanted) or (force and wanted not in bundled):
        return wanted
    n = 2
    while taken(f"{wanted}-{n}"):
        n += 1
    return f"{wanted}-{n}"


def import_checkpoint(
    src: str | os.PathLike[str],
    name: str | None = None,
    arch: str | None = None,
    force: bool = False,
    on_notice: Callable[[str], None] | None = None,
) -> ModelEntry:
    """Check a user's checkpoint against its architecture and install it as safetensors.

    An installed model is replaced only with ``force``; otherwise the import gets a free name
    (see :func:`free_name`), so two names that clean to the same string never overwrite each other.
    """
    source = Path(src)
    state = read_state_dict(source)
    arch = arch or detect_arch(state)
    if arch not in CONFIGS:
        raise CheckpointError(f"unknown architecture {arch!r}")
    model = create_model(arch)
    load_into(model, state, str(source))
    base_name = install_name(arch, source.stem, bundled_names(), wanted=name)
    clean_name = free_name(base_name, force)
    if clean_name != base_name and on_notice is not None:
        on_notice(f"a model named {base_name!r} is installed; this one is {clean_name!r} "
                  "(pass --force to replace it)")
    target = models_dir() / f"{clean_name}.safetensors"
    metadata = {
        "arch": arch,
        "source": "imported",
        "imported_from": str(source.resolve()),
        "original_sha256": sha256_file(source),
        "config": CONFIGS[arch].to_dict(),
        "bn_folded": False,
    }
    existed = target.exists()
    try:
        save_weights(target, model.state_dict(), metadata)
    except OSError:
        if not existed:  # no half-installed model (weights without their JSON) is left behind
            for leftover in (target, target.with_suffix(".json")):
                leftover.unlink(missing_ok=True)
        raise
    return ModelEntry(clean_name, arch, target, "imported", metadata)
