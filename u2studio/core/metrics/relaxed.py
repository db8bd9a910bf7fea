"""Relaxed boundary Fβ (BASNet) as an accumulating metric, built on u2studio.core.boundary."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from u2studio.core.boundary import boundary, f_beta, relaxed_zone
from u2studio.core.metrics._input import Pair
from u2studio.core.metrics.base import Metric, mean_of


def relaxed_scores(pair: Pair, rho: int) -> tuple[float, float, float]:
    """(F, precision, recall) of the pair's boundaries at slack ρ.

    The prediction is binarised on its own scale (uint8 ≥ 128, float ≥ 0.5), as
    u2studio.core.boundary does, so these numbers equal the studio's overlay.
    Work is confined to the bounding box of both masks plus one pixel: every
    boundary pixel lies inside it, so the zones there are exact.
    """
    pred_bin = _binary_pred(pair)
    gt_bin = pair.gt_u8
    x, y, w, h = cv2.boundingRect(cv2.bitwise_or(pred_bin, gt_bin))
    if w == 0 or h == 0:
        return f_beta(1.0, 1.0), 1.0, 1.0
    rows = slice(max(y - 1, 0), min(y + h + 1, gt_bin.shape[0]))
    cols = slice(max(x - 1, 0), min(x + w + 1, gt_bin.shape[1]))
    pred_edge = boundary(pred_bin[rows, cols])
    gt_edge = boundary(gt_bin[rows, cols])
    n_pred, n_gt = cv2.countNonZero(pred_edge), cv2.countNonZero(gt_edge)
    if n_pred == 0 or n_gt == 0:
        p = r = 1.0 if n_pred == n_gt else 0.0
        return f_beta(p, r), p, r
    p = cv2.countNonZero(cv2.bitwise_and(pred_edge, relaxed_zone(gt_edge, rho))) / n_pred
    r = cv2.countNonZero(cv2.bitwise_and(gt_edge, relaxed_zone(pred_edge, rho))) / n_gt
    return f_beta(p, r), p, r


def _binary_pred(pair: Pair) -> np.ndarray:
    """The prediction as a 0/1 uint8 map on its own scale (raw uint8 ≥ 128 without min-max stretch, float ≥ 0.5)."""
    if pair.raw is None:
        return (pair.pred >= 0.5).view(np.uint8)
    return cv2.threshold(pair.raw, 127, 1, cv2.THRESH_BINARY)[1]


class RelaxedBoundaryF(Metric):
    """Relaxed boundary Fβ (β² = 0.3) at slack ``rho``: ``relaxF`` plus per-image ``precision``/``recall``."""

    def __init__(self, rho: int = 3) -> None:
        if rho < 0:
            raise ValueError(f"rho must be ≥ 0, got {rho}")
        self.rho = int(rho)
        self.fs: list[float] = []
        self.precision: list[float] = []
        self.recall: list[float] = []

    def add(self, pair: Pair) -> None:
        """Score one pair."""
        f, p, r = relaxed_scores(pair, self.rho)
        self.fs.append(f)
        self.precision.append(p)
        self.recall.append(r)

    def results(self) -> dict[str, Any]:
        """relaxF (mean over images), and the per-image precision and recall lists."""
        return {"relaxF": mean_of(self.fs), "precision": list(self.precision), "recall": list(self.recall)}
