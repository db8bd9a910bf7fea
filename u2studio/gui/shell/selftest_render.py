"""The self-test's Qt check: paint an RGBA overlay into a QImage offscreen and read pixels back.

PySide6 is imported inside the function, so ``u2studio.selftest`` can import
this module without loading Qt until the check runs.
"""

from __future__ import annotations

import os

import numpy as np


def paint_overlay(base_rgb: np.ndarray, overlay_rgba: np.ndarray) -> np.ndarray:
    """Composite ``overlay_rgba`` over ``base_rgb`` with QPainter offscreen; returns the result as H×W×3 uint8."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QGuiApplication, QImage, QPainter

    _app = QGuiApplication.instance() or QGuiApplication(["u2studio-selftest"])
    if base_rgb.shape[:2] != overlay_rgba.shape[:2]:
        raise ValueError(f"base {base_rgb.shape[:2]} and overlay {overlay_rgba.shape[:2]} differ in size")
    height, width = base_rgb.shape[:2]
    base = np.ascontiguousarray(base_rgb, dtype=np.uint8)
    over = np.ascontiguousarray(overlay_rgba, dtype=np.uint8)
    canvas = QImage(base.data, width, height, 3 * width, QImage.Format.Format_RGB888).convertToFormat(
        QImage.Format.Format_RGBA8888
    )
    layer = QImage(over.data, width, height, 4 * width, QImage.Format.Format_RGBA8888)
    painter = QPainter(canvas)
    try:
        painter.drawImage(QPoint(0, 0), layer)
    finally:
        painter.end()
    canvas = canvas.convertToFormat(QImage.Format.Format_RGB888)
    stride = canvas.bytesPerLine()
    raw = np.frombuffer(canvas.constBits(), dtype=np.uint8, count=stride * height).reshape(height, stride)
    return raw[:, : 3 * width].reshape(height, width, 3).copy()
