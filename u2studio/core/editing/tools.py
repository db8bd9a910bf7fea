"""Region tools as pure functions: each returns (box, new values of the box) and leaves the mask alone.

Coordinates follow brush.py: pixel (c, r) has its centre at (c + 0.5, r + 0.5).
"""

from __future__ import annotations

from enum import Enum

import cv2
import numpy as np

from u2studio.core.boundary import disk
from u2studio.core.editing.rect import Rect

Change = tuple[Rect, np.ndarray]
_SHIFT = 4  # fillPoly sub-pixel bits


class FloodSource(str, Enum):
    """What a flood fill compares: the image's colours or the mask's values."""

    IMAGE = "image"
    MASK = "mask"


def region_rect(mask: np.ndarray, region: Rect | None) -> Rect:
    """The part of the mask a tool works on: ``region`` clipped to the mask, or all of it."""
    full = Rect.full(mask.shape)
    rect = full if region is None else region.clip(full.width, full.height)
    if rect.is_empty:
        raise ValueError(f"the region {region} lies outside the {full.width}x{full.height} mask")
    return rect


def polygon_coverage(points: np.ndarray, rect: Rect, antialias: bool = True) -> np.ndarray:
    """A uint8 0..255 raster of a filled polygon over the pixels of ``rect``."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    local = (pts - [rect.x0 + 0.5, rect.y0 + 0.5]) * (1 << _SHIFT)
    canvas = np.zeros((rect.height, rect.width), np.uint8)
    line = cv2.LINE_AA if antialias else cv2.LINE_8
    cv2.fillPoly(canvas, [np.rint(local).astype(np.int32)], 255, lineType=line, shift=_SHIFT)
    return canvas


def fill_polygon(mask: np.ndarray, points: np.ndarray, erase: bool = False, antialias: bool = True) -> Change | None:
    """Lasso fill (or cut, with ``erase``) of a polygon given as N×2 (x, y) points."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if len(pts) < 3:
        raise ValueError(f"a lasso needs at least 3 points, got {len(pts)}")
    if not np.isfinite(pts).all():
        raise ValueError("lasso points must be finite")
    rect = Rect.bounding(pts).clip(mask.shape[1], mask.shape[0])
    if rect.is_empty:
        return None
    cover = polygon_coverage(pts, rect, antialias)
    current = mask[rect.slices]
    new = np.minimum(current, 255 - cover) if erase else np.maximum(current, cover)
    return rect, new


def flood_fill(
    mask: np.ndarray,
    x: float,
    y: float,
    *,
    tolerance: float = 12.0,
    source: FloodSource | str = FloodSource.IMAGE,
    image: np.ndarray | None = None,
    region: Rect | None = None,
    erase: bool = False,
    connectivity: int = 4,
) -> Change | None:
    """Set the connected pixels within ``tolerance`` of the seed's value (per channel) to 255, or 0 with ``erase``.

    ``source`` picks what is compared: the RGB ``image`` or the mask itself. ``region``
    restricts the fill (and the search) to a box.
    """
    src = FloodSource(source)
    if connectivity not in (4, 8):
        raise ValueError(f"connectivity must be 4 or 8, got {connectivity}")
    if tolerance < 0:
        raise ValueError(f"tolerance must be non-negative, got {tolerance}")
    rect = region_rect(mask, region)
    col, row = int(np.floor(x)), int(np.floor(y))
    if not (rect.x0 <= col < rect.x1 and rect.y0 <= row < rect.y1):
        raise ValueError(f"the seed ({x}, {y}) lies outside the fill region {rect}")
    if src is FloodSource.IMAGE:
        if image is None:
            raise ValueError("a flood fill on the image's colours needs the image")
        if image.shape[:2] != mask.shape:
            raise ValueError(f"image {image.shape[:2]} and mask {mask.shape} differ in size")
        values = np.ascontiguousarray(image[rect.slices])
    else:
        values = np.ascontiguousarray(mask[rect.slices])
    if not values.flags.writeable:  # cv2.floodFill insists on a writable image even with MASK_ONLY
        values = values.copy()
    filled = np.zeros((rect.height + 2, rect.width + 2), np.uint8)
    tol = (tolerance,) * 3
    flags = connectivity | cv2.FLOODFILL_MASK_ONLY | cv2.FLOODFILL_FIXED_RANGE | (1 << 8)
    cv2.floodFill(values, filled, (col - rect.x0, row - rect.y0), 0, tol, tol, flags)
    hit = filled[1:-1, 1:-1].astype(bool)
    new = mask[rect.slices].copy()
    new[hit] = 0 if erase else 255
    return rect, new


def _context(mask: np.ndarray, rect: Rect, margin: int) -> tuple[Rect, tuple[slice, slice]]:
    """A box grown by ``margin`` (clipped), and the slices of ``rect`` inside it."""
    outer = rect.expand(margin).clip(mask.shape[1], mask.shape[0])
    inner = rect.translate(-outer.x0, -outer.y0).slices
    return outer, inner


def grow(mask: np.ndarray, radius: int, region: Rect | None = None) -> Change:
    """Dilate the (soft) mask by a disk of ``radius`` pixels."""
    return _morph(mask, radius, region, cv2.MORPH_DILATE)


def shrink(mask: np.ndarray, radius: int, region: Rect | None = None) -> Change:
    """Erode the (soft) mask by a disk of ``radius`` pixels."""
    return _morph(mask, radius, region, cv2.MORPH_ERODE)


def smooth(mask: np.ndarray, radius: int, region: Rect | None = None) -> Change:
    """Round off jagged contours: an opening then a closing with a disk (removes specks, fills pinholes)."""
    return _morph(mask, radius, region, None)


def _morph(mask: np.ndarray, radius: int, region: Rect | None, op: int | None) -> Change:
    if int(radius) != radius or radius < 1:
        raise ValueError(f"the radius must be a whole number of pixels ≥ 1, got {radius}")
    rect = region_rect(mask, region)
    outer, inner = _context(mask, rect, 2 * int(radius) + 1)
    crop = mask[outer.slices]
    kernel = disk(int(radius))
    border = {"borderType": cv2.BORDER_REPLICATE}
    if op is None:
        out = cv2.morphologyEx(crop, cv2.MORPH_OPEN, kernel, **border)
        out = cv2.morphologyEx(out, cv2.MORPH_CLOSE, kernel, **border)
    else:
        out = cv2.morphologyEx(crop, op, kernel, **border)
    return rect, out[inner].copy()


def invert(mask: np.ndarray, region: Rect | None = None) -> Change:
    """255 − mask."""
    rect = region_rect(mask, region)
    return rect, 255 - mask[rect.slices]


def clear(mask: np.ndarray, region: Rect | None = None) -> Change:
    """Set to 0 (background)."""
    rect = region_rect(mask, region)
    return rect, np.zeros((rect.height, rect.width), np.uint8)


def reset_to(mask: np.ndarray, prediction: np.ndarray, region: Rect | None = None) -> Change:
    """Restore the model's prediction (uint8 H×W)."""
    if prediction.shape != mask.shape or prediction.dtype != np.uint8:
        raise ValueError(f"the prediction must be uint8 {mask.shape}, got {prediction.dtype} {prediction.shape}")
    rect = region_rect(mask, region)
    return rect, prediction[rect.slices].copy()
