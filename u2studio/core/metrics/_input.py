"""The one input check shared by every metric, and the per-pair quantities they reuse.

Conventions follow PySODMetrics: a uint8 prediction (0..255) is scaled to [0, 1]
and min-max stretched (MATLAB's ``mapminmax(im2double(x))``); a float prediction
must already lie in [0, 1] and is used as is. The reference is binarised by
u2studio.core.binarize (> 128 of 255). Curves are histograms of the
prediction quantised as ``uint8(pred * 255)`` (truncation, like the toolbox).
The binary metrics (IoU/Dice, HCE, relaxed boundary F) binarise the prediction
as the studio does, on its own scale without the stretch: ``pred_foreground``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import cv2
import numpy as np

from u2studio.core.binarize import PREDICTION_THRESHOLD, prediction_foreground, prediction_level, reference_foreground

EPS = float(np.spacing(1))
LEVELS = 256


class MetricInputError(ValueError):
    """A prediction/reference pair that no metric can score; the message says why."""


def _check_array(name: str, a: object) -> np.ndarray:
    if not isinstance(a, np.ndarray):
        raise MetricInputError(f"{name} must be a numpy array, got {type(a).__name__}")
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if a.ndim != 2:
        raise MetricInputError(f"{name} must be a 2-D grey map (H×W), got shape {a.shape}")
    if a.size == 0:
        raise MetricInputError(f"{name} is empty (shape {a.shape})")
    return a


def _binarize_gt(gt: np.ndarray) -> np.ndarray:
    if gt.dtype in (np.float32, np.float64) and not np.isfinite(gt).all():
        raise MetricInputError("reference contains NaN or infinity")
    if gt.dtype in (np.bool_, np.uint8, np.float32, np.float64):
        return reference_foreground(gt)
    raise MetricInputError(f"reference must be uint8, bool, float32 or float64, got {gt.dtype}")


@dataclass
class Pair:
    """A checked pair: prediction as float64 in [0, 1], reference as bool, plus shared histograms.

    For uint8 predictions ``level_value[v]`` is the normalised value of raw grey
    level ``v`` and ``raw`` keeps the uint8 map, so threshold counts come from
    256-bin histograms instead of full-size comparisons.
    """

    gt: np.ndarray
    raw: np.ndarray | None
    level_value: np.ndarray | None
    _pred: np.ndarray | None = field(default=None, repr=False)

    @cached_property
    def pred(self) -> np.ndarray:
        """The prediction as float64 in [0, 1], same shape as ``gt``."""
        if self._pred is not None:
            return self._pred
        assert self.raw is not None and self.level_value is not None
        return self.level_value[self.raw]

    @cached_property
    def gt_u8(self) -> np.ndarray:
        """The reference as a 0/1 uint8 map (for OpenCV)."""
        return self.gt.view(np.uint8)

    @cached_property
    def fg_count(self) -> int:
        """Number of reference foreground pixels."""
        return int(cv2.countNonZero(self.gt_u8))

    @property
    def size(self) -> int:
        """Number of pixels."""
        return int(self.gt.size)

    @cached_property
    def raw_hists(self) -> tuple[np.ndarray, np.ndarray]:
        """(foreground, background) histograms of the raw prediction values, uint8 path only."""
        assert self.raw is not None
        total = np.bincount(self.raw.ravel(), minlength=LEVELS).astype(np.int64)
        if self.fg_count == 0:
            return np.zeros(LEVELS, np.int64), total
        fg = cv2.calcHist([self.raw], [0], self.gt_u8, [LEVELS], [0, LEVELS]).ravel().astype(np.int64)
        return fg, total - fg

    @cached_property
    def level_hists(self) -> tuple[np.ndarray, np.ndarray]:
        """(foreground, background) counts of the quantised prediction ``uint8(pred*255)`` per level."""
        if self.raw is not None:
            assert self.level_value is not None
            quant = (self.level_value * 255).astype(np.uint8)
            fg, bg = self.raw_hists
            return (
                np.bincount(quant, weights=fg, minlength=LEVELS).astype(np.int64),
                np.bincount(quant, weights=bg, minlength=LEVELS).astype(np.int64),
            )
        quant = (self.pred * 255).astype(np.uint8)
        total = np.bincount(quant.ravel(), minlength=LEVELS).astype(np.int64)
        fg = np.bincount(quant[self.gt], minlength=LEVELS).astype(np.int64)
        return fg, total - fg

    @cached_property
    def threshold_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """(TP, FP) for every threshold t = 0..255 (prediction level ≥ t), ascending t."""
        fg, bg = self.level_hists
        return np.cumsum(fg[::-1])[::-1], np.cumsum(bg[::-1])[::-1]

    @cached_property
    def mean(self) -> float:
        """Mean of the prediction."""
        if self.raw is not None:
            fg, bg = self.raw_hists
            return float(np.dot(fg + bg, self.level_value)) / self.size
        return float(self.pred.mean())

    @cached_property
    def pred_foreground(self) -> np.ndarray:
        """The prediction's foreground by the one rule (≥ 0.5 on its own scale: raw uint8 ≥ 128, no stretch)."""
        if self.raw is not None:
            return prediction_foreground(self.raw)
        return prediction_foreground(self.pred)

    def foreground_counts(self) -> tuple[int, int]:
        """(TP, FP) of ``pred_foreground`` against the reference."""
        if self.raw is not None:
            fg, bg = self.raw_hists
            level = prediction_level(PREDICTION_THRESHOLD)
            return int(fg[level:].sum()), int(bg[level:].sum())
        binary = self.pred_foreground
        tp = int(np.count_nonzero(binary & self.gt))
        return tp, int(np.count_nonzero(binary)) - tp

    def counts_where(self, *, above: float, strict: bool) -> tuple[int, int]:
        """(TP, FP) of the prediction binarised at ``pred > above`` (strict) or ``pred >= above``."""
        if self.raw is not None:
            assert self.level_value is not None
            on = self.level_value > above if strict else self.level_value >= above
            fg, bg = self.raw_hists
            return int(fg[on].sum()), int(bg[on].sum())
        binary = self.pred > above if strict else self.pred >= above
        tp = int(np.count_nonzero(binary & self.gt))
        return tp, int(np.count_nonzero(binary)) - tp


