"""Paints one filmstrip row: thumbnail, file name, and the state with a coloured dot."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QColor, QIcon, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from u2studio.gui.common.style import MUTED, TEXT

STATUS_COLOR_ROLE = Qt.ItemDataRole.UserRole + 1


class FileItemDelegate(QStyledItemDelegate):
    """Draws the row instead of the default icon-and-text layout."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        """Thumbnail on the left, name above, coloured state below."""
        painter.save()
        rect: QRect = option.rect
        if option.state & QStyle.StateFlag.State_Selected:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#2b4a66"))
            painter.drawRoundedRect(rect.adjusted(2, 1, -2, -1), 4, 4)
        elif option.state & QStyle.StateFlag.State_MouseOver:
            painter.fillRect(rect.adjusted(2, 1, -2, -1), QColor("#2a2e33"))
        size = option.decorationSize
        icon = index.data(Qt.ItemDataRole.DecorationRole)
        icon_rect = QRect(rect.left() + 6, rect.top() + (rect.height() - size.height()) // 2, size.width(), size.height())
        if isinstance(icon, QIcon):
            icon.paint(painter, icon_rect, Qt.AlignmentFlag.AlignCenter)
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        name, _, state = text.partition("\n")
        left = icon_rect.right() + 10
        width = rect.right() - left - 6
        metrics = painter.fontMetrics()
        painter.setPen(QColor(TEXT))
        top = rect.top() + rect.height() // 2 - metrics.height() - 1
        painter.drawText(QRect(left, top, width, metrics.height()), Qt.AlignmentFlag.AlignLeft, metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, width))
        color = index.data(STATUS_COLOR_ROLE)
        dot_y = rect.top() + rect.height() // 2 + 3 + metrics.height() // 2
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color if isinstance(color, QColor) else QColor(MUTED))
        painter.drawEllipse(left, dot_y - 4, 8, 8)
        painter.setPen(QColor(MUTED))
        painter.drawText(QRect(left + 14, rect.top() + rect.height() // 2 + 2, width - 14, metrics.height()), Qt.AlignmentFlag.AlignLeft,
                         metrics.elidedText(state, Qt.TextElideMode.ElideRight, width - 14))
        painter.restore()
