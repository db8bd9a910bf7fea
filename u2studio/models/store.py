"""Installed models: the bundled weights, imported official checkpoints and fine-tuned models."""

from __future__ import annotations

import json
import os
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from u2studio.core.installed import FINETUNE_KEY
from u2studio.core.paths import bundled_weights_dirs, safe_model_name
from u2studio.models.checkpoint import CheckpointError, detect_arch, read_metadata, read_state_dict
from u2studio.models.config import BUNDLED_HINTS, BUNDLED_NAME, CONFIGS

# The official release file names (stems, lower case) and the architecture each one is.
OFFICIAL_STEMS: dict[str, str] = {
    "u2net": "u2net",
    "u2netp": "u2netp",
    "isnet": "isnet",
    "isnet-general-use": "isnet",
    "isnet_general_use": "isnet",
}


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

    @property
    def origin(self) -> str:
        """Where the weights came from: bundled, imported from PATH or fine-tuned from DATASET."""
        if self.source == "imported" and self.metadata.get("imported_from"):
            return f"imported from {self.metadata['imported_from']}"
        datasets = self.metadata.get("datasets")
        if self.source == "fine-tuned" and isinstance(datasets, dict) and datasets:
            return "fine-tuned from " + ", ".join(sorted(str(name) for name in datasets))
        return self.source


def install_name(arch: str, source_stem: str, bundled: Collection[str], wanted: str | None = None) -> str:
    """The name an imported checkpoint installs under: the one naming rule for ``weights import``.

    An official file (``u2net.pth``, ``isnet-general-use.pth``, ...) is named after its architecture, so
    ``--model u2net`` and ``--model isnet`` find it; any other file keeps its cleaned stem. A name that
    a bundled model holds gets ``-imported`` appended, so an import never replaces or shadows the
    bundled weights; asking for such a name with ``wanted`` is refused.
    """
    if wanted:
        name = safe_model_name(wanted)
        if name in bundled:
            raise CheckpointError(f"{name!r} is the bundled model's name; choose another --name")
        return name
    official = OFFICIAL_STEMS.get(source_stem.lower())
    name = arch if official == arch else safe_model_name(source_stem)
    return f"{name}-imported" if name in bundled else name


def bundled_names() -> set[str]:
    """The names no import may take: the bundled model's, whether or not it is installed yet."""
    return {BUNDLED_NAME} | {entry.name for entry in list_models() if entry.source == "bundled"}


def find_weights(name: str) -> Path | None:
    """The weights file installed under ``name``, searching the bundled folders first.

    For an architecture name this also finds an official checkpoint an earlier release installed
    under its file's stem (``isnet-general-use``), so upgrades keep working.
    """
    aliases = [stem for stem, arch in OFFICIAL_STEMS.items() if arch == name and stem != name]
    for candidate_name in (name, *aliases):
        for folder in bundled_weights_dirs():
            candidate = folder / f"{candidate_name}.safetensors"
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
    entries = list_models()
    for entry in entries:
        if entry.name == text:
            return entry
    if text in CONFIGS:
        legacy = find_weights(text)
        for entry in entries:
            if entry.path == legacy and entry.arch == text:
                return entry
    path = Path(text)
    if path.is_file():
        arch = _arch_of_file(path)
        return ModelEntry(path.stem, arch, path, "file", {})
    names = ", ".join(e.name for e in entries) or "none installed"
    if text in CONFIGS:
        raise CheckpointError(f"no weights installed for {text!r}: {BUNDLED_HINTS[text]}")
    raise CheckpointError(f"unknown model {text!r}: not an installed model ({names}) nor a checkpoint file")


def _arch_of_file(path: Path) -> str:
    if path.suffix == ".safetensors":
        arch = read_metadata(path).get("arch")
        if arch in CONFIGS:
            return str(arch)
    return detect_arch(read_state_dict(path))