def _normalised_levels(raw: np.ndarray) -> np.ndarray:
    lo, hi, _, _ = cv2.minMaxLoc(raw)
    levels = np.arange(LEVELS, dtype=np.float64) / 255
    lo_v, hi_v = levels[int(lo)], levels[int(hi)]
    if hi_v != lo_v:
        levels = (levels - lo_v) / (hi_v - lo_v)
    return levels


def validate_pair(pred: np.ndarray, gt: np.ndarray) -> Pair:
    """Check a prediction/reference pair and prepare it; raises MetricInputError with the reason."""
    pred = _check_array("prediction", pred)
    gt = _check_array("reference", gt)
    if pred.shape != gt.shape:
        raise MetricInputError(f"prediction {pred.shape} and reference {gt.shape} differ in size")
    gt_bool = np.ascontiguousarray(_binarize_gt(gt))
    if pred.dtype == np.uint8:
        raw = np.ascontiguousarray(pred)
        return Pair(gt=gt_bool, raw=raw, level_value=_normalised_levels(raw))
    if pred.dtype == np.bool_:
        raw = pred.astype(np.uint8) * 255
        return Pair(gt=gt_bool, raw=raw, level_value=_normalised_levels(raw))
    if pred.dtype in (np.float32, np.float64):
        p64 = pred.astype(np.float64, copy=False)
        lo, hi = float(p64.min()), float(p64.max())
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise MetricInputError("prediction contains NaN or infinity")
        if lo < 0 or hi > 1:
            raise MetricInputError(f"a float prediction must lie in [0, 1], got [{lo:.4g}, {hi:.4g}]")
        return Pair(gt=gt_bool, raw=None, level_value=None, _pred=np.ascontiguousarray(p64))
    raise MetricInputError(f"prediction must be uint8 (0..255), bool or float in [0, 1], got {pred.dtype}")


def as_pair(pred: np.ndarray | Pair, gt: np.ndarray | None) -> Pair:
    """A Pair as given, or the checked pair of (pred, gt)."""
    if isinstance(pred, Pair):
        return pred
    if gt is None:
        raise MetricInputError("a reference mask is required")
    return validate_pair(pred, gt)


def f_beta_curve(precision: np.ndarray, recall: np.ndarray, beta2: float) -> np.ndarray:
    """Fβ element-wise, 0 where precision·recall is 0."""
    num = (1 + beta2) * precision * recall
    den = np.where(num == 0, 1.0, beta2 * precision + recall)
    return num / den
