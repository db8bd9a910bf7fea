"""Issue 16, item 9: an ONNX graph with a forged stamp planted beside a checkpoint is never run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import torch
from segment_util import err, mask, photos, segment

from u2studio.core.hashing import sha256_bytes, sha256_file
from u2studio.core.imageio import load_image, to_uint8_mask
from u2studio.inference.onnx_backend import export
from u2studio.inference.predictor import Predictor
from u2studio.models import create_model
from u2studio.models.fuse import folded_copy
from u2studio.models.registry import model_config


def test_item9_a_planted_export_with_a_forged_stamp_is_not_run(tmp_path: Path, bundled_weights: Path) -> None:
    checkpoint = tmp_path / "ck" / "u2netp.safetensors"
    checkpoint.parent.mkdir()
    shutil.copy(bundled_weights, checkpoint)
    torch.manual_seed(0)
    impostor = create_model("u2netp").eval()  # untrained weights: a very different answer
    config = model_config(impostor)
    graph_bytes = export(folded_copy(impostor), config)
    graph = checkpoint.with_name("u2netp-320.export.onnx")
    graph.write_bytes(graph_bytes)
    digest = sha256_file(checkpoint)
    forged = {
        "old": {"weights_sha256": digest, "config": str(config), "torch": torch.__version__, "export_version": "1"},
        "new": {"weights_sha256": digest, "input_size": config.input_size, "export_version": "2",
                "config": config.to_dict(), "graph_sha256": sha256_bytes(graph_bytes)},  # the cache's stamp format
    }
    (image_path,) = photos(tmp_path / "in", ["a.png"], size=(120, 90))
    reference = to_uint8_mask(Predictor(checkpoint, device="cpu", backend="torch").predict(load_image(image_path).rgb))
    for kind, stamp in forged.items():
        graph.with_suffix(".json").write_text(json.dumps(stamp), encoding="utf-8")
        out = tmp_path / f"out-{kind}"
        result = segment(image_path, "--out", out, "--model", checkpoint, "--device", "cpu", data=tmp_path / "d",
                         cache=tmp_path / f"cache-{kind}")
        assert result.returncode == 0, err(result)
        got = mask(out / "a.png").astype(np.int16)
        assert np.abs(got - reference).max() <= 2, f"the planted graph ran ({kind} stamp)"
