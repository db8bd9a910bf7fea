"""Edge refinement inside a band: GrabCut seeded by the current mask, then a guided filter for soft alpha.

The person paints a rough band over an edge. Outside the band the current mask is
taken as certain (sure foreground / background), inside it only as a guess
(probable foreground / background); GrabCut settles the band's pixels on the image's
colours, and a guided filter (He, Sun & Tang) turns the hard cut into a soft alpha
that follows fine, hair-like structure. All work happens in the band's bounding box.
"""

from __future__ import annotations

import cv2
import numpy as np

from u2studio.core.binarize import prediction_foreground
from u2studio.core.editing.rect import Rect
from u2studio.core.editing.tools import Change, polygon_coverage


class RefineError(ValueError):
    """Refinement cannot run on this input (for example, no foreground or no background to learn from)."""


def guided_filter(guide: np.ndarray, src: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """Edge-preserving smoothing of ``src`` steered by a grey ``guide`` (both float32 H×W, 0..1).

    Box means over (2·radius + 1)² windows; ``eps`` is the regulariser (larger = smoother).
    """
    if guide.shape != src.shape:
        raise ValueError(f"guide {guide.shape} and source {src.shape} differ in size")
    size = (2 * radius + 1, 2 * radius + 1)

    def mean(a: np.ndarray) -> np.ndarray:
        return cv2.boxFilter(a, cv2.CV_32F, size, borderType=cv2.BORDER_REFLECT)

    mean_i, mean_p = mean(guide), mean(src)
    var_i = mean(guide * guide) - mean_i * mean_i
    cov_ip = mean(guide * src) - mean_i * mean_p
    a = cov_ip / (var_i + eps)
    b = mean_p - a * mean_i
    return mean(a) * guide + mean(b)


def band_from_polyline(shape: tuple[int, int], points: np.ndarray, width: float) -> np.ndarray:
    """A bool band mask: an open polyline (N×2 x, y) drawn ``width`` pixels thick."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if len(pts) < 1 or width < 1:
        raise ValueError("a band needs at least one point and a width of at least 1 pixel")
    band = np.zeros(shape, np.uint8)
    local = np.rint((pts - 0.5) * 16).astype(np.int32)
    cv2.polylines(band, [local], False, 1, thickness=max(1, int(round(width))), lineType=cv2.LINE_8, shift=4)
    for x, y in local:
        cv2.circle(band, (int(x), int(y)), int(round(width * 8)), 1, -1, cv2.LINE_8, 4)
    return band.astype(bool)


def refine_polyline_crop(
    image: np.ndarray, mask: np.ndarray, origin: tuple[int, int], points: np.ndarray, width: float, **options: object
) -> Change | None:
    """Refine along an open polyline within crops of the image and mask taken at ``origin`` (x, y) of the full
    picture: the band, GrabCut and the guided filter see only the crop (made by ``polyline_crop``), and the
    change comes back in full-picture coordinates. Safe to run off the GUI thread on copies."""
    x0, y0 = origin
    local = np.asarray(points, np.float64).reshape(-1, 2) - (x0, y0)
    change = refine_band(image, mask, band_from_polyline(mask.shape, local, width), **options)  # type: ignore[arg-type]
    if change is None:
        return None
    rect, values = change
    return rect.translate(x0, y0), values


def polyline_crop(shape: tuple[int, int], points: np.ndarray, width: float, margin: int = 16) -> Rect:
    """The box ``refine_polyline_crop`` needs: the band of ``width`` along ``points`` plus GrabCut's ``margin``."""
    pts = np.asarray(points, np.float64).reshape(-1, 2)
    reach = int(np.ceil(width / 2.0)) + 2 + margin
    x0, y0 = np.floor(pts.min(0)).astype(int) - reach
    x1, y1 = np.ceil(pts.max(0)).astype(int) + reach + 1
    return Rect(int(x0), int(y0), int(x1), int(y1)).clip(shape[1], shape[0])


def band_from_polygon(shape: tuple[int, int], points: np.ndarray) -> np.ndarray:
    """A bool band mask: the inside of a closed polygon (N×2 x, y)."""
    full = Rect.full(shape)
    return polygon_coverage(points, full, antialias=False) > 0


def refine_band(
    image: np.ndarray,
    mask: np.ndarray,
    band: np.ndarray,
    *,
    iterations: int = 4,
    margin: int = 16,
    filter_radius: int = 4,
    eps: float = 1e-3,
    seed: int = 0,
) -> Change | None:
    """Snap the mask to the image's edges inside ``band`` (bool H×W); returns the band's box and its new values.

    Pixels outside the band keep their values. ``margin`` adds context around the band for
    GrabCut's colour models; ``filter_radius`` and ``eps`` shape the guided filter's soft edge.
    """
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"refinement needs an RGB uint8 image, got {image.dtype} {image.shape}")
    if image.shape[:2] != mask.shape or band.shape != mask.shape:
        raise ValueError(f"image {image.shape[:2]}, mask {mask.shape} and band {band.shape} must match")
    band_rect = Rect.of_nonzero(band)
    if band_rect is None:
        return None
    outer = band_rect.expand(margin).clip(mask.shape[1], mask.shape[0])
    sl = outer.slices
    crop_mask, crop_band = mask[sl], band[sl].astype(bool)
    fg = prediction_foreground(crop_mask)
    gc = np.where(fg, cv2.GC_FGD, cv2.GC_BGD).astype(np.uint8)
    gc[crop_band & fg] = cv2.GC_PR_FGD
    gc[crop_band & ~fg] = cv2.GC_PR_BGD
    if not (gc == cv2.GC_FGD).any() or not (gc == cv2.GC_BGD).any():
        raise RefineError("the band's surroundings need both foreground and background to learn the colours")
    bgr = cv2.cvtColor(np.ascontiguousarray(image[sl]), cv2.COLOR_RGB2BGR)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(seed)
    cv2.grabCut(bgr, gc, None, bgd, fgd, iterations, cv2.GC_INIT_WITH_MASK)
    hard = ((gc == cv2.GC_FGD) | (gc == cv2.GC_PR_FGD)).astype(np.float32)
    guide = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY).astype(np.float32) / 255.0
    alpha = np.clip(guided_filter(guide, hard, filter_radius, eps), 0.0, 1.0)
    soft = np.rint(alpha * 255.0).astype(np.uint8)
    new = np.where(crop_band, soft, crop_mask)
    inner = band_rect.translate(-outer.x0, -outer.y0).slices
    return band_rect, np.ascontiguousarray(new[inner])
