"""The brush outline that follows the cursor: a circle in scene (image) coordinates, so it is right at any zoom."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

Z_TOP = 100.0


class BrushCursor(QGraphicsItem):
    """A two-tone circle (dark under light, one screen pixel each, cosmetic pens) of the brush's radius, with a centre dot."""

    def __init__(self) -> None:
        super().__init__()
        self._radius = 10.0
        self._hardness = 1.0
        self.setZValue(Z_TOP)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setVisible(False)

    def set_brush(self, radius: float, hardness: float) -> None:
        """Change the circle's size (image pixels) and show where the soft falloff starts."""
        if (radius, hardness) != (self._radius, self._hardness):
            self.prepareGeometryChange()
            self._radius = radius
            self._hardness = hardness
            self.update()

    @property
    def radius(self) -> float:
        """The outline's radius in image pixels."""
        return self._radius

    def move_to(self, pos: QPointF) -> None:
        """Centre the outline on a scene point."""
        self.setPos(pos)

    def boundingRect(self) -> QRectF:  # noqa: N802
        """The circle's box plus room for the pens."""
        r = self._radius + 2.0
        return QRectF(-r, -r, 2 * r, 2 * r)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        """Dark ring under a light ring, visible on any picture; a dashed inner ring where the falloff starts."""
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        r = self._radius
        for color, width in ((QColor(0, 0, 0, 200), 3.0), (QColor(255, 255, 255, 235), 1.2)):
            pen = QPen(color, width)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.drawEllipse(QPointF(0, 0), r, r)
        inner = r - max((1.0 - self._hardness) * r, 1.0)
        if self._hardness < 0.95 and inner > 0:
            pen = QPen(QColor(255, 255, 255, 150), 1.0, Qt.PenStyle.DashLine)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.drawEllipse(QPointF(0, 0), inner, inner)
        pen = QPen(QColor(255, 255, 255, 235), 3.0)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.drawPoint(QPointF(0, 0))
