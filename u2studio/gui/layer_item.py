"""One canvas layer: a QImage the item owns, drawn only where exposed, repainted in place by region."""

from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

DRAW_FORMAT = QImage.Format.Format_ARGB32_Premultiplied  # the raster engine's native format: no per-paint conversion


class LayerItem(QGraphicsItem):
    """Holds a premultiplied image at scene scale; smoothing is off above 1:1 so pixels stay exact."""

    def __init__(self) -> None:
        super().__init__()
        self._image = QImage()
        self._smooth = True
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)

    @property
    def image(self) -> QImage:
        """The layer's picture (null when empty)."""
        return self._image

    def set_image(self, image: QImage | None) -> None:
        """Replace the picture (converted once to the drawing format)."""
        self.prepareGeometryChange()
        self._image = QImage() if image is None else image.convertToFormat(DRAW_FORMAT)
        self.setVisible(not self._image.isNull())
        self.update()

    def paint_region(self, patch: QImage, x: int, y: int) -> None:
        """Overwrite the pixels under ``patch`` at (x, y) without copying the whole picture."""
        if self._image.isNull():
            return
        painter = QPainter(self._image)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
        painter.drawImage(x, y, patch)
        painter.end()
        self.update(QRectF(x, y, patch.width(), patch.height()))

    @property
    def smooth(self) -> bool:
        """Whether the layer is drawn with bilinear smoothing."""
        return self._smooth

    def set_smooth(self, smooth: bool) -> None:
        """Bilinear sampling below 1:1, nearest-neighbour above."""
        if smooth != self._smooth:
            self._smooth = smooth
            self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802
        """The picture's rectangle in scene coordinates."""
        return QRectF(0, 0, self._image.width(), self._image.height())

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        """Draw only the exposed part of the picture."""
        if self._image.isNull():
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self._smooth)
        exposed = option.exposedRect.intersected(self.boundingRect())  # type: ignore[attr-defined]
        if exposed.isEmpty():
            return
        source = exposed.toAlignedRect()
        painter.drawImage(QRectF(source), self._image, QRectF(source))

