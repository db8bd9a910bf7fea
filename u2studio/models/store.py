"""Installed models: the bundled weights, imported official checkpoints and fine-tuned models."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from u2studio.core.hashing import sha256_file
from u2studio.core.installed import FINETUNE_KEY
from u2studio.core.paths import bundled_weights_dirs, models_dir
from u2studio.models.checkpoint import (
    CheckpointError,
    detect_arch,
    load_into,
    read_metadata,
    read_state_dict,
    save_weights,
)
from u2studio.models.config import BUNDLED_HINTS, CONFIGS


@dataclass(frozen=True)
class ModelEntry:
    """One model u2studio can run: its name, architecture and weights file."""

    name: str
    arch: str
    path: Path
    source: str
    metadata: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def label(self) -> str:
        """A short human label for pickers and listings."""
        return f"{self.name} ({self.arch}, {self.source})"


def find_weights(name: str) -> Path | None:
    """The weights file installed under ``name``, searching the bundled folders first."""
    for folder in bundled_weights_dirs():
        candidate = folder / f"{name}.safetensors"
        if candidate.is_file():
            return candidate
    return None


def list_models() -> list[ModelEntry]:
    """Every installed model, bundled ones first, each name once."""
    entries: list[ModelEntry] = []
    seen: set[str] = set()
    for index, folder in enumerate(bundled_weights_dirs()):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.safetensors")):
            name = path.stem
            if name in seen:
                continue
            try:
                meta = read_metadata(path)
            except CheckpointError:
                continue
            arch = str(meta.get("arch", name if name in CONFIGS else ""))
            if arch not in CONFIGS:
                continue
            seen.add(name)
            meta = {**meta, **_finetune_record(path)}
            source = "bundled" if index == 0 else str(meta.get("source", "installed"))
            entries.append(ModelEntry(name, arch, path, source, meta))
    return entries


def _finetune_record(path: Path) -> dict[str, Any]:
    """The fine-tune summary the studio installed beside ``path`` (``{"finetune": {...}}``), or nothing."""
    try:
        sidecar = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    record = sidecar.get(FINETUNE_KEY) if isinstance(sidecar, dict) else None
    return {FINETUNE_KEY: record} if isinstance(record, dict) else {}


def resolve_model(spec: str | os.PathLike[str]) -> ModelEntry:
    """Turn a model name or a checkpoint path into a ModelEntry."""
    text = str(spec)
    for entry in list_models():
        if entry.name == text:
            return entry
    path = Path(text)
    if path.is_file():
        arch = _arch_of_file(path)
        return ModelEntry(path.stem, arch, path, "file", {})
    names = ", ".join(e.name for e in list_models()) or "none installed"
    if text in CONFIGS:
        raise CheckpointError(f"no weights installed for {text!r}: {BUNDLED_HINTS[text]}")
    raise CheckpointError(f"unknown model {text!r}: not an installed model ({names}) nor a checkpoint file")


def _arch_of_file(path: Path) -> str:
    if path.suffix == ".safetensors":
        arch = read_metadata(path).get("arch")
        if arch in CONFIGS:
            return str(arch)
    return detect_arch(read_state_dict(path))


def _safe_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "model"
    return cleaned[:80]
