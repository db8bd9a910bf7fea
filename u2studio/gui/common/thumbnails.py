"""Thumbnails made off the UI thread: a pool job decodes the file at reduced size (core.thumbnail) and
sends back a square RGBA QImage (QImage is safe to build off the UI thread; QPixmap is not)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtGui import QImage


class _Signals(QObject):
    ready = Signal(str, QImage)  # key, thumbnail


class _ThumbnailJob(QRunnable):
    def __init__(self, key: str, path: Path, size: int, signals: _Signals) -> None:
        super().__init__()
        self.key, self.path, self.size, self.signals = key, path, size, signals

    def run(self) -> None:
        """Decode, centre on a transparent square and send (nothing is sent for an unreadable file)."""
        from u2studio.core.priority import lower_current_thread
        from u2studio.core.thumbnail import read_thumbnail

        lower_current_thread()
        try:
            small = read_thumbnail(self.path, self.size)
        except Exception:  # noqa: BLE001 (an unreadable image keeps its placeholder; opening it reports why)
            return
        self.signals.ready.emit(self.key, square_image(small, self.size))


def square_image(rgb: np.ndarray, size: int) -> QImage:
    """``rgb`` (at most size×size) centred on a transparent size×size square, so rows stay aligned."""
    height, width = rgb.shape[:2]
    square = np.zeros((size, size, 4), np.uint8)
    y, x = (size - height) // 2, (size - width) // 2
    square[y : y + height, x : x + width, :3] = rgb
    square[y : y + height, x : x + width, 3] = 255
    return QImage(square.data, size, size, size * 4, QImage.Format.Format_RGBA8888).copy()


class ThumbnailLoader(QObject):
    """Asks for each key's thumbnail once; ``ready(key, QImage)`` arrives on the UI thread."""

    ready = Signal(str, QImage)

    def __init__(self, size: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.size = size
        self._asked: set[str] = set()
        self._signals = _Signals(self)
        self._signals.ready.connect(self.ready)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)

    def request(self, key: str, path: Path) -> None:
        """Make the thumbnail of ``path`` unless ``key`` was asked for already."""
        if key not in self._asked:
            self._asked.add(key)
            self.pool.start(_ThumbnailJob(key, path, self.size, self._signals))

    def forget(self) -> None:
        """Allow every key to be asked for again (another dataset, say)."""
        self._asked.clear()
