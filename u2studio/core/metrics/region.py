"""Region metrics computed from 256-level threshold counts: MAE, F-measure, E-measure, IoU/Dice."""

from __future__ import annotations

from typing import Any

import numpy as np

from u2studio.core.metrics._input import EPS, LEVELS, Pair, f_beta_curve
from u2studio.core.metrics.base import Metric, mean_of

BETA2 = 0.3


def adaptive_threshold(pair: Pair) -> float:
    """Twice the mean prediction, capped at 1."""
    return min(2 * pair.mean, 1.0)


def mae(pair: Pair) -> float:
    """Mean absolute error between the prediction and the binary reference."""
    if pair.raw is not None:
        assert pair.level_value is not None
        fg, bg = pair.raw_hists
        return float(np.dot(fg, 1 - pair.level_value) + np.dot(bg, pair.level_value)) / pair.size
    p = pair.pred
    return float(np.abs(p - pair.gt).mean())


class MAE(Metric):
    """Mean absolute error, averaged over images (key ``MAE``)."""

    def __init__(self) -> None:
        self.values: list[float] = []

    def add(self, pair: Pair) -> None:
        """Score one pair."""
        self.values.append(mae(pair))

    def results(self) -> dict[str, Any]:
        """``{"MAE": mean}``."""
        return {"MAE": mean_of(self.values)}


def pr_curve(pair: Pair) -> tuple[np.ndarray, np.ndarray]:
    """Precision and recall at thresholds 0..255 (ascending), zero-safe as in the toolbox."""
    tp, fp = pair.threshold_counts
    predicted = tp + fp
    precision = tp / np.where(predicted == 0, 1, predicted)
    recall = tp / max(pair.fg_count, 1)
    return precision, recall


def _binary_f(tp: int, fp: int, fg: int, beta2: float) -> float:
    if tp == 0:
        return 0.0
    p, r = tp / (tp + fp), tp / fg
    return (1 + beta2) * p * r / (beta2 * p + r)


class Fmeasure(Metric):
    """Fβ (β² = 0.3) over 256 thresholds: ``maxF``, ``meanF``, ``adpF``, and the curves.

    ``precision``, ``recall`` and ``fm`` are arrays over thresholds t = 0..255
    (prediction level ≥ t), averaged over images.
    """

    def __init__(self, beta2: float = BETA2) -> None:
        self.beta2 = beta2
        self.precisions: list[np.ndarray] = []
        self.recalls: list[np.ndarray] = []
        self.curves: list[np.ndarray] = []
        self.adaptive: list[float] = []

    def add(self, pair: Pair) -> None:
        """Score one pair."""
        precision, recall = pr_curve(pair)
        self.precisions.append(precision)
        self.recalls.append(recall)
        self.curves.append(f_beta_curve(precision, recall, self.beta2))
        tp, fp = pair.counts_where(above=adaptive_threshold(pair), strict=False)
        self.adaptive.append(_binary_f(tp, fp, pair.fg_count, self.beta2))

    def results(self) -> dict[str, Any]:
        """maxF, meanF, adpF (floats) and precision, recall, fm (256-long arrays)."""
        if not self.curves:
            zeros = np.zeros(LEVELS)
            return {"maxF": 0.0, "meanF": 0.0, "adpF": 0.0, "precision": zeros, "recall": zeros, "fm": zeros}
        fm = np.mean(self.curves, axis=0)
        return {
            "maxF": float(fm.max()),
            "meanF": float(fm.mean()),
            "adpF": mean_of(self.adaptive),
            "precision": np.mean(self.precisions, axis=0),
            "recall": np.mean(self.recalls, axis=0),
            "fm": fm,
        }


def _enhanced(a: np.ndarray | float, b: float) -> np.ndarray | float:
    align = 2 * a * b / (a * a + b * b + EPS)
    return (align + 1) ** 2 / 4


def e_measure_from_counts(tp: np.ndarray, fp: np.ndarray, fg: int, n: int) -> np.ndarray:
    """Enhanced-alignment measure for binary maps given TP/FP counts (arrays or scalars)."""
    tp = np.asarray(tp, np.float64)
    fp = np.asarray(fp, np.float64)
    pred_on = tp + fp
    if fg == 0:
        total = n - pred_on
    elif fg == n:
        total = pred_on
    else:
        fn = fg - tp
        tn = (n - pred_on) - fn
        mean_pred = pred_on / n
        mean_gt = fg / n
        p1, p0 = 1 - mean_pred, -mean_pred
        g1, g0 = 1 - mean_gt, -mean_gt
        total = tp * _enhanced(p1, g1) + fp * _enhanced(p1, g0) + fn * _enhanced(p0, g1) + tn * _enhanced(p0, g0)
    return total / (n - 1 + EPS)


class Emeasure(Metric):
    """E-measure over 256 thresholds: ``maxEm``, ``meanEm``, ``adpEm`` and the ``em`` curve."""

    def __init__(self) -> None:
        self.curves: list[np.ndarray] = []
        self.adaptive: list[float] = []

    def add(self, pair: Pair) -> None:
        """Score one pair."""
        tp, fp = pair.threshold_counts
        self.curves.append(e_measure_from_counts(tp, fp, pair.fg_count, pair.size))
        atp, afp = pair.counts_where(above=adaptive_threshold(pair), strict=False)
        self.adaptive.append(float(e_measure_from_counts(atp, afp, pair.fg_count, pair.size)))

    def results(self) -> dict[str, Any]:
        """maxEm, meanEm, adpEm and the averaged curve ``em``."""
        if not self.curves:
            return {"maxEm": 0.0, "meanEm": 0.0, "adpEm": 0.0, "em": np.zeros(LEVELS)}
        em = np.mean(self.curves, axis=0)
        return {"maxEm": float(em.max()), "meanEm": float(em.mean()), "adpEm": mean_of(self.adaptive), "em": em}


def _ratio(num: float, den: float) -> float:
    return 0.0 if den == 0 else num / den


class IoUDice(Metric):
    """IoU and Dice of the prediction binarised by the one rule (≥ 0.5, Pair.pred_foreground), averaged over images (0 when both are empty)."""

    def __init__(self) -> None:
        self.ious: list[float] = []
        self.dices: list[float] = []

    def add(self, pair: Pair) -> None:
        """Score one pair."""
        tp, fp = pair.foreground_counts()
        fn = pair.fg_count - tp
        self.ious.append(_ratio(tp, tp + fp + fn))
        self.dices.append(_ratio(2 * tp, 2 * tp + fp + fn))

    def results(self) -> dict[str, Any]:
        """``{"IoU": …, "Dice": …}``."""
        return {"IoU": mean_of(self.ious), "Dice": mean_of(self.dices)}
