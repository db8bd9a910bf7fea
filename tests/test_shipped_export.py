"""The ONNX export shipped beside the bundled weights (the frozen app has no onnx package to export with)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from u2studio.core.synthetic import scene
from u2studio.inference.onnx_backend import shipped_export, shipped_paths, write_shipped_export
from u2studio.inference.predictor import Predictor
from u2studio.models.registry import create_model, model_config


@pytest.mark.slow
def test_shipped_export_is_used_and_checked(bundled_weights: Path, tmp_path: Path, isolated_data_dir: Path) -> None:
    weights = shutil.copy(bundled_weights, tmp_path / "u2netp.safetensors")
    weights = Path(weights)
    graph, stamp = write_shipped_export(weights, tmp_path)
    config = model_config(create_model("u2netp"))
    assert (graph, stamp) == shipped_paths(weights, config)
    assert shipped_export(weights, config) == graph

    predictor = Predictor(weights, device="cpu")
    assert predictor._onnx is not None
    assert not (isolated_data_dir / "cache").exists()  # ran the shipped graph, exported nothing
    image, truth = scene(160, 120)
    reference = Predictor(weights, device="cpu", backend="torch").predict(image)
    assert np.abs(predictor.predict(image) - reference).max() < 1e-3

    recorded = json.loads(stamp.read_text(encoding="utf-8"))
    stamp.write_text(json.dumps({**recorded, "torch": "0.0"}), encoding="utf-8")
    assert shipped_export(weights, config) is None  # made by another torch: not trusted
    stamp.write_text(json.dumps(recorded), encoding="utf-8")
    weights.write_bytes(weights.read_bytes() + b" ")
    assert shipped_export(weights, config) is None  # other weights: not trusted
