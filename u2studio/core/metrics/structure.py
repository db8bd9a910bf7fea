"""Structure measure (S-measure, Fan et al. 2017): object-aware and region-aware similarity."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from u2studio.core.metrics._input import EPS, Pair
from u2studio.core.metrics.base import Metric, mean_of


def _score_from_moments(mean: float, var: float) -> float:
    std = float(np.sqrt(max(var, 0.0)))
    return 2 * mean / (mean * mean + 1 + std + EPS)


def _object_score(values: np.ndarray) -> float:
    mean = float(values.mean())
    std = float(values.std(ddof=1)) if values.size > 1 else 0.0
    return 2 * mean / (mean * mean + 1 + std + EPS)


def _hist_moments(counts: np.ndarray, levels: np.ndarray) -> tuple[int, float, float]:
    """(n, mean, sum of squared deviations) of the values ``levels`` taken ``counts`` times."""
    n = int(counts.sum())
    if n == 0:
        return 0, 0.0, 0.0
    used = np.flatnonzero(counts)
    # one level only: its value exactly, so a constant block has zero deviations as in the pixel-wise sums
    mean = float(levels[used[0]]) if used.size == 1 else float(np.dot(counts, levels)) / n
    dev = levels - mean
    return n, mean, float(np.dot(counts, dev * dev))


def _ssim_from(n: int, fg: int, x: float, sxx: float, sdx: float, sdx_fg: float) -> float:
    """Region similarity of one block from its moments.

    ``x`` is the block's mean prediction, ``sxx`` the sum of squared deviations,
    ``sdx`` the sum of deviations and ``sdx_fg`` that sum over reference pixels.
    """
    y = fg / n
    sigma_x = sxx / (n - 1 + EPS)
    sigma_y = (fg * (1 - y) ** 2 + (n - fg) * y * y) / (n - 1 + EPS)
    if fg in (0, n):
        sigma_y, sigma_xy = 0.0, 0.0
    else:
        sigma_xy = sdx_fg / (n - 1 + EPS) - y * sdx / (n - 1 + EPS)
    alpha = 4 * x * y * sigma_xy
    beta = (x * x + y * y) * (sigma_x + sigma_y)
    if alpha != 0:
        return alpha / (beta + EPS)
    return 1.0 if beta == 0 else 0.0


def _ssim(pred: np.ndarray, gt: np.ndarray) -> float:
    x = float(pred.mean())
    dx = pred - x
    fg = int(np.count_nonzero(gt))
    return _ssim_from(pred.size, fg, x, float(np.dot(dx.ravel(), dx.ravel())), float(dx.sum()), float(dx[gt].sum()))


def _ssim_hist(pair: Pair, rows: slice, cols: slice) -> float:
    """_ssim of one block of a uint8 prediction, from the block's two 256-bin histograms."""
    assert pair.raw is not None and pair.level_value is not None
    raw = pair.raw[rows, cols]
    total = cv2.calcHist([raw], [0], None, [256], [0, 256]).ravel()
    fg = cv2.calcHist([raw], [0], pair.gt_u8[rows, cols], [256], [0, 256]).ravel()
    n, x, sxx = _hist_moments(total, pair.level_value)
    n_fg = int(fg.sum())
    used = np.flatnonzero(total)
    if used.size == 1 and n_fg in (0, n):
        # A constant block against a uniform reference scores 1 only when its float mean equals its value
        # exactly, which depends on the rounding of the pixel-wise mean; reproduce that mean (rare case).
        value = float(pair.level_value[used[0]])
        x = float(np.full(pair.raw.shape, value)[rows, cols].mean())
        sxx = n * (value - x) ** 2
    dev = pair.level_value - x
    return _ssim_from(n, n_fg, x, sxx, float(np.dot(total, dev)), float(np.dot(fg, dev)))


def _object_part(pair: Pair) -> float:
    """The object-aware score: foreground and background object scores weighted by their areas."""
    y = pair.fg_count / pair.size
    if pair.raw is None:
        return _object_score(pair.pred[pair.gt]) * y + _object_score(1 - pair.pred[~pair.gt]) * (1 - y)
    assert pair.level_value is not None
    fg, bg = pair.raw_hists
    n_f, m_f, s_f = _hist_moments(fg, pair.level_value)
    n_b, m_b, s_b = _hist_moments(bg, pair.level_value)
    var_f = s_f / (n_f - 1) if n_f > 1 else 0.0
    var_b = s_b / (n_b - 1) if n_b > 1 else 0.0
    return _score_from_moments(m_f, var_f) * y + _score_from_moments(1 - m_b, var_b) * (1 - y)


def s_measure(pair: Pair, alpha: float = 0.5) -> float:
    """Structure measure: object-aware and region-aware similarity mixed with weight ``alpha``.

    For uint8 predictions every sum comes from 256-bin histograms of the raw
    levels (whole image and the four blocks), never from float copies.
    """
    gt = pair.gt
    if pair.fg_count == 0:
        return 1 - pair.mean
    if pair.fg_count == pair.size:
        return pair.mean
    obj = _object_part(pair)
    h, w = gt.shape
    m = cv2.moments(pair.gt_u8, binaryImage=True)
    cy = int(np.round(m["m01"] / m["m00"])) + 1
    cx = int(np.round(m["m10"] / m["m00"])) + 1
    area = h * w
    w_lt = cx * cy / area
    w_rt = cy * (w - cx) / area
    w_lb = (h - cy) * cx / area
    w_rb = 1 - w_lt - w_rt - w_lb
    region = 0.0
    for weight, rows, cols in (
        (w_lt, slice(0, cy), slice(0, cx)),
        (w_rt, slice(0, cy), slice(cx, w)),
        (w_lb, slice(cy, h), slice(0, cx)),
        (w_rb, slice(cy, h), slice(cx, w)),
    ):
        if gt[rows, cols].size == 0:
            continue
        if pair.raw is not None:
            region += _ssim_hist(pair, rows, cols) * weight
        else:
            region += _ssim(pair.pred[rows, cols], gt[rows, cols]) * weight
    return max(0.0, alpha * obj + (1 - alpha) * region)


class Smeasure(Metric):
    """S-measure averaged over images (key ``Sm``)."""

    def __init__(self, alpha: float = 0.5) -> None:
        self.alpha = alpha
        self.values: list[float] = []

    def add(self, pair: Pair) -> None:
        """Score one pair."""
        self.values.append(s_measure(pair, self.alpha))

    def results(self) -> dict[str, Any]:
        """``{"Sm": mean}``."""
        return {"Sm": mean_of(self.values)}
