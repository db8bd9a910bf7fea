"""Incremental boundary / relaxed-zone overlay and relaxed-F counts: recompute only around a dirty box.

A pixel of the relaxed comparison depends on the mask within ρ + 1 pixels (3×3 erosion
for the boundary, then a disk of radius ρ for the zone). So a change inside box R
changes the overlay only inside R grown by ρ + 1, and that part is computed exactly
from a crop grown by another ρ + 1 (clipped at the image's edges, where the crop's
edge is the image's edge and behaves the same as in a full computation).
"""

from __future__ import annotations

import cv2
import numpy as np

from u2studio.core.boundary import (
    MATCHED_RGBA,
    MISSED_RGBA,
    UNMATCHED_RGBA,
    ZONE_RGBA,
    f_beta,
    match_boundaries,
)
from u2studio.core.editing.rect import Rect

PRED_EDGE, GT_EDGE, GT_ZONE, PRED_ZONE = 1, 2, 4, 8


HISTOGRAM_CHUNK = 1 << 22
"""Pixels per calcHist call: its float32 counts stay exact below 2**24."""


def code_histogram(codes: np.ndarray) -> np.ndarray:
    """How many pixels carry each of the 16 bit codes (int64), exact at any size.

    OpenCV counts in bands of rows with the GIL released; ``np.bincount`` held it for 33 ms over a
    24-MP picture, and the brush on the GUI thread waited for it.
    """
    if codes.dtype != np.uint8 or codes.ndim != 2:
        return np.bincount(codes.ravel(), minlength=16)[:16].astype(np.int64)
    total = np.zeros(16, np.int64)
    rows = max(1, HISTOGRAM_CHUNK // max(1, codes.shape[1]))
    for top in range(0, codes.shape[0], rows):
        band = codes[top : top + rows]
        if band.size:
            total += cv2.calcHist([band], [0], None, [16], [0, 16]).ravel().astype(np.int64)
    return total


def _palette() -> np.ndarray:
    """RGBA for each of the 16 bit codes, with relaxed_zone_overlay's drawing order."""
    lut = np.zeros((16, 4), np.uint8)
    for code in range(16):
        if code & PRED_EDGE:
            lut[code] = MATCHED_RGBA if code & GT_ZONE else UNMATCHED_RGBA
        elif code & GT_EDGE and not code & PRED_ZONE:
            lut[code] = MISSED_RGBA
        elif code & GT_ZONE:
            lut[code] = ZONE_RGBA
    return lut


PALETTE = _palette()


def comparison_codes(mask: np.ndarray, reference: np.ndarray, rho: int) -> np.ndarray:
    """Per-pixel bit codes (PRED_EDGE | GT_EDGE | GT_ZONE | PRED_ZONE) of match_boundaries(mask, reference, ρ)."""
    m = match_boundaries(mask, reference, rho)
    return (m.pred_edge * PRED_EDGE | m.gt_edge * GT_EDGE | m.gt_zone * GT_ZONE | m.pred_zone * PRED_ZONE).astype(np.uint8)


class RelaxedOverlay:
    """The relaxed-zone picture (H×W×4 RGBA) of an edited mask against a fixed reference, kept up to date per dirty box.

    ``rgba`` is the picture, equal to boundary.relaxed_zone_overlay(mask, reference, ρ)
    after every ``update``; ``scores()`` gives (relaxed F, precision, recall) from counts
    kept incrementally.
    """

    def __init__(self, mask: np.ndarray, reference: np.ndarray, rho: int = 3) -> None:
        if mask.shape != reference.shape:
            raise ValueError(f"mask {mask.shape} and reference {reference.shape} differ in size")
        if rho < 0:
            raise ValueError(f"ρ must be non-negative, got {rho}")
        self.reference = reference
        self.rho = int(rho)
        self.codes = comparison_codes(mask, reference, self.rho)
        self.rgba = PALETTE[self.codes]
        self._counts = self._count(self.codes)

    @property
    def margin(self) -> int:
        """How far a change reaches: ρ + 1."""
        return self.rho + 1

    @staticmethod
    def _count(codes: np.ndarray) -> np.ndarray:
        """[predicted edge, reference edge, predicted-in-zone, reference-reached] pixel counts."""
        hist = code_histogram(codes)
        idx = np.arange(16)
        return np.array(
            [
                hist[(idx & PRED_EDGE) > 0].sum(),
                hist[(idx & GT_EDGE) > 0].sum(),
                hist[((idx & PRED_EDGE) > 0) & ((idx & GT_ZONE) > 0)].sum(),
                hist[((idx & GT_EDGE) > 0) & ((idx & PRED_ZONE) > 0)].sum(),
            ],
            np.int64,
        )

    def update(self, mask: np.ndarray, dirty: Rect) -> Rect:
        """Recompute after ``mask`` changed inside ``dirty``; returns the box of the picture that may have changed."""
        height, width = self.codes.shape
        affected = dirty.expand(self.margin).clip(width, height)
        if affected.is_empty:
            return affected
        crop = affected.expand(self.margin).clip(width, height)
        inner = affected.translate(-crop.x0, -crop.y0).slices
        codes = comparison_codes(mask[crop.slices], self.reference[crop.slices], self.rho)[inner]
        sl = affected.slices
        self._counts += self._count(codes) - self._count(self.codes[sl])
        self.codes[sl] = codes
        self.rgba[sl] = PALETTE[codes]
        return affected

    def scores(self) -> tuple[float, float, float]:
        """(relaxed Fβ, precision, recall) of the current mask, as boundary.relaxed_f computes them."""
        pred, gt, pred_hit, gt_hit = (int(v) for v in self._counts)
        precision = (1.0 if gt == 0 else 0.0) if pred == 0 else pred_hit / pred
        recall = (1.0 if pred == 0 else 0.0) if gt == 0 else gt_hit / gt
        return f_beta(precision, recall), precision, recall
