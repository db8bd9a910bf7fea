"""Relaxed boundary Fβ (BASNet) as an accumulating metric, built on u2studio.core.boundary."""

from __future__ import annotations

from typing import Any

import numpy as np

from u2studio.core.boundary import boundary, f_beta, relaxed_zone
from u2studio.core.metrics._input import Pair
from u2studio.core.metrics.base import Metric, mean_of


def relaxed_scores(pair: Pair, rho: int) -> tuple[float, float, float]:
    """(F, precision, recall) of the pair's boundaries at slack ρ.

    The prediction is binarised on its own scale (uint8 ≥ 128, float ≥ 0.5), as
    u2studio.core.boundary does, so these numbers equal the studio's overlay.
    """
    pred_edge = boundary((pair.pred >= 0.5).view(np.uint8) if pair.raw is None else _binary_raw(pair))
    gt_edge = boundary(pair.gt_u8)
    n_pred, n_gt = int(np.count_nonzero(pred_edge)), int(np.count_nonzero(gt_edge))
    if n_pred == 0 or n_gt == 0:
        p = r = 1.0 if n_pred == n_gt else 0.0
        return f_beta(p, r), p, r
    p = np.count_nonzero(pred_edge & relaxed_zone(gt_edge, rho)) / n_pred
    r = np.count_nonzero(gt_edge & relaxed_zone(pred_edge, rho)) / n_gt
    return f_beta(p, r), p, r


def _binary_raw(pair: Pair) -> np.ndarray:
    """The raw uint8 prediction at ≥ 128, like u2studio.core.boundary.binarize (no min-max stretch)."""
    assert pair.raw is not None
    return (pair.raw >= 128).view(np.uint8)


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
