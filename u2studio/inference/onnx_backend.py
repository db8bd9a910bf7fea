"""Making the ONNX export of u2studio's own model (torch), for the cache in :mod:`.onnx_cache`.

The export is made from u2studio's torch model (BatchNorm folded), so it serves every checkpoint, fine-tuned
ones included. It is made only once the device is known to be the CPU, stored in the user's cache keyed by
the weights' SHA-256 and :data:`EXPORT_VERSION`, and verified whenever it is read. A failed export (the frozen
app has no ``onnx`` package) means torch runs instead; the packaging build therefore writes an export of the
bundled weights into the bundle (:func:`write_shipped_export`), trusted only inside a frozen app.
"""

from __future__ import annotations

import io
import json
import logging
import warnings
from pathlib import Path

import torch
from torch import nn

from u2studio.core.atomic import atomic_write_bytes, atomic_write_text
from u2studio.core.hashing import sha256_file
from u2studio.inference.onnx_cache import EXPORT_VERSION, CachedGraph, OrtEngine, bundle_paths, lookup, stamp_for, store
from u2studio.models.config import ModelConfig

log = logging.getLogger("u2studio.inference")
__all__ = ["EXPORT_VERSION", "MapsOnly", "cached_export", "export", "try_runner", "write_shipped_export"]


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


def cached_export(model: nn.Module, config: ModelConfig, weights: Path, weights_sha256: str | None = None) -> CachedGraph:
    """The verified cached export of ``model`` (made from ``weights``), exporting and storing it if needed."""
    digest = weights_sha256 or sha256_file(weights)
    found = lookup(digest, config.input_size)
    if found is not None:
        return found
    return store(digest, config.to_dict(), export(model, config))


def write_shipped_export(weights: Path, folder: Path) -> list[Path]:
    """Export the model in ``weights`` (BatchNorm folded, as the Predictor runs it) into ``folder`` for the bundle."""
    from u2studio.models.fuse import folded_copy
    from u2studio.models.registry import create_model, model_config
    from u2studio.models.store import resolve_model

    entry = resolve_model(weights)
    network = create_model(entry.arch, pretrained=entry.path)
    config = model_config(network)
    graph_bytes = export(folded_copy(network), config)
    graph, stamp = bundle_paths(folder, weights.name, config.input_size)
    atomic_write_bytes(graph, graph_bytes)
    record = stamp_for(sha256_file(weights), config.input_size, config.to_dict(), graph_bytes)
    atomic_write_text(stamp, json.dumps(record, indent=2))
    return [graph, stamp]


def try_runner(model: nn.Module, config: ModelConfig, weights: Path, threads: int, lean: bool = False) -> OrtEngine | None:
    """An onnxruntime engine on the cached export, or None (with a log line) if onnxruntime or the export fails;
    ``lean``: see :class:`OrtEngine`."""
    try:
        return OrtEngine(cached_export(model, config, weights), threads, lean=lean)
    except Exception as exc:  # any failure here just means: use torch
        log.info("onnxruntime backend unavailable, using torch: %s", exc)
        return None
