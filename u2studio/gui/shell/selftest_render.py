"""The self-test's Qt check: show a document on the studio's real canvas and read back what it draws.

The views go through the same pieces the studio uses (ImageDocument, OverlayPresenter, Canvas and
core.overlays), so the self-test checks the studio's own tint, cutout, mask, contour and relaxed-zone
rendering rather than a re-implementation. PySide6 is imported inside the function, so
``u2studio.selftest`` can import this module without loading Qt until the check runs.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import numpy as np


def render_views(rgb: np.ndarray, prob: np.ndarray, reference: np.ndarray, threshold: float = 0.5) -> dict[str, np.ndarray]:
    """Each canvas view of ``rgb`` with prediction ``prob`` and ``reference``, as drawn at 1:1 (H×W×3 uint8).

    Keys: ``image``, ``tint`` (opacity 0.5), ``cutout`` (over the checkerboard), ``mask``, ``contour``
    and ``relaxed`` (current mask vs reference, ρ = 3); ``mask`` of the document is the thresholded
    prediction, as the studio derives it.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QPointF
    from PySide6.QtWidgets import QApplication, QFrame

    from u2studio.core.document import ImageDocument
    from u2studio.gui.canvas.canvas import Canvas
    from u2studio.gui.canvas.overlay_presenter import OverlayPresenter
    from u2studio.gui.canvas.view_options import Compare, ViewMode, ViewOptions

    app = QApplication.instance() or QApplication(["u2studio-selftest"])
    height, width = rgb.shape[:2]
    doc = ImageDocument(Path("selftest.png"), rgb=np.ascontiguousarray(rgb, dtype=np.uint8))
    doc.set_prediction(prob, (), (), threshold)
    doc.set_gt(reference)
    canvas = Canvas()
    canvas.setFrameShape(QFrame.Shape.NoFrame)
    canvas.resize(width + 64, height + 64)
    canvas.show()
    presenter = OverlayPresenter(canvas)
    presenter.show_document(doc)
    canvas.actual_size()
    plain = ViewOptions(mode=ViewMode.IMAGE, contour=False, relaxed=False, threshold=threshold)
    views = {
        "image": plain,
        "tint": replace(plain, mode=ViewMode.TINT, opacity=0.5),
        "cutout": replace(plain, mode=ViewMode.CUTOUT),
        "mask": replace(plain, mode=ViewMode.MASK),
        "contour": replace(plain, contour=True),
        "relaxed": replace(plain, relaxed=True, compare=Compare.MASK_VS_GT, rho=3),
    }
    shots: dict[str, np.ndarray] = {}
    try:
        for name, options in views.items():
            presenter.set_options(options)
            app.processEvents()
            corner = canvas.mapFromScene(QPointF(0, 0))
            shot = canvas.viewport().grab().toImage()
            shots[name] = _rgb_pixels(shot.copy(corner.x(), corner.y(), width, height))
    finally:
        presenter.show_document(None)
        canvas.close()
        canvas.deleteLater()
    return shots


def _rgb_pixels(image: object) -> np.ndarray:
    """A QImage's pixels as an H×W×3 uint8 array (a copy)."""
    from PySide6.QtGui import QImage

    assert isinstance(image, QImage)
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    height, width, stride = rgb.height(), rgb.width(), rgb.bytesPerLine()
    raw = np.frombuffer(rgb.constBits(), dtype=np.uint8, count=stride * height).reshape(height, stride)
    return raw[:, : 3 * width].reshape(height, width, 3).copy()
