"""Boundaries, relaxed zones and the relaxed boundary F-measure (BASNet, seed 000).

A boundary is XOR(mask, erode(mask)) of the binarised mask (u2studio.core.binarize: the prediction
at ≥ 0.5, the reference at > 128 of 255); the relaxed
zone of a boundary is its dilation by a disk of radius ρ. The picture colours
predicted boundary pixels inside the reference's zone green, those outside red,
and reference boundary pixels that no predicted boundary reaches blue.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from u2studio.core.binarize import prediction_foreground, reference_foreground

BETA2 = 0.3
ZONE_RGBA = (255, 200, 0, 70)
MATCHED_RGBA = (40, 220, 70, 255)
UNMATCHED_RGBA = (235, 40, 40, 255)
MISSED_RGBA = (40, 140, 255, 255)
_CROSS = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))


@lru_cache(maxsize=32)
def disk(radius: int) -> np.ndarray:
    """A disk-shaped structuring element of the given radius (radius 0 is a single pixel)."""
    yy, xx = np.mgrid[-radius : radius + 1, -radius : radius + 1]
    return ((xx * xx + yy * yy) <= radius * radius).astype(np.uint8)


def boundary(binary: np.ndarray) -> np.ndarray:
    """The one-pixel inner contour of a 0/1 mask: XOR(mask, erode(mask)) with a 3×3 cross.

    Pixels outside the image count as foreground, as in scikit-image's binary
    erosion: the frame's edge is where the photo stops, not an object boundary.
    """
    eroded = cv2.erode(binary, _CROSS, borderType=cv2.BORDER_CONSTANT, borderValue=1)
    return binary ^ eroded


def relaxed_zone(edge: np.ndarray, rho: int) -> np.ndarray:
    """The boundary dilated by a disk of radius ρ."""
    if rho <= 0:
        return edge
    return cv2.dilate(edge, disk(int(rho)), borderType=cv2.BORDER_CONSTANT, borderValue=0)


@dataclass(frozen=True)
class BoundaryMatch:
    """The pieces of one relaxed comparison: boundaries, zones, and the matched pixels."""

    pred_edge: np.ndarray
    gt_edge: np.ndarray
    gt_zone: np.ndarray
    pred_zone: np.ndarray

    @property
    def precision(self) -> float:
        """Share of predicted boundary pixels within ρ of the reference boundary."""
        total = int(self.pred_edge.sum())
        if total == 0:
            return 1.0 if int(self.gt_edge.sum()) == 0 else 0.0
        return float(np.count_nonzero(self.pred_edge & self.gt_zone)) / total

    @property
    def recall(self) -> float:
        """Share of reference boundary pixels within ρ of the predicted boundary."""
        total = int(self.gt_edge.sum())
        if total == 0:
            return 1.0 if int(self.pred_edge.sum()) == 0 else 0.0
        return float(np.count_nonzero(self.gt_edge & self.pred_zone)) / total

    @property
    def f_measure(self) -> float:
        """Relaxed boundary Fβ with β² = 0.3."""
        return f_beta(self.precision, self.recall)


def f_beta(precision: float, recall: float, beta2: float = BETA2) -> float:
    """Fβ from precision and recall (0 when both are 0)."""
    denom = beta2 * precision + recall
    return 0.0 if denom <= 0 else (1 + beta2) * precision * recall / denom


def match_boundaries(pred: np.ndarray, gt: np.ndarray, rho: int = 3) -> BoundaryMatch:
    """Compare a prediction (or edited mask) with a reference of the same size at slack ρ."""
    if pred.shape[:2] != gt.shape[:2]:
        raise ValueError(f"prediction {pred.shape[:2]} and reference {gt.shape[:2]} differ in size")
    pred_bin = prediction_foreground(pred).astype(np.uint8)
    gt_bin = reference_foreground(gt).astype(np.uint8)
    pred_edge, gt_edge = boundary(pred_bin), boundary(gt_bin)
    return BoundaryMatch(pred_edge, gt_edge, relaxed_zone(gt_edge, rho), relaxed_zone(pred_edge, rho))


def relaxed_f(pred: np.ndarray, gt: np.ndarray, rho: int = 3) -> tuple[float, float, float]:
    """(relaxed Fβ, precision, recall) of one prediction against one reference."""
    m = match_boundaries(pred, gt, rho)
    p, r = m.precision, m.recall
    return f_beta(p, r), p, r


def relaxed_zone_overlay(pred: np.ndarray, reference: np.ndarray, rho: int = 3) -> np.ndarray:
    """An H×W×4 RGBA picture of the relaxed comparison, transparent where nothing is drawn."""
    m = match_boundaries(pred, reference, rho)
    out = np.zeros((*m.gt_edge.shape, 4), np.uint8)
    out[m.gt_zone.astype(bool)] = ZONE_RGBA
    missed = m.gt_edge.astype(bool) & ~m.pred_zone.astype(bool)
    out[missed] = MISSED_RGBA
    inside = m.pred_edge.astype(bool) & m.gt_zone.astype(bool)
    out[inside] = MATCHED_RGBA
    out[m.pred_edge.astype(bool) & ~inside] = UNMATCHED_RGBA
    return out
