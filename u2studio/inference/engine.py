"""Opening the inference engine for a batch command: torch-free when a verified cached export can serve it.

On the CPU (asked for, or ``auto`` on a machine where no GPU can exist) with a verified export of these exact
weights in the cache, the engine is onnxruntime alone: torch is never imported and the first mask comes
within a fraction of a second. Otherwise the :class:`~u2studio.inference.predictor.Predictor` (torch) opens
the model, chooses the device, and only on the CPU makes the export, which the next run then starts from.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from u2studio.core.hashing import sha256_file
from u2studio.core.paths import bundled_weights_dirs
from u2studio.inference.hardware import accelerator_possible, cpu_threads
from u2studio.inference.onnx_cache import OrtEngine, lookup


@dataclass(frozen=True)
class Located:
    """Weights found for a model spec without torch: the file, the name shown, and the arch it must be."""

    path: Path
    name: str
    arch: str | None  # None: a checkpoint path, whose architecture the export's stamp records


class Engine:
    """What the segment pipeline runs: ``forward_main`` on N×3×S×S batches, plus how to feed and describe it."""

    def __init__(self, name: str, forward_main: Callable[[np.ndarray], np.ndarray], config: Any,
                 max_batch: int, parallel: int, describe: Callable[[], tuple[str, str]]) -> None:
        self.name = name
        self.forward_main = forward_main
        self.config = config
        self.max_batch = max_batch
        self.parallel = parallel
        self._describe = describe

    @property
    def device(self) -> str:
        """Where it runs now (a GPU can fall back to the CPU)."""
        return self._describe()[0]

    @property
    def backend(self) -> str:
        """What runs it: onnxruntime, torch-cpu or torch-cuda/mps."""
        return self._describe()[1]


def _safetensors_arch(path: Path) -> tuple[bool, str | None]:
    """(readable, arch recorded in u2studio's metadata or None), reading only the header (no torch)."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="numpy") as handle:
            text = (handle.metadata() or {}).get("u2studio")
        meta = json.loads(text) if text else {}
    except Exception:  # a damaged file: the torch path names the problem
        return False, None
    arch = meta.get("arch") if isinstance(meta, dict) else None
    return True, str(arch) if arch else None


def locate(spec: str | os.PathLike[str]) -> Located | None:
    """The weights ``models.store.resolve_model`` would pick, where that is certain without torch; else None."""
    text = str(spec)
    if text and "/" not in text and os.sep not in text and not text.startswith("."):
        for folder in bundled_weights_dirs():
            candidate = folder / f"{text}.safetensors"
            if candidate.is_file():
                readable, arch = _safetensors_arch(candidate)
                return Located(candidate, text, arch or text) if readable else None
    path = Path(text)
    return Located(path, path.stem, None) if path.is_file() else None


def fast_engine(spec: str | os.PathLike[str], threads: int, parallel: int) -> Engine | None:
    """The torch-free engine if a verified export of the weights ``spec`` names is cached, else None."""
    found = locate(spec)
    if found is None:
        return None
    try:
        cached = lookup(sha256_file(found.path))
    except OSError:
        return None
    if cached is None or (found.arch is not None and found.arch != cached.config.arch):
        return None
    engine = OrtEngine(cached, threads, parallel)
    return Engine(found.name, engine.forward_main, cached.config, 1, engine.parallel, lambda: ("cpu", "onnxruntime"))


def open_engine(spec: str | os.PathLike[str], device: str, parallel: bool,
                on_notice: Callable[[str], None] | None = None) -> Engine:
    """The engine for ``spec`` on ``device``; ``parallel`` runs one single-threaded inference per core (folders).

    Raises ``ThreadSettingError`` for a bad ``U2STUDIO_THREADS``, ``CheckpointError`` for a bad model, and
    ``RuntimeError``/``ValueError`` for an unusable device.
    """
    threads = cpu_threads(keep_ui_core=False)
    lanes = threads if parallel else 1
    if device == "cpu" or (device == "auto" and not accelerator_possible()):
        engine = fast_engine(spec, threads, lanes)
        if engine is not None:
            return engine
    from u2studio.inference.predictor import Predictor

    predictor = Predictor(spec, device=device, on_notice=on_notice, keep_ui_core=False)
    onnx = predictor.onnx_engine
    if onnx is not None and lanes > 1:  # the export now exists: run it with one lane per core
        engine = fast_engine(predictor.path, threads, lanes)
        if engine is not None:
            return Engine(predictor.name, engine.forward_main, engine.config, 1, engine.parallel,
                          lambda: ("cpu", "onnxruntime"))
    lanes_used = onnx.parallel if onnx is not None else 1
    return Engine(predictor.name, predictor.forward_main, predictor.config, predictor.max_batch, lanes_used,
                  lambda: (predictor.device.type, predictor.backend))
