"""numpy ↔ QImage conversion, copying so Qt never points into a freed numpy buffer."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

_FORMATS = {3: QImage.Format.Format_RGB888, 4: QImage.Format.Format_RGBA8888}


def _to_qimage(array: np.ndarray, channels: int) -> QImage:
    """An H×W×channels uint8 array as a QImage that owns its pixels."""
    if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] != channels:
        raise ValueError(f"expected H×W×{channels} uint8, got {array.dtype} {array.shape}")
    data = np.ascontiguousarray(array)
    height, width = data.shape[:2]
    return QImage(data.data, width, height, width * channels, _FORMATS[channels]).copy()


def rgba_to_qimage(array: np.ndarray) -> QImage:
    """An H×W×4 uint8 RGBA array as a QImage that owns its pixels."""
    return _to_qimage(array, 4)


def rgb_to_qimage(array: np.ndarray) -> QImage:
    """An H×W×3 uint8 RGB array as a QImage that owns its pixels."""
    return _to_qimage(array, 3)
