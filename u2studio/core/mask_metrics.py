"""Comparing two masks for the studio's metrics panel: MAE, IoU and relaxed boundary Fβ."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from u2studio.core.binarize import prediction_foreground, reference_foreground
from u2studio.core.boundary import relaxed_f


def as_unit_float(mask: np.ndarray) -> np.ndarray:
    """A float32 copy in [0, 1] of a uint8 (0..255), bool or float mask."""
    if mask.dtype == np.uint8:
        return mask.astype(np.float32) / 255.0
    if mask.dtype == np.bool_:
        return mask.astype(np.float32)
    return np.clip(mask.astype(np.float32), 0.0, 1.0)


def _check(a: np.ndarray, b: np.ndarray) -> None:
    if a.shape[:2] != b.shape[:2]:
        raise ValueError(f"masks differ in size: {a.shape[:2]} and {b.shape[:2]}")


def mae(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference of two masks, on the [0, 1] scale."""
    _check(a, b)
    return float(np.mean(np.abs(as_unit_float(a) - as_unit_float(b))))


def iou(pred: np.ndarray, reference: np.ndarray) -> float:
    """Intersection over union of a prediction (≥ 0.5) and a reference (> 128 of 255); 1 when both are empty."""
    _check(pred, reference)
    x, y = prediction_foreground(pred), reference_foreground(reference)
    union = int(np.count_nonzero(x | y))
    return 1.0 if union == 0 else float(np.count_nonzero(x & y)) / union


@dataclass(frozen=True)
class MaskComparison:
    """The numbers the metrics panel shows for one pair of masks."""

    relaxed_f: float
    precision: float
    recall: float
    mae: float
    iou: float
    rho: int


def compare(pred: np.ndarray, reference: np.ndarray, rho: int) -> MaskComparison:
    """Every panel metric of ``pred`` against ``reference`` at slack ρ."""
    f, p, r = relaxed_f(pred, reference, rho)
    return MaskComparison(f, p, r, mae(pred, reference), iou(pred, reference), rho)
