"""A CPU backend: our own model exported to ONNX once, then run by onnxruntime.

The export is made from u2studio's torch model (BatchNorm folded), so it
serves every checkpoint, fine-tuned ones included. It is cached per weights
file and input size; a failed export falls back to torch.

Exporting needs the ``onnx`` package, which the frozen app leaves out; the
packaging build therefore ships an export of the bundled model beside its
weights (:func:`write_shipped_export`), used when its stamp matches.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

from u2studio.core.atomic import atomic_write_bytes, atomic_write_text
from u2studio.core.paths import data_dir
from u2studio.models.config import ModelConfig

log = logging.getLogger("u2studio.inference")
EXPORT_VERSION = "1"


class MapsOnly(nn.Module):
    """Wraps a model so it returns only the map logits (IS-Net also returns features)."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        out = self.model(x)
        if isinstance(out, tuple) and len(out) == 2 and isinstance(out[0], list):
            out = out[0]
        return tuple(out)


def cache_path(weights: Path, config: ModelConfig) -> Path:
    """Where the exported graph for these weights is cached."""
    digest = hashlib.sha256()
    stat = weights.stat()
    digest.update(f"{weights.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{config}|{torch.__version__}|{EXPORT_VERSION}".encode())
    return data_dir() / "cache" / "onnx" / f"{weights.stem}-{digest.hexdigest()[:16]}.onnx"


def export(model: nn.Module, config: ModelConfig) -> bytes:
    """Export an eval-mode model to ONNX bytes with a dynamic batch dimension."""
    size = config.input_size
    buf = io.BytesIO()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            MapsOnly(model).eval(), (torch.zeros(1, 3, size, size),), buf, opset_version=17, dynamo=False,
            input_names=["image"], dynamic_axes={"image": {0: "batch"}},
        )
    return buf.getvalue()


def export_stamp(weights: Path, config: ModelConfig) -> dict[str, str]:
    """What a shipped export must have been made from: these exact weights, config, torch and exporter."""
    return {
        "weights_sha256": hashlib.sha256(weights.read_bytes()).hexdigest(),
        "config": str(config),
        "torch": torch.__version__,
        "export_version": EXPORT_VERSION,
    }


def shipped_paths(weights: Path, config: ModelConfig) -> tuple[Path, Path]:
    """(graph, stamp) paths of an export shipped beside ``weights``."""
    graph = weights.with_name(f"{weights.stem}-{config.input_size}.export.onnx")
    return graph, graph.with_suffix(".json")


def shipped_export(weights: Path, config: ModelConfig) -> Path | None:
    """The export shipped beside ``weights`` if there is one and its stamp matches, else None."""
    graph, stamp = shipped_paths(weights, config)
    if not graph.is_file() or not stamp.is_file():
        return None
    try:
        recorded = json.loads(stamp.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return graph if recorded == export_stamp(weights, config) else None


def write_shipped_export(weights: Path, folder: Path) -> list[Path]:
    """Export the model in ``weights`` (BatchNorm folded, as the Predictor runs it) into ``folder`` for shipping."""
    from u2studio.models.fuse import folded_copy
    from u2studio.models.registry import create_model, model_config
    from u2studio.models.store import resolve_model

    entry = resolve_model(weights)
    network = create_model(entry.arch, pretrained=entry.path)
    config = model_config(network)
    graph, stamp = shipped_paths(folder / weights.name, config)
    atomic_write_bytes(graph, export(folded_copy(network), config))
    atomic_write_text(stamp, json.dumps(export_stamp(weights, config), indent=2))
    return [graph, stamp]


class OnnxRunner:
    """Runs the exported graph; ``__call__`` returns the sigmoid of every map as N×S×S arrays."""

    def __init__(self, model: nn.Module, config: ModelConfig, weights: Path, threads: int) -> None:
        import onnxruntime as ort

        path = shipped_export(weights, config) or cache_path(weights, config)
        if not path.is_file():
            atomic_write_bytes(path, export(model, config))
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.input_name = self.session.get_inputs()[0].name

    def __call__(self, batch: np.ndarray) -> list[np.ndarray]:
        logits = self.session.run(None, {self.input_name: np.ascontiguousarray(batch, dtype=np.float32)})
        return [_sigmoid(t[:, 0]) for t in logits]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """A numerically safe logistic function."""
    return (0.5 * (np.tanh(0.5 * x) + 1.0)).astype(np.float32)


def try_runner(model: nn.Module, config: ModelConfig, weights: Path, threads: int) -> OnnxRunner | None:
    """An OnnxRunner, or None (with a log line) if onnxruntime is missing or the export fails."""
    try:
        return OnnxRunner(model, config, weights, threads)
    except Exception as exc:  # any failure here just means: use torch
        log.info("onnxruntime backend unavailable, using torch: %s", exc)
        return None
