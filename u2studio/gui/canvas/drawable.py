"""Canvas pictures built on pool threads without holding the GIL: numpy and OpenCV do the pixel work.

PySide6 holds the GIL through every QImage call, so building a 24-MP picture with ``QImage.copy``,
``convertToFormat`` and ``scaled`` on a pool thread froze the event loop for as long as each call took
(measured: 59, 47 and 121 ms). Here the pixels are converted to the canvas's drawing format (premultiplied
ARGB32, which is B, G, R, A bytes on little-endian machines) and box-filtered into pyramid levels with
OpenCV and numpy, which release it, and each QImage is only allocated and filled through its ``bits()``.
"""

from __future__ import annotations

import math
import sys

import numpy as np
from PySide6.QtGui import QImage

from u2studio.gui.canvas.layer_item import DRAW_FORMAT, pyramid
from u2studio.gui.common.qimage import filled_qimage, rgb_to_qimage, rgba_to_qimage

NATIVE = sys.byteorder == "little"  # ARGB32's bytes are B, G, R, A only on little-endian machines
LINE_BOOST = 2.0  # line layers' alpha is doubled per reduction, as LayerItem's own levels do


def premultiplied_bgra(pixels: np.ndarray) -> np.ndarray:
    """H×W×3 RGB or H×W×4 straight RGBA (uint8) as premultiplied B, G, R, A bytes."""
    import cv2

    if pixels.shape[2] == 3:
        return cv2.cvtColor(np.ascontiguousarray(pixels), cv2.COLOR_RGB2BGRA)
    premultiplied = cv2.cvtColor(np.ascontiguousarray(pixels), cv2.COLOR_RGBA2mRGBA)
    return cv2.cvtColor(premultiplied, cv2.COLOR_RGBA2BGRA)


def half(level: np.ndarray, lines: bool) -> np.ndarray:
    """One pyramid step: a box-filtered half-size copy (sizes rounded up); line layers keep their strength."""
    import cv2

    height, width = level.shape[:2]
    small = cv2.resize(level, (max(1, math.ceil(width / 2)), max(1, math.ceil(height / 2))), interpolation=cv2.INTER_AREA)
    if not lines:
        return small
    alpha = small[..., 3:4].astype(np.float32)
    boosted = np.minimum(alpha * LINE_BOOST, 255.0)
    scale = np.divide(boosted, alpha, out=np.zeros_like(alpha), where=alpha > 0)
    return np.minimum(small.astype(np.float32) * scale + 0.5, 255.0).astype(np.uint8)  # colour stays, alpha doubles


def drawable(pixels: np.ndarray, lines: bool = False, levels: int = 3) -> tuple[QImage, list[QImage]]:
    """A picture in the drawing format and its first reduced levels, from RGB or straight RGBA pixels."""
    if not NATIVE:  # the byte order above does not hold: let Qt convert (it holds the GIL, but is correct)
        convert = rgba_to_qimage if pixels.shape[2] == 4 else rgb_to_qimage
        image = convert(pixels).convertToFormat(DRAW_FORMAT)
        return image, pyramid(image, lines, levels)
    level = premultiplied_bgra(pixels)
    image = filled_qimage(level, DRAW_FORMAT)
    reduced: list[QImage] = []
    for _ in range(levels):
        if level.shape[0] <= 1 and level.shape[1] <= 1:
            break
        level = half(level, lines)
        reduced.append(filled_qimage(level, DRAW_FORMAT))
    return image, reduced
