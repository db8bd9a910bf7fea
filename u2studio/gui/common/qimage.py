"""numpy ↔ QImage conversion, copying so Qt never points into a freed numpy buffer.

The copy is made by numpy into a QImage that owns its pixels (allocated, then filled through ``bits()``):
PySide6 holds the GIL through ``QImage.copy()``, which froze the event loop for ~60 ms per 24-MP picture built on a
pool thread, while numpy's copy releases it.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

_FORMATS = {3: QImage.Format.Format_RGB888, 4: QImage.Format.Format_RGBA8888}


def _to_qimage(array: np.ndarray, channels: int) -> QImage:
    """An H×W×channels uint8 array as a QImage that owns its pixels."""
    if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] != channels:
        raise ValueError(f"expected H×W×{channels} uint8, got {array.dtype} {array.shape}")
    return filled_qimage(array, _FORMATS[channels])


def filled_qimage(array: np.ndarray, fmt: QImage.Format) -> QImage:
    """A new QImage of ``fmt`` that owns its pixels, filled with the H×W×C uint8 ``array`` (C bytes a pixel of fmt)."""
    height, width, channels = array.shape
    image = QImage(width, height, fmt)
    if width and height:
        if image.isNull():
            raise MemoryError(f"no memory for a {width}×{height} picture")
        rows = np.frombuffer(image.bits(), np.uint8, count=image.bytesPerLine() * height).reshape(height, image.bytesPerLine())
        rows[:, : width * channels] = array.reshape(height, width * channels)
    return image


def rgba_to_qimage(array: np.ndarray) -> QImage:
    """An H×W×4 uint8 RGBA array as a QImage that owns its pixels."""
    return _to_qimage(array, 4)


def rgb_to_qimage(array: np.ndarray) -> QImage:
    """An H×W×3 uint8 RGB array as a QImage that owns its pixels."""
    return _to_qimage(array, 3)
