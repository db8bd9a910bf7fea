"""MAE, IoU and the panel comparison, against hand-computed values and PySODMetrics' MAE."""

from __future__ import annotations

import numpy as np
import pytest

from u2studio.core.mask_metrics import compare, iou, mae
from u2studio.core.overlays import contour_rgba, cutout_rgba, tint_rgba


def test_mae_and_iou_on_hand_made_masks() -> None:
    a = np.zeros((4, 4), np.uint8)
    b = np.zeros((4, 4), np.uint8)
    a[:2] = 255  # 8 pixels
    b[1:3] = 255  # 8 pixels, 4 shared
    assert mae(a, b) == pytest.approx(8 / 16)
    assert iou(a, b) == pytest.approx(4 / 12)
    assert iou(np.zeros((3, 3), np.uint8), np.zeros((3, 3), np.uint8)) == 1.0


def test_mae_matches_pysodmetrics() -> None:
    py_sod_metrics = pytest.importorskip("py_sod_metrics")
    rng = np.random.default_rng(0)
    pred = (rng.random((30, 40)) * 255).astype(np.uint8)
    pred[0, 0], pred[0, 1] = 0, 255  # PySODMetrics min-max normalises; make that the identity
    gt = ((rng.random((30, 40)) > 0.5) * 255).astype(np.uint8)
    reference = py_sod_metrics.MAE()
    reference.step(pred, gt)
    assert mae(pred, gt) == pytest.approx(reference.get_results()["mae"], abs=1e-6)


def test_compare_of_identical_masks_is_perfect() -> None:
    mask = np.zeros((40, 40), np.uint8)
    mask[10:30, 12:28] = 255
    result = compare(mask, mask, rho=3)
    assert (result.relaxed_f, result.mae, result.iou) == (pytest.approx(1.0), 0.0, 1.0)


def test_sizes_must_match() -> None:
    with pytest.raises(ValueError, match="differ in size"):
        mae(np.zeros((2, 2), np.uint8), np.zeros((3, 2), np.uint8))


def test_overlay_pictures() -> None:
    mask = np.zeros((8, 8), np.uint8)
    mask[2:6, 2:6] = 255
    tint = tint_rgba(mask, 0.5)
    assert tint[3, 3, 3] == 128 and tint[0, 0, 3] == 0
    edge = contour_rgba(mask)[..., 3] > 0
    assert edge[2, 2] and edge[2, 4] and not edge[3, 3] and not edge[0, 0]
    assert cutout_rgba(np.ones((8, 8, 3), np.uint8), mask).shape == (8, 8, 4)


def test_the_uint8_fast_path_gives_the_float_definitions_numbers() -> None:
    rng = np.random.default_rng(3)
    pred = (rng.random((120, 160)) * 255).astype(np.uint8)
    gt = pred.copy()
    gt[30:90, 40:120] = 255 - gt[30:90, 40:120]
    gt[0, :] = 128  # exactly at the levels: 128 is predicted foreground but not reference foreground
    pred[1, :] = 128
    floats = np.abs(pred.astype(np.float64) / 255 - gt.astype(np.float64) / 255).mean()
    assert mae(pred, gt) == pytest.approx(floats, abs=1e-12)
    x, y = pred >= 128, gt > 128
    assert iou(pred, gt) == pytest.approx(np.count_nonzero(x & y) / np.count_nonzero(x | y), abs=1e-12)
    strided = pred[::2, ::3]  # a view that is not contiguous
    assert mae(strided, gt[::2, ::3]) == pytest.approx(
        np.abs(strided / 255 - gt[::2, ::3] / 255).mean(), abs=1e-12)
    assert iou(strided, strided > 0) == iou(strided, (strided > 0).astype(np.uint8) * 255)  # bool falls back
