"""The studio's CPU predictor without torch: a verified export of the very weights, run on onnxruntime.

Importing torch takes a second or two and, on the worker's thread, holds the interpreter lock in stretches of
160–210 ms (measured: a 5 ms Qt timer beside ``import torch`` on a 2-core machine), each a freeze of the
studio's window. Exporting the model (the first run ever) holds it longer still. So on a CPU-only machine
with the export already cached (every session after the first one, and always in the packaged app, which
carries its export) the studio never imports torch: this predictor gives the same maps as
:class:`~u2studio.inference.predictor.Predictor` on the same export (same preprocessing, engine and
postprocessing: :class:`~u2studio.inference.maps.MapPredictor`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from u2studio.core.hashing import sha256_file
from u2studio.inference.hardware import accelerator_possible, cpu_threads
from u2studio.inference.maps import MapPredictor
from u2studio.inference.onnx_cache import OrtEngine, lookup
from u2studio.models.checkpoint import CheckpointError
from u2studio.models.config import CONFIGS, ModelConfig
from u2studio.models.store import ModelEntry, resolve_model

PREPROCESSING_FIELDS = ("arch", "input_size", "mean", "std", "scale", "main_output")


@dataclass(frozen=True)
class CpuDevice:
    """Where a :class:`CachedPredictor` runs (``.type`` as on a ``torch.device``)."""

    type: str = "cpu"


class CachedPredictor(MapPredictor):
    """Runs a verified cached export of ``entry``'s weights; ``min_max`` as the Predictor's."""

    def __init__(self, entry: ModelEntry, config: ModelConfig, engine: OrtEngine, min_max: bool = True) -> None:
        self.entry = entry
        self.config = config
        self.min_max = min_max
        self.device = CpuDevice()
        self.backend = "onnxruntime"
        self.max_batch = 1
        self.onnx_engine = engine

    @property
    def name(self) -> str:
        """The model's name as the user knows it."""
        return self.entry.name

    @property
    def path(self) -> Path:
        """The weights file."""
        return self.entry.path

    def forward(self, batch: np.ndarray) -> list[np.ndarray]:
        """Every map's sigmoid for an N×3×S×S batch, from onnxruntime."""
        return self.onnx_engine.forward(batch)


def runs_on_cpu(device: str) -> bool:
    """Whether ``device`` means the CPU for certain, known without torch (``auto`` where no GPU can exist)."""
    return device == "cpu" or (device == "auto" and not accelerator_possible())


def open_cached(model: str, keep_ui_core: bool = True, lean_memory: bool = False) -> CachedPredictor | None:
    """The torch-free predictor for ``model`` when a verified export of its weights is cached, else None.

    None also when the model cannot be resolved or its export's preprocessing differs from the architecture's:
    the torch Predictor then opens it and reports any problem in its own words.
    """
    try:
        entry = resolve_model(model)
        cached = lookup(sha256_file(entry.path))
    except (CheckpointError, OSError):
        return None
    config = CONFIGS.get(entry.arch)
    if cached is None or config is None:
        return None
    expected = config.to_dict()
    if any(_field(getattr(cached.config, k)) != _field(expected[k]) for k in PREPROCESSING_FIELDS):
        return None
    return CachedPredictor(entry, config, OrtEngine(cached, cpu_threads(keep_ui_core), lean=lean_memory))


def _field(value: object) -> object:
    """A config field in a comparable form (lists and tuples alike)."""
    return tuple(value) if isinstance(value, (list, tuple)) else value
