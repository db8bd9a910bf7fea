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
