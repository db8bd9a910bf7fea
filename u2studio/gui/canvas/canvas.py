"""The image canvas: layered pixmaps in a QGraphicsView with cursor-anchored zoom, panning and fit/1:1.

Layers are cached pixmaps; zooming only changes the view transform, so nothing
is recomputed. Above 1:1 pixels are drawn nearest-neighbour (pixel-exact),
below it they are smoothed.
"""

from __future__ import annotations

import math

from typing import Any

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QImage, QKeyEvent, QMouseEvent, QPainter, QPixmap, QTabletEvent, QWheelEvent
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView, QWidget

from u2studio.gui.canvas.layer_item import LayerItem, display_depth
from u2studio.gui.common.style import CANVAS

MIN_ZOOM = 1 / 64
MAX_ZOOM = 64.0
LAYER_ORDER = ("base", "overlay", "contour", "relaxed")


def checker_brush(cell: int = 8) -> QBrush:
    """A grey checkerboard brush for transparent areas."""
    tile = QPixmap(cell * 2, cell * 2)
    tile.fill(QColor("#9a9a9a"))
    painter = QPainter(tile)
    painter.fillRect(0, 0, cell, cell, QColor("#6e6e6e"))
    painter.fillRect(cell, cell, cell, cell, QColor("#6e6e6e"))
    painter.end()
    return QBrush(tile)


