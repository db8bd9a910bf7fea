"""Validation metrics of the training loop, checked by hand on tiny maps."""

from __future__ import annotations

import numpy as np
import pytest

from u2studio.training.validate import compute_metrics, is_better, max_f


def test_hand_computed_maxf_and_mae() -> None:
    gt = np.array([[255, 255], [0, 0]], np.uint8)
    pred = np.array([[0.9, 0.3], [0.6, 0.0]], np.float32)
    # thresholds above 0.6·255 keep only 0.9: P = 1, R = 1/2, F = 1.3·0.5/(0.3 + 0.5)
    assert max_f([(pred, gt)]) == pytest.approx(1.3 * 0.5 / 0.8)
    metrics = compute_metrics([(pred, gt)])
    assert metrics["MAE"] == pytest.approx((0.1 + 0.7 + 0.6 + 0.0) / 4, rel=1e-6)
    assert metrics["maxF"] == pytest.approx(1.3 * 0.5 / 0.8)
    assert set(metrics) == {"maxF", "MAE", "Sm", "relaxF"}


def test_perfect_prediction_scores_perfectly() -> None:
    gt = np.zeros((32, 32), np.uint8)
    gt[8:24, 10:20] = 255
    metrics = compute_metrics([(gt.astype(np.float32) / 255, gt)])
    assert metrics["maxF"] == pytest.approx(1.0)
    assert metrics["MAE"] == pytest.approx(0.0)
    assert metrics["relaxF"] == pytest.approx(1.0)
    worse = compute_metrics([(1 - gt.astype(np.float32) / 255, gt)])
    assert worse["MAE"] == pytest.approx(1.0) and worse["maxF"] < 0.5


def test_is_better_knows_the_direction() -> None:
    assert is_better("MAE", 0.1, 0.2) and not is_better("MAE", 0.3, 0.2)
    assert is_better("relaxF", 0.8, 0.7) and not is_better("maxF", 0.6, 0.7)
    assert is_better("Sm", 0.1, None)
    with pytest.raises(ValueError):
        compute_metrics([])
