"""The training losses against their formulas, computed by hand with numpy on small tensors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from u2studio.training.losses import (
    SSIM_C1, SSIM_C2, bce_loss, deep_supervision, feature_sync, gaussian_window, get_loss, hybrid_loss, iou_loss,
    ssim_loss,
)

LOGITS = np.array([[2.0, -1.0, 0.5], [-3.0, 0.0, 1.5], [4.0, -0.5, -2.0]])
TARGET = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0], [1.0, 0.0, 0.0]])


def t(a: np.ndarray) -> torch.Tensor:
    return torch.tensor(a, dtype=torch.float32)[None, None]


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def numpy_ssim_loss(s: np.ndarray, g: np.ndarray) -> float:
    """1 − mean SSIM with an 11×11 Gaussian (σ 1.5) window over zero-padded maps, written out loop by loop."""
    k = np.arange(11) - 5.0
    g1 = np.exp(-(k**2) / (2 * 1.5**2))
    g1 /= g1.sum()
    w = np.outer(g1, g1)

    def local_mean(a: np.ndarray) -> np.ndarray:
        padded = np.pad(a, 5)
        out = np.zeros_like(a)
        for r in range(a.shape[0]):
            for c in range(a.shape[1]):
                out[r, c] = (padded[r : r + 11, c : c + 11] * w).sum()
        return out

    mx, my = local_mean(s), local_mean(g)
    vx, vy = local_mean(s * s) - mx**2, local_mean(g * g) - my**2
    cxy = local_mean(s * g) - mx * my
    c1, c2 = 0.01**2, 0.03**2
    ssim = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2))
    return float(1 - ssim.mean())


def test_bce_matches_formula() -> None:
    s = sigmoid(LOGITS)
    expected = float(np.mean(-(TARGET * np.log(s) + (1 - TARGET) * np.log(1 - s))))
    assert bce_loss(t(LOGITS), t(TARGET)).item() == pytest.approx(expected, rel=1e-5)


def test_ssim_constants_and_window() -> None:
    assert SSIM_C1 == pytest.approx(1e-4) and SSIM_C2 == pytest.approx(9e-4)
    w = gaussian_window().numpy()
    assert w.shape == (11, 11) and w.sum() == pytest.approx(1.0, abs=1e-6)
    assert w[5, 5] / w[5, 6] == pytest.approx(math.exp(1 / (2 * 1.5**2)), rel=1e-5)


def test_ssim_matches_formula() -> None:
    expected = numpy_ssim_loss(sigmoid(LOGITS), TARGET)
    assert ssim_loss(t(LOGITS), t(TARGET)).item() == pytest.approx(expected, rel=1e-4)
    rng = np.random.default_rng(3)
    logits, target = rng.normal(size=(7, 9)), (rng.random((7, 9)) > 0.5).astype(float)
    assert ssim_loss(t(logits), t(target)).item() == pytest.approx(numpy_ssim_loss(sigmoid(logits), target), rel=1e-4)


def test_ssim_of_identical_maps_is_zero() -> None:
    target = np.zeros((12, 12))
    target[3:9, 2:7] = 1.0
    logits = np.where(target > 0, 30.0, -30.0)
    assert ssim_loss(t(logits), t(target)).item() == pytest.approx(0.0, abs=1e-5)


def test_iou_matches_formula() -> None:
    s = sigmoid(LOGITS)
    expected = 1 - ((s * TARGET).sum() + 1) / ((s + TARGET - s * TARGET).sum() + 1)
    assert iou_loss(t(LOGITS), t(TARGET)).item() == pytest.approx(expected, rel=1e-5)


def test_iou_averages_over_the_batch() -> None:
    logits = torch.cat([t(LOGITS), t(-LOGITS)])
    target = torch.cat([t(TARGET), t(TARGET)])
    expected = (iou_loss(t(LOGITS), t(TARGET)) + iou_loss(t(-LOGITS), t(TARGET))) / 2
    assert iou_loss(logits, target).item() == pytest.approx(expected.item(), rel=1e-6)


def test_iou_is_safe_for_empty_masks() -> None:
    empty = torch.zeros(1, 1, 8, 8)
    quiet = iou_loss(torch.full((1, 1, 8, 8), -30.0), empty)
    assert quiet.item() == pytest.approx(0.0, abs=1e-6)
    logits = torch.full((1, 1, 8, 8), 0.0, requires_grad=True)
    loud = iou_loss(logits, empty)
    loud.backward()
    assert math.isfinite(loud.item()) and loud.item() == pytest.approx(1 - 1 / (32 + 1), rel=1e-6)
    assert logits.grad is not None and torch.isfinite(logits.grad).all() and (logits.grad > 0).all()


def test_hybrid_is_the_sum_of_its_parts() -> None:
    s = sigmoid(LOGITS)
    bce = float(np.mean(-(TARGET * np.log(s) + (1 - TARGET) * np.log(1 - s))))
    iou = 1 - ((s * TARGET).sum() + 1) / ((s + TARGET - s * TARGET).sum() + 1)
    expected = bce + numpy_ssim_loss(s, TARGET) + iou
    assert hybrid_loss(t(LOGITS), t(TARGET)).item() == pytest.approx(expected, rel=1e-4)
    assert get_loss("hybrid") is hybrid_loss and get_loss("bce") is bce_loss
    with pytest.raises(ValueError, match="unknown loss"):
        get_loss("dice")


def test_deep_supervision_sums_every_output_with_weight_one() -> None:
    outputs = [t(LOGITS), t(LOGITS * 0.5), t(-LOGITS)]
    expected = sum(bce_loss(o, t(TARGET)).item() for o in outputs)
    assert deep_supervision(outputs, t(TARGET), bce_loss).item() == pytest.approx(expected, rel=1e-6)


def test_losses_run_in_fp32_from_half_precision_logits() -> None:
    half = t(LOGITS).to(torch.bfloat16)
    for loss in (bce_loss, ssim_loss, iou_loss, hybrid_loss):
        value = loss(half, t(TARGET))
        assert value.dtype == torch.float32
        assert value.item() == pytest.approx(loss(half.float(), t(TARGET)).item(), rel=1e-6)


def test_feature_sync_is_the_sum_of_mses() -> None:
    rng = np.random.default_rng(0)
    a = [rng.normal(size=(1, 2, 3, 3)), rng.normal(size=(1, 4, 2, 2))]
    b = [rng.normal(size=(1, 2, 3, 3)), rng.normal(size=(1, 4, 2, 2))]
    expected = sum(float(np.mean((x - y) ** 2)) for x, y in zip(a, b))
    got = feature_sync([torch.tensor(x, dtype=torch.float32) for x in a], [torch.tensor(y, dtype=torch.float32) for y in b])
    assert got.item() == pytest.approx(expected, rel=1e-5)
    with pytest.raises(ValueError):
        feature_sync([torch.zeros(1)], [])
