"""Comparing two masks for the studio's metrics panel: MAE, IoU and relaxed boundary Fβ."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from u2studio.core.binarize import REFERENCE_LEVEL, prediction_foreground, prediction_level, reference_foreground
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


def _plane(mask: np.ndarray) -> np.ndarray | None:
    """A 2-D uint8 mask as OpenCV takes it (no copy when contiguous), or None for other masks."""
    if mask.dtype != np.uint8 or mask.ndim != 2:
        return None
    return np.ascontiguousarray(mask)


def mae(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference of two masks, on the [0, 1] scale.

    Two uint8 masks (the studio's prediction and mask) are compared in integers with OpenCV, exactly and without
    the two float copies: at 24 MP that was about 0.3 s of a core after every stroke, competing with the next one."""
    _check(a, b)
    x, y = _plane(a), _plane(b)
    if x is not None and y is not None:
        return float(cv2.sumElems(cv2.absdiff(x, y))[0]) / (255.0 * x.size) if x.size else 0.0
    return float(np.mean(np.abs(as_unit_float(a) - as_unit_float(b))))


def iou(pred: np.ndarray, reference: np.ndarray) -> float:
    """Intersection over union of a prediction (≥ 0.5) and a reference (> 128 of 255); 1 when both are empty."""
    _check(pred, reference)
    x, y = _plane(pred), _plane(reference)
    if x is not None and y is not None and x.size:  # uint8 pair: OpenCV's threshold and counts, same sets
        fg = cv2.compare(x, prediction_level(), cv2.CMP_GE)
        ref = cv2.compare(y, REFERENCE_LEVEL, cv2.CMP_GT)
        union = cv2.countNonZero(cv2.bitwise_or(fg, ref))
        return 1.0 if union == 0 else cv2.countNonZero(cv2.bitwise_and(fg, ref)) / union
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
