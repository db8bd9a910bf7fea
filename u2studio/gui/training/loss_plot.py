"""A small painted loss curve for the fine-tune panel."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget


class LossPlot(QWidget):
    """Draws the training loss per step, with the latest value."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values: list[float] = []
        self.setMinimumHeight(110)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def clear(self) -> None:
        """Forget the curve."""
        self.values = []
        self.update()

    def add(self, value: float) -> None:
        """Append one loss value."""
        self.values.append(value)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        box = QRectF(self.rect()).adjusted(6, 18, -6, -6)
        painter.fillRect(self.rect(), QColor(30, 32, 36))
        painter.setPen(QColor(150, 155, 165))
        if not self.values:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "loss curve appears here")
            return
        painter.drawText(QRectF(6, 2, box.width(), 16), Qt.AlignmentFlag.AlignLeft, f"loss {self.values[-1]:.4f}")
        low, high = min(self.values), max(self.values)
        span = max(high - low, 1e-9)
        count = max(len(self.values) - 1, 1)
        path = QPainterPath()
        for i, value in enumerate(self.values):
            point = QPointF(box.left() + box.width() * i / count, box.bottom() - box.height() * (value - low) / span)
            path.moveTo(point) if i == 0 else path.lineTo(point)
        painter.setPen(QPen(QColor(120, 170, 255), 1.6))
        painter.drawPath(path)
