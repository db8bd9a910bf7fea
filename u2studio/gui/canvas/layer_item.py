"""One canvas layer: a QImage the item owns, drawn only where exposed, repainted in place by region.

Below 1:1 the layer draws from a pyramid of box-filtered half-size copies
(built on first need, patched by region after edits), so a 24-MP photo shown
at fit is smooth rather than aliased, and still cheap to draw.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QTransform
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

DRAW_FORMAT = QImage.Format.Format_ARGB32_Premultiplied  # the raster engine's native format: no per-paint conversion


def boost_alpha(image: QImage, factor: float = 2.0) -> QImage:
    """The image with its (straight) alpha multiplied, so thin lines survive a 2× box filter."""
    rgba = image.convertToFormat(QImage.Format.Format_RGBA8888)
    width, height = rgba.width(), rgba.height()
    pixels = np.frombuffer(rgba.bits(), np.uint8).reshape(height, rgba.bytesPerLine())[:, : width * 4]
    alpha = pixels.reshape(height, width, 4)[..., 3]
    alpha[...] = np.minimum(alpha.astype(np.float32) * factor, 255).astype(np.uint8)
    return rgba.convertToFormat(DRAW_FORMAT)


def reduce_image(image: QImage, width: int, height: int, lines: bool) -> QImage:
    """``image`` box-filtered to width×height, in the drawing format (line layers keep their strength)."""
    small = image.scaled(width, height, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)
    return boost_alpha(small) if lines else small.convertToFormat(DRAW_FORMAT)


def display_depth(zoom: float, smooth: bool) -> int:
    """The pyramid level a layer is drawn from at ``zoom``: 0 is the picture itself, k its 1 / 2**k copy."""
    return 0 if not smooth or zoom <= 0 else max(0, min(int(math.floor(math.log2(1.0 / zoom))), 6))


def pyramid(image: QImage, lines: bool, count: int = 3) -> list[QImage]:
    """The first ``count`` half-size levels of ``image`` (safe to build off the GUI thread: QImage only)."""
    levels: list[QImage] = []
    above = image
    for _ in range(count):
        if above.width() <= 1 and above.height() <= 1:
            break
        above = reduce_image(above, max(1, math.ceil(above.width() / 2)), max(1, math.ceil(above.height() / 2)), lines)
        levels.append(above)
    return levels


class LayerItem(QGraphicsItem):
    """Holds a premultiplied image at scene scale; smoothing is off above 1:1 so pixels stay exact.

    ``lines`` marks layers of one-pixel lines (contour, boundary comparison):
    their reduced copies keep full strength instead of fading away.
    """

    def __init__(self, lines: bool = False) -> None:
        super().__init__()
        self._lines = lines
        self._image = QImage()
        self._smooth = True
        self._levels: list[QImage] = []  # level k is the picture at 1 / 2**(k + 1)
        self._stretched = False  # a small picture (a side output at model size) drawn over the whole image
        # set by paint_level_patch: only this depth is current where patched; the others wait for stale_hook
        self._fresh_depth: int | None = None
        self.stale_hook: Callable[[], None] | None = None  # brings every level up to date (the presenter's flush)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)

    @property
    def image(self) -> QImage:
        """The layer's full-resolution picture (null when empty), with any deferred repaint done first."""
        if self.stale_hook is not None:
            self.stale_hook()
        return self._image

    @property
    def has_picture(self) -> bool:
        """Whether the layer holds a picture (never waits for deferred repaints)."""
        return not self._image.isNull()

    @property
    def picture_key(self) -> int:
        """The picture's cache key (0 when empty)."""
        return 0 if self._image.isNull() else self._image.cacheKey()

    @property
    def nbytes(self) -> int:
        """Bytes of the picture and its reduced levels."""
        return self._image.sizeInBytes() + sum(level.sizeInBytes() for level in self._levels)

    def mark_consistent(self) -> None:
        """Every level agrees with the picture again (the deferred repaints were done)."""
        self._fresh_depth = None

    def set_image(
        self, image: QImage | None, scene_size: tuple[int, int] | None = None, levels: list[QImage] | None = None
    ) -> None:
        """Replace the picture (converted once to the drawing format).

        ``scene_size`` (width, height) stretches a smaller picture over that much of the scene, upscaled
        smoothly at paint time only: a model-size side output never becomes a full-size copy. ``levels`` are
        reduced copies made ahead (see ``pyramid``), so the first paint below 1:1 need not make them.
        """
        self.prepareGeometryChange()
        self._image = QImage() if image is None else image.convertToFormat(DRAW_FORMAT)
        self._levels = list(levels) if levels and image is not None else []
        self._fresh_depth = None
        transform = QTransform()
        self._stretched = False
        if scene_size is not None and not self._image.isNull() and scene_size != (self._image.width(), self._image.height()):
            transform = QTransform.fromScale(scene_size[0] / self._image.width(), scene_size[1] / self._image.height())
            self._stretched = True
        self.setTransform(transform)
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
        self._patch_levels(QRect(x, y, patch.width(), patch.height()))
        self.update(QRectF(x, y, patch.width(), patch.height()))

    def paint_level_patch(self, depth: int, patch: QImage, x: int, y: int) -> None:
        """Overwrite pixels of the pyramid level ``depth`` only (0: the picture), at (x, y) in that level's pixels.

        The brush path: a dab is drawn where it is seen, at screen cost; the other levels (and the picture,
        when ``depth`` > 0) are left stale until ``stale_hook`` repaints them from the mask.
        """
        if self._image.isNull() or self._stretched:
            return
        target = self._image if depth == 0 else self._level(depth - 1)
        painter = QPainter(target)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
        painter.drawImage(x, y, patch)
        painter.end()
        self._fresh_depth = depth
        scale = self._image.width() / target.width()
        self.update(QRectF(x * scale, y * scale, patch.width() * scale + scale, patch.height() * scale + scale))

    def _level(self, index: int) -> QImage:
        """The picture at 1 / 2**(index + 1), built from the level above on first use."""
        while len(self._levels) <= index:
            above = self._levels[-1] if self._levels else self._image
            width, height = max(1, math.ceil(above.width() / 2)), max(1, math.ceil(above.height() / 2))
            self._levels.append(self._reduce(above, width, height))
        return self._levels[index]

    def _patch_levels(self, rect: QRect) -> None:
        """Recompute the pyramid only inside ``rect`` (full-resolution coordinates)."""
        above = self._image
        for level in self._levels:
            left, top = rect.left() // 2 * 2, rect.top() // 2 * 2
            right = min(above.width(), rect.right() + 2 - (rect.right() + 1) % 2)
            bottom = min(above.height(), rect.bottom() + 2 - (rect.bottom() + 1) % 2)
            source = above.copy(QRect(left, top, right - left, bottom - top))
            small = self._reduce(source, max(1, math.ceil(source.width() / 2)), max(1, math.ceil(source.height() / 2)))
            painter = QPainter(level)
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
            painter.drawImage(left // 2, top // 2, small)
            painter.end()
            rect = QRect(left // 2, top // 2, small.width(), small.height())
            above = level

    def _reduce(self, image: QImage, width: int, height: int) -> QImage:
        return reduce_image(image, width, height, self._lines)

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
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self._smooth or self._stretched)
        exposed = option.exposedRect.intersected(self.boundingRect())  # type: ignore[attr-defined]
        if exposed.isEmpty():
            return
        source = exposed.toAlignedRect()
        if self._stretched:
            painter.drawImage(QRectF(source), self._image, QRectF(source))
            return
        depth = display_depth(painter.worldTransform().m11(), self._smooth)
        if self._fresh_depth is not None and depth != self._fresh_depth and self.stale_hook is not None:
            self.stale_hook()  # drawn at another level than the brush patched: bring the levels up to date first
        if depth <= 0:
            painter.drawImage(QRectF(source), self._image, QRectF(source))
            return
        level = self._level(depth - 1)
        scale = self._image.width() / level.width()
        painter.drawImage(QRectF(source), level, QRectF(source.x() / scale, source.y() / scale,
                                                        source.width() / scale, source.height() / scale))

