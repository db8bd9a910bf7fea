"""RGBA pictures the canvas layers over an image: mask tint, cutout, mask alone, contour. No Qt.

OpenCV (through the boundary module) is imported on first use, to keep the
studio's start-up short.
"""

from __future__ import annotations

import numpy as np

TINT_RGB = (190, 60, 255)  # violet: unlike skin, sky, foliage and the relaxed-zone colours
CONTOUR_RGB = (0, 230, 255)


def tint_rgba(mask: np.ndarray, opacity: float, color: tuple[int, int, int] = TINT_RGB) -> np.ndarray:
    """A coloured layer whose alpha is the mask scaled by ``opacity`` in [0, 1]."""
    out = np.empty((*mask.shape, 4), np.uint8)
    out[..., :3] = color
    out[..., 3] = (mask.astype(np.uint16) * int(round(opacity * 255)) // 255).astype(np.uint8)
    return out


def reduce_area(values: np.ndarray, factor: int) -> np.ndarray:
    """``values`` (H×W or H×W×C uint8) shrunk ``factor`` times by block means, sizes rounded up: what a box-filtered
    pyramid level of it shows (a brush dab is drawn at the level on screen without its full-resolution picture)."""
    if factor <= 1:
        return values
    import cv2

    height, width = values.shape[:2]
    return cv2.resize(values, (-(-width // factor), -(-height // factor)), interpolation=cv2.INTER_AREA)


def cutout_rgba(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The image's colours with the mask as alpha, shown over a checkerboard."""
    return np.dstack([rgb, mask])


def mask_rgba(mask: np.ndarray) -> np.ndarray:
    """The mask alone as an opaque grey picture."""
    out = np.empty((*mask.shape, 4), np.uint8)
    out[..., :3] = mask[..., None]
    out[..., 3] = 255
    return out


def contour_rgba(mask: np.ndarray, color: tuple[int, int, int] = CONTOUR_RGB) -> np.ndarray:
    """The one-pixel boundary of the mask (binarised as a prediction, ≥ 0.5), opaque on a transparent layer."""
    from u2studio.core.binarize import prediction_foreground
    from u2studio.core.boundary import boundary

    edge = boundary(prediction_foreground(mask).astype(np.uint8)).astype(bool)
    out = np.zeros((*mask.shape, 4), np.uint8)
    out[edge] = (*color, 255)
    return out


def gray_rgba(prob: np.ndarray) -> np.ndarray:
    """A map (float in [0, 1], or its uint8 0..255 form) of a side output as an opaque grey picture."""
    values = prob if prob.dtype == np.uint8 else np.clip(prob * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return mask_rgba(values)


def relaxed_zone_picture(tested: np.ndarray, reference: np.ndarray, rho: int) -> np.ndarray:
    """The relaxed boundary comparison of two masks (green matched, red unmatched, blue missed)."""
    from u2studio.core.boundary import relaxed_zone_overlay

    return relaxed_zone_overlay(tested, reference, rho)


def reduced_rgb(rgb: np.ndarray, max_side: int) -> np.ndarray:
    """``rgb`` box-filtered by the smallest power of two that brings its longer side to ``max_side`` or less
    (the photo itself when it already fits): a quick stand-in at the size a fitted view draws."""
    height, width = rgb.shape[:2]
    factor = 1
    while max(width, height) / factor > max_side:
        factor *= 2
    if factor == 1:
        return rgb
    import cv2

    size = (max(1, -(-width // factor)), max(1, -(-height // factor)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
