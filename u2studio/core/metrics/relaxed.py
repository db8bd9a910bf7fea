"""Relaxed boundary Fβ (BASNet) as an accumulating metric, built on u2studio.core.boundary."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from u2studio.core.binarize import PREDICTION_THRESHOLD, prediction_level
from u2studio.core.boundary import disk, f_beta
from u2studio.core.metrics._input import Pair
from u2studio.core.metrics.base import Metric, mean_of


_CROSS = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))


class Scratch:
    """Reusable full-size uint8 buffers, so repeated calls write into the same memory.

    Fresh megabyte-sized temporaries cost page faults on every call once the
    allocator hands memory back to the system; views of these buffers do not.
    """

    def __init__(self) -> None:
        self.shape: tuple[int, ...] = ()
        self.buffers: list[np.ndarray] = []

    def views(self, shape: tuple[int, int], rows: slice, cols: slice, count: int) -> list[np.ndarray]:
        """``count`` buffers of the full ``shape``, each cut to ``[rows, cols]``."""
        if self.shape != shape or len(self.buffers) < count:
            self.shape, self.buffers = shape, [np.empty(shape, np.uint8) for _ in range(count)]
        return [buf[rows, cols] for buf in self.buffers[:count]]


def _edge(binary: np.ndarray, out: np.ndarray) -> np.ndarray:
    """u2studio.core.boundary.boundary written into ``out``: XOR(mask, erode(mask)), outside counting as foreground."""
    cv2.erode(binary, _CROSS, dst=out, borderType=cv2.BORDER_CONSTANT, borderValue=1)
    return cv2.bitwise_xor(binary, out, dst=out)


def relaxed_scores(pair: Pair, rho: int, scratch: Scratch | None = None) -> tuple[float, float, float]:
    """(F, precision, recall) of the pair's boundaries at slack ρ.

    Both masks are binarised by u2studio.core.binarize (prediction ≥ 0.5 on its
    own scale, reference > 128), as u2studio.core.boundary does, so these
    numbers equal the studio's panel and overlay.
    Work is confined to the bounding box of both masks plus one pixel (found
    from row and column maxima, without full-size temporaries): every boundary
    pixel lies inside it, so the zones there are exact.
    """
    box = _union_box(pair)
    if box is None:
        return f_beta(1.0, 1.0), 1.0, 1.0
    rows, cols = box
    binary, pred_edge, gt_edge, work = (scratch or Scratch()).views(pair.gt.shape, rows, cols, 4)
    _edge(_binary_pred(pair, rows, cols, binary), pred_edge)
    _edge(pair.gt_u8[rows, cols], gt_edge)
    n_pred, n_gt = cv2.countNonZero(pred_edge), cv2.countNonZero(gt_edge)
    if n_pred == 0 or n_gt == 0:
        p = r = 1.0 if n_pred == n_gt else 0.0
        return f_beta(p, r), p, r
    p = cv2.countNonZero(cv2.bitwise_and(pred_edge, _zone(gt_edge, rho, work), dst=work)) / n_pred
    r = cv2.countNonZero(cv2.bitwise_and(gt_edge, _zone(pred_edge, rho, work), dst=work)) / n_gt
    return f_beta(p, r), p, r


def _zone(edge: np.ndarray, rho: int, out: np.ndarray) -> np.ndarray:
    """u2studio.core.boundary.relaxed_zone written into ``out``."""
    if rho <= 0:
        return edge
    return cv2.dilate(edge, disk(rho), dst=out, borderType=cv2.BORDER_CONSTANT, borderValue=0)


def _span(on: np.ndarray, size: int) -> tuple[int, int] | None:
    idx = np.flatnonzero(on)
    return None if idx.size == 0 else (max(int(idx[0]) - 1, 0), min(int(idx[-1]) + 2, size))


def _union_box(pair: Pair) -> tuple[slice, slice] | None:
    """Rows and columns of the bounding box of both binary masks, grown by one pixel; None if both are empty."""
    h, w = pair.gt.shape
    if pair.raw is not None:
        src, level = pair.raw, prediction_level()
    else:
        src, level = pair.pred, PREDICTION_THRESHOLD
    gt_u8 = pair.gt_u8
    row_on = (src.max(axis=1) >= level) | (gt_u8.max(axis=1) > 0)
    col_on = (src.max(axis=0) >= level) | (gt_u8.max(axis=0) > 0)
    ys, xs = _span(row_on, h), _span(col_on, w)
    if ys is None or xs is None:
        return None
    return slice(*ys), slice(*xs)


def _binary_pred(pair: Pair, rows: slice, cols: slice, out: np.ndarray) -> np.ndarray:
    """The prediction in the box as a 0/1 uint8 map by the one rule (u2studio.core.binarize; raw uint8 ≥ 128, float ≥ 0.5)."""
    if pair.raw is None:
        np.greater_equal(pair.pred[rows, cols], PREDICTION_THRESHOLD, out=out.view(bool))
        return out
    return cv2.threshold(pair.raw[rows, cols], prediction_level() - 1, 1, cv2.THRESH_BINARY, dst=out)[1]


class RelaxedBoundaryF(Metric):
    """Relaxed boundary Fβ (β² = 0.3) at slack ``rho``: ``relaxF`` plus per-image ``precision``/``recall``."""

    def __init__(self, rho: int = 3) -> None:
        if rho < 0:
            raise ValueError(f"rho must be ≥ 0, got {rho}")
        self.rho = int(rho)
        self.scratch = Scratch()
        self.fs: list[float] = []
        self.precision: list[float] = []
        self.recall: list[float] = []

    def add(self, pair: Pair) -> None:
        """Score one pair."""
        f, p, r = relaxed_scores(pair, self.rho, self.scratch)
        self.fs.append(f)
        self.precision.append(p)
        self.recall.append(r)

    def results(self) -> dict[str, Any]:
        """relaxF (mean over images), and the per-image precision and recall lists."""
        return {"relaxF": mean_of(self.fs), "precision": list(self.precision), "recall": list(self.recall)}