class Canvas(QGraphicsView):
    """Shows an image and its overlay layers; emits zoom and cursor position for the status bar."""

    zoom_changed = Signal(float)
    cursor_moved = Signal(int, int)  # image pixel under the cursor, (-1, -1) outside

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setBackgroundBrush(QColor(CANVAS))
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setMouseTracking(True)
        self.setAcceptDrops(False)
        self._layers: dict[str, LayerItem] = {}
        for z, name in enumerate(LAYER_ORDER):
            item = LayerItem(lines=name in ("contour", "relaxed"))
            item.setZValue(z)
            self.scene().addItem(item)
            self._layers[name] = item
        self._checker = checker_brush()
        self._show_checker = False
        self._fit_mode = True
        self._space = False
        self._pan_from: QPoint | None = None
        self._image_size = (0, 0)
        self.tool_input: Any = None  # CanvasToolInput: gets left-button gestures in scene coordinates
        self._pressure = 1.0
        self._tablet = False

    # ----- content -----------------------------------------------------------------
    def set_image(self, image: QImage | None, fit: bool = True, levels: list[QImage] | None = None) -> None:
        """Show a new base image (clears every other layer); ``levels``: its reduced copies, if made ahead."""
        for name in LAYER_ORDER:
            self.set_layer(name, None)
        if image is None:
            self._image_size = (0, 0)
            return
        self._image_size = (image.width(), image.height())
        self.set_layer("base", image, levels=levels)
        self._frame(fit)

    def show_preview(self, image: QImage, size: tuple[int, int], fit: bool = True) -> None:
        """Show a reduced picture of a photo of ``size`` (width, height) stretched over it (clears the other layers),
        until ``replace_base`` brings the full one."""
        for name in LAYER_ORDER:
            self.set_layer(name, None)
        self._image_size = (int(size[0]), int(size[1]))
        self.set_layer("base", image, stretch=True)
        self._frame(fit)

    def replace_base(self, image: QImage, levels: list[QImage] | None = None) -> None:
        """Swap the base picture for one of the same size (the full photo after its preview); other layers stay."""
        self.set_layer("base", image, levels=levels)

    def _frame(self, fit: bool) -> None:
        # a generous margin lets the picture be panned anywhere, even when it is smaller than the view
        width, height = self._image_size
        self.scene().setSceneRect(QRectF(-8 * width, -8 * height, 17 * width, 17 * height))
        if fit or self._fit_mode:
            self.fit()

    def set_layer(self, name: str, image: QImage | None, stretch: bool = False, levels: list[QImage] | None = None) -> None:
        """Replace one layer's picture (None hides it); ``stretch`` spreads a smaller picture over the image."""
        self._layers[name].set_image(image, self._image_size if stretch else None, levels)

    def update_layer_region(self, name: str, patch: QImage, x: int, y: int) -> None:
        """Paint ``patch`` into a layer at (x, y), replacing those pixels (the rest stays cached)."""
        self._layers[name].paint_region(patch, x, y)

    def layer(self, name: str) -> LayerItem:
        """One layer item (the presenter's brush path and memory accounting work on it directly)."""
        return self._layers[name]

    def display_depth(self) -> int:
        """The pyramid level the layers are drawn from at the current zoom (0: full resolution)."""
        return display_depth(self.zoom, self.zoom < 1.0)

    def set_layer_opacity(self, name: str, opacity: float) -> None:
        """Blend a layer over those below (the tint's opacity slider; no pixels recomputed)."""
        self._layers[name].setOpacity(opacity)

    def layer_image(self, name: str) -> QImage:
        """A layer's current picture (for tests and screenshots)."""
        return self._layers[name].image

    def picture_bytes(self) -> int:
        """Bytes of every layer's picture and pyramid levels (for the memory budget)."""
        return sum(item.nbytes for item in self._layers.values())

    def pixel_exact(self) -> bool:
        """Whether layers are drawn nearest-neighbour (true from 1:1 upward)."""
        return not self._layers["base"].smooth

    def layer_visible(self, name: str) -> bool:
        """Whether a layer currently shows a picture."""
        item = self._layers[name]
        return item.isVisible() and item.has_picture

    def set_base_visible(self, visible: bool) -> None:
        """Show or hide the photo under the overlays (hidden for cutout and mask views)."""
        self._layers["base"].setVisible(visible and self._layers["base"].has_picture)

    def set_checkerboard(self, enabled: bool) -> None:
        """Draw a checkerboard under the image area (for the cutout view); repaints only when it changes."""
        if enabled != self._show_checker:  # called on every refresh (each brush dab): no needless full repaint
            self._show_checker = enabled
            self.viewport().update()

    # ----- zoom and pan -------------------------------------------------------------
    def image_rect(self) -> QRectF:
        """The image's rectangle in scene coordinates."""
        return QRectF(0, 0, *self._image_size)

    @property
    def zoom(self) -> float:
        """The current scale, 1.0 meaning one image pixel per screen pixel."""
        return self.transform().m11()

    def fit(self) -> None:
        """Scale so the whole image fits the view, and keep fitting on resize."""
        self._fit_mode = True
        if self._image_size == (0, 0):
            return
        self.fitInView(self.image_rect().adjusted(-8, -8, 8, 8), Qt.AspectRatioMode.KeepAspectRatio)
        self._after_zoom()

    def actual_size(self) -> None:
        """One image pixel per screen pixel, centred on the view's centre."""
        self.set_zoom(1.0)

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Set an absolute zoom, keeping the scene point under ``anchor`` (view coords) fixed."""
        zoom = min(MAX_ZOOM, max(MIN_ZOOM, zoom))
        self._fit_mode = False
        point = (anchor if anchor is not None else QPointF(self.viewport().rect().center())).toPoint()
        before = self.mapToScene(point)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.resetTransform()
        self.scale(zoom, zoom)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        moved = self.mapFromScene(before) - point
        self._scroll_by(moved.x(), moved.y())
        self._after_zoom()

    def zoom_by(self, steps: float, anchor: QPointF | None = None) -> None:
        """Zoom in (positive) or out by wheel steps of 25 %."""
        self.set_zoom(self.zoom * math.pow(1.25, steps), anchor)

    def _after_zoom(self) -> None:
        for item in self._layers.values():
            item.set_smooth(self.zoom < 1.0)
        self.zoom_changed.emit(self.zoom)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        """Zoom toward the cursor."""
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_by(steps, event.position())
        event.accept()

    def resizeEvent(self, event) -> None:  # noqa: N802, ANN001
        """Keep fitting while in fit mode."""
        super().resizeEvent(event)
        if self._fit_mode:
            self.fit()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        """Space held turns left-drag into panning."""
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            return
        if self.tool_input is not None and self.tool_input.key(event.key()):
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        """End space-panning."""
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().setCursor(Qt.CursorShape.CrossCursor)
            return
        super().keyReleaseEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        """Start panning with the middle button, or the left button while space is held."""
        if event.button() == Qt.MouseButton.MiddleButton or (self._space and event.button() == Qt.MouseButton.LeftButton):
            self._pan_from = event.position().toPoint()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        if self.tool_input is not None and event.button() == Qt.MouseButton.LeftButton and self._image_size != (0, 0):
            scene = self._scene_point(event)
            if self.tool_input.press(scene, event.modifiers(), self._event_pressure(), event.position().x()):
                event.accept()
                return
        super().mousePressEvent(event)

    def _scene_point(self, event: QMouseEvent) -> QPointF:
        """The event's position in scene (image) coordinates, with sub-pixel precision at any zoom."""
        return self.viewportTransform().inverted()[0].map(event.position())

    def _event_pressure(self) -> float:
        return self._pressure if self._tablet else 1.0

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802
        """Remember pen pressure from tablet events; Qt then delivers them as mouse events."""
        if isinstance(event, QTabletEvent):
            self._tablet = event.type() != QEvent.Type.TabletRelease
            self._pressure = max(0.0, min(1.0, event.pressure()))
            event.ignore()
            return False
        return super().viewportEvent(event)

    def event(self, event: QEvent) -> bool:
        """Let a gesture in progress (a polygon) take Enter, Esc and Backspace before shortcuts do."""
        if event.type() == QEvent.Type.ShortcutOverride and self.tool_input is not None:
            if self.tool_input.wants_key(event.key()):  # type: ignore[attr-defined]
                event.accept()
                return True
        return super().event(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        """Double-click closes a polygon."""
        if self.tool_input is not None and self.tool_input.double_click(self._scene_point(event)):
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def leaveEvent(self, event: QEvent) -> None:  # noqa: N802
        """Hide the brush outline when the cursor leaves."""
        if self.tool_input is not None:
            self.tool_input.leave()
        super().leaveEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        """Pan, and report the pixel under the cursor."""
        pos = event.position().toPoint()
        if self._pan_from is not None:
            delta = pos - self._pan_from
            self._pan_from = pos
            self.pan(delta.x(), delta.y())
        elif self.tool_input is not None:
            self.tool_input.move(self._scene_point(event), event.buttons(), self._event_pressure(), event.position().x())
        scene = self.mapToScene(pos)
        x, y = math.floor(scene.x()), math.floor(scene.y())
        width, height = self._image_size
        self.cursor_moved.emit(*((x, y) if 0 <= x < width and 0 <= y < height else (-1, -1)))
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        """Stop panning."""
        if self._pan_from is not None:
            self._pan_from = None
            if self._space:
                self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            else:
                self.viewport().setCursor(Qt.CursorShape.CrossCursor)
            event.accept()
            return
        if self.tool_input is not None and event.button() == Qt.MouseButton.LeftButton:
            self.tool_input.release(self._scene_point(event), event.modifiers())
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def pan(self, dx: int, dy: int) -> None:
        """Move the picture by (dx, dy) screen pixels."""
        self._fit_mode = False
        self._scroll_by(-dx, -dy)

    def _scroll_by(self, dx: int, dy: int) -> None:
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + dx)
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + dy)

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        """Dark surround, and a screen-fixed checkerboard under the image in cutout view."""
        super().drawBackground(painter, rect)
        if not self._show_checker or self._image_size == (0, 0):
            return
        area = self.mapFromScene(self.image_rect()).boundingRect()
        painter.save()
        painter.resetTransform()
        painter.fillRect(area, self._checker)
        painter.restore()
