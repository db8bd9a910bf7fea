"""Weighted Fβ (Margolin et al., CVPR 2014) as PySODMetrics computes it, with NumPy and OpenCV.

Errors of background pixels are replaced by the error at their nearest object
pixel, smoothed with MATLAB's ``fspecial('gaussian', 7, 5)``, and the smoothed
error may lower the error of object pixels; background errors are weighted by
``2 - exp(log(0.5) / 5 · distance to the object)``.

Only object pixels read the smoothed map, and a 7×7 window around them reaches
background pixels at most 3 px away, whose nearest object pixel lies within
3·√2 px: the nearest-pixel search and the smoothing run in that band and in the
object's bounding box, never over the whole image.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import cv2
import numpy as np

from u2studio.core.metrics._input import EPS, Pair
from u2studio.core.metrics.base import Metric, mean_of

_HALF = 3  # half the 7×7 Gaussian window
_REACH = 4  # nearest object pixel of a band pixel: |dy|, |dx| ≤ 4 (distance ≤ 3·√2)


def _gauss7() -> np.ndarray:
    """The 1-D factor of MATLAB's fspecial('gaussian', 7, 5), normalised."""
    x = np.arange(-_HALF, _HALF + 1, dtype=np.float64)
    g = np.exp(-(x * x) / (2 * 5.0 * 5.0))
    return g / g.sum()


_G7 = _gauss7()


@lru_cache(maxsize=1)
def _search_order() -> tuple[tuple[int, int], ...]:
    """Offsets (dy, dx) within reach, nearest first; equal distances: leftmost column, then upper row.

    This is how the Euclidean feature transform of MATLAB's bwdist / SciPy's
    ``distance_transform_edt`` (which PySODMetrics calls) resolves ties.
    """
    r = range(-_REACH, _REACH + 1)
    within = [(dy, dx) for dy in r for dx in r if dy * dy + dx * dx <= 2 * _HALF * _HALF]
    return tuple(sorted(within, key=lambda o: (o[0] * o[0] + o[1] * o[1], o[1], o[0])))


def _band_nearest(gt8: np.ndarray, rows: slice, cols: slice) -> tuple[np.ndarray, np.ndarray]:
    """Flat indices (within the crop) of background pixels within 3 px of the object, and of their nearest object pixel."""
    crop = gt8[rows, cols]
    h, w = crop.shape
    band = cv2.dilate(crop, np.ones((2 * _HALF + 1, 2 * _HALF + 1), np.uint8), borderValue=0)
    band = cv2.subtract(band, crop)
    idx = np.flatnonzero(band)
    stride = w + 2 * _REACH
    padded = np.zeros((h + 2 * _REACH, stride), np.uint8)
    padded[_REACH:-_REACH, _REACH:-_REACH] = crop
    flat_pad = padded.ravel()
    ys, xs = np.divmod(idx, w)
    base = (ys + _REACH) * stride + xs + _REACH
    nearest = np.empty_like(idx)
    todo = np.arange(idx.size)
    for dy, dx in _search_order():
        hit = flat_pad[base[todo] + (dy * stride + dx)].view(bool)
        found = todo[hit]
        nearest[found] = idx[found] + (dy * w + dx)
        todo = todo[~hit]
        if todo.size == 0:
            break
    return idx, nearest


def weighted_f(pair: Pair, beta: float = 1.0) -> float:
    """Weighted Fβ^w: errors spread to their nearest object pixel and weighted by distance."""
    if pair.fg_count == 0:
        return 0.0
    gt, gt8, pred = pair.gt, pair.gt_u8, pair.pred
    h, w = gt.shape
    x, y, bw, bh = cv2.boundingRect(gt8)
    rows = slice(max(y - _HALF, 0), min(y + bh + _HALF, h))
    cols = slice(max(x - _HALF, 0), min(x + bw + _HALF, w))
    # error map in the object's box: 1 - pred on the object, pred[nearest object pixel] spread onto the band
    gt_c, pred_c = gt[rows, cols], pred[rows, cols]
    err_c = np.where(gt_c, 1.0 - pred_c, pred_c)
    spread = err_c.copy()
    band, nearest = _band_nearest(gt8, rows, cols)
    spread.ravel()[band] = err_c.ravel()[nearest]
    smooth = cv2.sepFilter2D(spread, cv2.CV_64F, _G7, _G7, borderType=cv2.BORDER_CONSTANT)
    np.minimum(smooth, err_c, out=smooth)
    fg_err = float(smooth[gt_c].sum())
    # background: prediction weighted by 2 - 0.5^(distance / 5), exact Euclidean distances
    dist = cv2.distanceTransform((~gt).view(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    d = dist.astype(np.float64)
    np.multiply(d, d, out=d)
    np.rint(d, out=d)
    np.sqrt(d, out=d)  # exact: squared distances are integers
    np.multiply(d, np.log(0.5) / 5, out=d)
    np.exp(d, out=d)
    np.subtract(2.0, d, out=d)
    fp = float(np.dot(pred.ravel(), d.ravel())) - float(np.dot(pred_c[gt_c], d[rows, cols][gt_c]))
    tp = pair.fg_count - fg_err
    recall = 1 - fg_err / pair.fg_count
    precision = tp / (tp + fp + EPS)
    return (1 + beta) * recall * precision / (recall + beta * precision + EPS)


class WeightedFmeasure(Metric):
    """Weighted F-measure averaged over images (key ``wF``); 0 for an empty reference."""

    def __init__(self, beta: float = 1.0) -> None:
        self.beta = beta
        self.values: list[float] = []

    def add(self, pair: Pair) -> None:
        """Score one pair."""
        self.values.append(weighted_f(pair, self.beta))

    def results(self) -> dict[str, Any]:
        """``{"wF": mean}``."""
        return {"wF": mean_of(self.values)}
