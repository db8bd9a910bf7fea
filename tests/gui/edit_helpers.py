"""Helpers for the editing tests: drive the canvas with real mouse events at image (scene) coordinates."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier


def view_point(canvas, x: float, y: float) -> QPoint:  # noqa: ANN001
    """The viewport pixel showing image point (x, y)."""
    return canvas.mapFromScene(QPointF(x, y))


def drag(canvas, points: list[tuple[float, float]], modifiers=NONE) -> None:  # noqa: ANN001
    """Press at the first point, move through the others, release at the last."""
    viewport = canvas.viewport()
    QTest.mousePress(viewport, LEFT, modifiers, view_point(canvas, *points[0]))
    for x, y in points[1:]:
        QTest.mouseMove(viewport, view_point(canvas, x, y))
    QTest.mouseRelease(viewport, LEFT, modifiers, view_point(canvas, *points[-1]))


def click(canvas, x: float, y: float, modifiers=NONE) -> None:  # noqa: ANN001
    """A left click at image point (x, y)."""
    QTest.mouseClick(canvas.viewport(), LEFT, modifiers, view_point(canvas, x, y))


def scene_pos(canvas, x: float, y: float) -> tuple[float, float]:  # noqa: ANN001
    """Where the image point lands after the round trip through integer view pixels."""
    p = canvas.mapToScene(view_point(canvas, x, y))
    return p.x(), p.y()


def correct_box(window, box: tuple[int, int, int, int], value: int | None = 255) -> None:  # noqa: ANN001
    """A correction through the studio's edit controller (one undo step): fill ``box`` (x0, y0, x1, y1) with
    foreground (255), background (0), or invert it (None)."""
    import numpy as np

    from u2studio.core.editing import Rect

    x0, y0, x1, y1 = box
    edits = window.editing.edits
    if value is None:
        edits.run(lambda e: e.invert(Rect(x0, y0, x1, y1)))
        return
    square = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float64)
    edits.run(lambda e: e.fill_polygon(square, erase=value == 0, antialias=False))
