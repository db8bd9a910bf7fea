"""Human Correction Effort (Qin et al., ECCV 2022, DIS): polygon points plus regions a person would fix.

False positives/negatives are relaxed by eroding the union of prediction and
reference ``relax`` times with a 3×3 cross and growing the remainder back inside
the error; the reference skeleton keeps thin structures. Each error boundary is
cut where it touches correct pixels; every run is approximated by
Ramer–Douglas–Peucker (tolerance ``epsilon``) and its vertices counted; error
regions with no such boundary count one click each.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from u2studio.core.metrics._input import Pair
from u2studio.core.metrics.base import Metric, mean_of
from u2studio.core.metrics.skeleton import skeletonize

_CROSS = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))


def _grow_within(seed: np.ndarray, allowed: np.ndarray, times: int) -> np.ndarray:
    out = seed.astype(np.uint8)
    allowed8 = allowed.view(np.uint8)
    for _ in range(times):
        out = cv2.dilate(out, _CROSS) & allowed8
    return out.view(bool)


def _runs_and_regions(mask: np.ndarray, condition: np.ndarray) -> tuple[list[np.ndarray], int]:
    """Boundary runs of ``mask`` that touch ``condition``, and the count of regions with none."""
    mask8 = mask.view(np.uint8)
    contours, _ = cv2.findContours(mask8, cv2.RETR_TREE, cv2.CHAIN_APPROX_NONE)
    n_labels, labels = cv2.connectedComponents(mask8, connectivity=8)
    if not contours:
        return [], n_labels - 1
    near = cv2.dilate(condition.view(np.uint8), _CROSS).view(bool)
    lengths = [len(c) for c in contours]
    pts = np.concatenate(contours).reshape(-1, 2)  # (x, y)
    flat = pts[:, 1].astype(np.int64) * mask.shape[1] + pts[:, 0]
    first = np.zeros(len(flat), bool)
    _, first_idx = np.unique(flat, return_index=True)
    first[first_idx] = True
    keep = near.ravel()[flat] & first
    touched = np.zeros(n_labels, bool)
    touched[labels.ravel()[flat[keep]]] = True
    independent = int(n_labels - 1 - np.count_nonzero(touched[1:]))
    runs: list[np.ndarray] = []
    start = 0
    for length in lengths:
        k = keep[start : start + length]
        p = pts[start : start + length]
        start += length
        if not k.any():
            continue
        edges = np.diff(np.concatenate([[0], k.astype(np.int8), [0]]))
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        segs = [p[a:b] for a, b in zip(starts, ends)]
        if len(segs) > 1:
            d = np.abs(segs[0][0] - segs[-1][-1])
            if d.max() == 1:
                segs[-1] = np.concatenate([segs[-1], segs[0][::-1]])
                segs = segs[1:]
        runs.extend(segs)
    return runs, independent


def _points(runs: list[np.ndarray], epsilon: float) -> int:
    return sum(len(cv2.approxPolyDP(r.reshape(-1, 1, 2).astype(np.int32), epsilon, False)) for r in runs)


def hce(pair: Pair, relax: int = 5, epsilon: float = 2.0) -> float:
    """Human correction effort of one pair; prediction binarised by the one rule (Pair.pred_foreground). 0 for a perfect mask."""
    gt = pair.gt
    pred = pair.pred_foreground
    tp = gt & pred
    fp = pred & ~gt
    fn = gt & ~pred
    if not fp.any() and not fn.any():
        return 0.0
    union = (gt | pred).view(np.uint8)
    core = cv2.erode(union, _CROSS, iterations=relax).view(bool)
    fp_relaxed = fp & _grow_within(fp & core, ~gt, relax)
    fn_relaxed = fn & _grow_within(fn & core, ~pred, relax)
    fn_relaxed |= skeletonize(gt) & ~tp
    fp_runs, fp_regions = _runs_and_regions(np.ascontiguousarray(fp_relaxed), tp | fn_relaxed)
    fn_runs, fn_regions = _runs_and_regions(np.ascontiguousarray(fn_relaxed), ~(tp | fp_relaxed | fn_relaxed))
    return float(_points(fp_runs, epsilon) + fp_regions + _points(fn_runs, epsilon) + fn_regions)


class HCE(Metric):
    """Human correction effort averaged over images (key ``HCE``; lower is better)."""

    def __init__(self, relax: int = 5, epsilon: float = 2.0) -> None:
        self.relax = relax
        self.epsilon = epsilon
        self.values: list[float] = []

    def add(self, pair: Pair) -> None:
        """Score one pair."""
        self.values.append(hce(pair, self.relax, self.epsilon))

    def results(self) -> dict[str, Any]:
        """``{"HCE": mean}``."""
        return {"HCE": mean_of(self.values)}
