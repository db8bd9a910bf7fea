"""The ONNX export the packaging build writes into the bundle (the frozen app has no onnx package to export with)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from u2studio.core.hashing import sha256_file
from u2studio.core.synthetic import scene
from u2studio.inference.onnx_backend import write_shipped_export
from u2studio.inference.onnx_cache import OrtEngine, bundle_export, bundle_paths
from u2studio.inference.predictor import Predictor, postprocess, preprocess


@pytest.mark.slow
def test_shipped_export_is_verified_and_matches_torch(bundled_weights: Path, tmp_path: Path) -> None:
    weights = Path(shutil.copy(bundled_weights, tmp_path / "u2netp.safetensors"))
    graph, stamp = write_shipped_export(weights, tmp_path)
    assert (graph, stamp) == bundle_paths(tmp_path, weights.name, 320)
    digest = sha256_file(weights)
    found = bundle_export(digest, 320, folder=tmp_path)
    assert found is not None and found.source == graph

    image, _ = scene(160, 120)
    engine = OrtEngine(found, threads=1)
    ours = postprocess(engine.forward_main(preprocess(image, found.config)[None])[0], 120, 160)
    reference = Predictor(weights, device="cpu", backend="torch").predict(image)
    assert np.abs(ours - reference).max() < 1e-3

    assert bundle_export(digest, 320) is None  # outside a frozen app no bundle is trusted
    recorded = json.loads(stamp.read_text(encoding="utf-8"))
    graph.write_bytes(graph.read_bytes() + b"\0")
    assert bundle_export(digest, 320, folder=tmp_path) is None  # graph changed after stamping: not trusted
    assert bundle_export("0" * 64, 320, folder=tmp_path) is None  # other weights: not trusted
    assert recorded["weights_sha256"] == digest
