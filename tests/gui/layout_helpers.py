"""Geometry checks for the layout tests: which widgets of a panel are squeezed below what they need."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QComboBox,
    QDockWidget,
    QLabel,
    QLineEdit,
    QMainWindow,
    QScrollArea,
    QScrollBar,
    QSlider,
    QSpinBox,
    QWidget,
)

# widgets whose sizeHint is the room their text or value needs: less than it clips what they show
TEXT_WIDGETS = (QLabel, QAbstractButton, QComboBox, QSpinBox, QLineEdit)


def _needs(widget: QWidget) -> tuple[int, int]:
    """The smallest size at which ``widget`` shows everything (its sizeHint for text, else its minimum)."""
    hint, minimum = widget.sizeHint(), widget.minimumSizeHint()
    if isinstance(widget, QLabel) and widget.wordWrap():
        return minimum.width(), widget.heightForWidth(widget.width()) if widget.hasHeightForWidth() else minimum.height()
    if isinstance(widget, (QComboBox, QLineEdit)):
        return minimum.width(), hint.height()
    if isinstance(widget, TEXT_WIDGETS):
        return hint.width(), hint.height()
    if isinstance(widget, QSlider):
        return 40, minimum.height()
    return minimum.width(), minimum.height()


def clipped_widgets(dock: QDockWidget) -> list[str]:
    """Visible widgets of ``dock`` that are narrower or shorter than they need, or that stick out of the
    dock sideways (a scroll area may scroll vertically, never horizontally)."""
    problems: list[str] = []
    root = dock.widget()
    for widget in root.findChildren(QWidget):
        if not widget.isVisibleTo(root) or widget.width() == 0 or isinstance(widget, (QAbstractScrollArea, QScrollBar)):
            continue
        if isinstance(widget.parent(), QAbstractScrollArea) or widget.objectName().startswith("qt_"):
            continue  # scroll bars and viewports
        need_w, need_h = _needs(widget)
        name = f"{type(widget).__name__} {widget.objectName() or _text(widget)!r}"
        if widget.width() < need_w or widget.height() < need_h:
            problems.append(f"{name}: {widget.width()}×{widget.height()} < {need_w}×{need_h}")
            continue
        outer = _clip_rect(widget, dock)
        left = widget.mapTo(dock, QPoint(0, 0)).x()
        if left < outer.left() or left + widget.width() > outer.right() + 1:
            problems.append(f"{name}: x {left}..{left + widget.width()} outside {outer.left()}..{outer.right() + 1}")
    return problems


def _clip_rect(widget: QWidget, dock: QDockWidget) -> QRect:
    """The part of the dock that can show ``widget``: its innermost scroll area's viewport, or the dock."""
    parent = widget.parentWidget()
    while parent is not None and parent is not dock:
        if isinstance(parent, QScrollArea):
            viewport = parent.viewport()
            return QRect(viewport.mapTo(dock, QPoint(0, 0)), viewport.size())
        parent = parent.parentWidget()
    return dock.rect()


def _text(widget: QWidget) -> str:
    for attr in ("text", "title", "currentText", "toolTip"):
        getter = getattr(widget, attr, None)
        if callable(getter):
            value = getter()
            if value:
                return str(value)[:40]
    return ""


def right_docks(window: QMainWindow) -> list[QDockWidget]:
    """Every dock of the right-hand area (the tabs: View, Fine-tune, Dataset, and any a later issue adds)."""
    from PySide6.QtCore import Qt

    return [d for d in window.findChildren(QDockWidget) if window.dockWidgetArea(d) == Qt.DockWidgetArea.RightDockWidgetArea]
