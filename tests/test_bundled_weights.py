"""The bundled U²-Net† weights: the conversion from ONNX reproduces the original graph."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import torch

from u2studio.core.synthetic import scene
from u2studio.inference.predictor import preprocess
from u2studio.models import create_model
from u2studio.models.bundled import ONNX_MD5, bundled_onnx, check_md5
from u2studio.models.checkpoint import CheckpointError, read_metadata


@pytest.fixture(scope="module")
def onnx_session(bundled_weights: Path) -> ort.InferenceSession:
    return ort.InferenceSession(str(bundled_onnx()), providers=["CPUExecutionProvider"])


def _compare(model: torch.nn.Module, session: ort.InferenceSession, x: np.ndarray) -> list[float]:
    with torch.no_grad():
        ours = [torch.sigmoid(t).numpy() for t in model(torch.from_numpy(x))]
    theirs = session.run(None, {session.get_inputs()[0].name: x})
    assert len(ours) == len(theirs) == 7
    return [float(np.abs(a - b).max()) for a, b in zip(ours, theirs)]


# Float32 noise: the same graph run by onnxruntime at two optimisation levels (no graph rewrites against all of them)
# disagrees by about 1e-5 on the fused map d0 and up to 1e-4 on d2 (the 160×160 head), and by how much depends on the
# CPU's kernels (AVX-512 machines gave less than this AVX2 one). The converted model must agree with onnxruntime as
# closely as onnxruntime agrees with itself on this machine: within twice that disagreement, never asked for less
# than FLOOR and never allowed more than CAP (a wrong or misplaced kernel is off by far more: 1e-2 and up).
FLOOR = 1e-5
CAP = 1e-3


@pytest.fixture(scope="module")
def onnx_unoptimised(bundled_weights: Path) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(str(bundled_onnx()), options, providers=["CPUExecutionProvider"])


@pytest.mark.parametrize("kind", ["generated photo", "random tensor"])
def test_converted_model_matches_onnxruntime(bundled_weights: Path, onnx_session, onnx_unoptimised, kind: str) -> None:
    model = create_model("u2netp", pretrained=True).eval()
    if kind == "random tensor":
        x = np.random.default_rng(0).standard_normal((1, 3, 320, 320)).astype(np.float32)
    else:
        x = preprocess(scene(500, 375, seed=3)[0], model.u2_config)[None]
    errors = _compare(model, onnx_session, x)
    name = onnx_session.get_inputs()[0].name
    own = [float(np.abs(a - b).max()) for a, b in zip(onnx_session.run(None, {name: x}), onnx_unoptimised.run(None, {name: x}))]
    tolerance = [min(CAP, max(FLOOR, 2.0 * noise)) for noise in own]
    assert all(err <= tol for err, tol in zip(errors, tolerance)), (errors, own)


def test_every_onnx_kernel_lands_bit_exact_in_its_layer(bundled_weights: Path) -> None:
    from u2studio.models.bundled import convs_in_forward_order, onnx_conv_params

    model = create_model("u2netp", pretrained=True)
    params = onnx_conv_params(bundled_onnx())
    order = convs_in_forward_order(model, 64)
    modules = dict(model.named_modules())
    assert len(order) == len(params) == 119
    for name, (kernel, bias) in zip(order, params):
        assert np.array_equal(modules[name].weight.detach().numpy(), kernel), name
        assert np.array_equal(modules[name].bias.detach().numpy(), bias), name
    assert order[-1] == "outconv" and order[-7:-1] == [f"side{i}" for i in range(1, 7)]


def test_bundled_metadata_records_origin_and_folded_batchnorm(bundled_weights: Path) -> None:
    meta = read_metadata(bundled_weights)
    assert meta["arch"] == "u2netp" and meta["bn_folded"] is True
    assert meta["origin_md5"] == ONNX_MD5
    model = create_model("u2netp", pretrained=True)
    assert model.u2_bn_folded is True


def test_a_tampered_onnx_file_is_refused(tmp_path: Path, bundled_weights: Path) -> None:
    data = bytearray(bundled_onnx().read_bytes())
    data[-10] ^= 0xFF
    bad = tmp_path / "u2netp.onnx"
    bad.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="does not match the pinned release"):
        check_md5(bad)


def test_fine_tuning_with_frozen_batchnorm_keeps_the_folded_function(bundled_weights: Path) -> None:
    from u2studio.models.fuse import freeze_batchnorm

    model = create_model("u2netp", pretrained=True)
    frozen = freeze_batchnorm(model)
    assert frozen > 100
    model.train()
    x = torch.from_numpy(preprocess(scene(160, 120, seed=1)[0], model.u2_config)[None])
    with torch.no_grad():
        in_train_mode = model(x)[0]
        model.eval()
        in_eval_mode = model(x)[0]
    assert torch.equal(in_train_mode, in_eval_mode)
    assert all(not p.requires_grad for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d) for p in m.parameters())
