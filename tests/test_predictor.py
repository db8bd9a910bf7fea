"""The Predictor: numpy in and out, preprocessing from the model's config, both CPU backends agree."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from u2studio.core.synthetic import scene
from u2studio.inference.predictor import Predictor, ensure_rgb, postprocess, preprocess
from u2studio.models.config import CONFIGS


@pytest.fixture(scope="module")
def predictors(bundled_weights: Path) -> tuple[Predictor, Predictor]:
    return Predictor("u2netp", device="cpu"), Predictor("u2netp", device="cpu", backend="torch")


def test_outputs_are_float_maps_at_the_image_size(predictors) -> None:
    fast, _ = predictors
    for height, width in ((120, 160), (333, 71), (16, 16)):
        image = scene(width, height, seed=2)[0]
        mask = fast.predict(image)
        assert mask.shape == (height, width) and mask.dtype == np.float32
        assert 0.0 <= mask.min() and mask.max() <= 1.0


def test_onnx_and_torch_backends_agree(predictors) -> None:
    fast, eager = predictors
    assert fast.backend == "onnxruntime" and eager.backend == "torch-cpu"
    image = scene(200, 150, seed=4)[0]
    assert np.abs(fast.predict(image) - eager.predict(image)).max() < 1e-4


def test_batch_and_side_outputs(predictors) -> None:
    fast, _ = predictors
    images = [scene(100, 80, seed=s)[0] for s in (1, 2)] + [scene(64, 90, seed=3)[0][:, :, 0]]
    masks = fast.predict_batch(images)
    assert [m.shape for m in masks] == [(80, 100), (80, 100), (90, 64)]
    assert np.allclose(masks[0], fast.predict(images[0]), atol=1e-5)
    full = fast.predict_full(images[0])
    assert len(full.sides) == 7 and full.side_names[0].startswith("d0")
    assert all(s.shape == (80, 100) for s in full.sides)


def test_preprocessing_follows_the_config() -> None:
    image = np.zeros((10, 20, 3), np.uint8)
    image[..., 0] = 100  # the max is 100, so "max" scaling maps it to 1.0
    x = preprocess(image, CONFIGS["u2netp"])
    assert x.shape == (3, 320, 320)
    assert x[0].max() == pytest.approx((1.0 - 0.485) / 0.229, rel=1e-5)
    y = preprocess(image, CONFIGS["isnet"])
    assert y.shape == (3, 1024, 1024)
    assert y[0].max() == pytest.approx(100 / 255 - 0.5, rel=1e-5)


def test_postprocess_min_max_and_constant_maps() -> None:
    out = postprocess(np.full((8, 8), 0.3, np.float32), 4, 6)
    assert out.shape == (4, 6) and not np.isnan(out).any()
    ramp = postprocess(np.linspace(0.2, 0.6, 64, dtype=np.float32).reshape(8, 8), 8, 8)
    assert ramp.min() == 0.0 and ramp.max() == pytest.approx(1.0)


def test_bad_inputs_are_refused_clearly() -> None:
    with pytest.raises(TypeError, match="uint8"):
        ensure_rgb(np.zeros((4, 4, 3), np.float32))
    with pytest.raises(ValueError, match="shape"):
        ensure_rgb(np.zeros((4, 4, 5), np.uint8))


def test_asking_for_an_absent_gpu_is_an_error(bundled_weights: Path) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(RuntimeError, match="CUDA was requested"):
        Predictor("u2netp", device="cuda")


@pytest.mark.gpu
def test_gpu_matches_cpu(bundled_weights: Path) -> None:
    import torch

    if not (torch.cuda.is_available() or torch.backends.mps.is_available()):
        pytest.skip("no CUDA or MPS device")
    image = scene(320, 240, seed=9)[0]
    gpu = Predictor("u2netp", device="auto")
    cpu = Predictor("u2netp", device="cpu")
    assert np.abs(gpu.predict(image) - cpu.predict(image)).max() < 2e-2
