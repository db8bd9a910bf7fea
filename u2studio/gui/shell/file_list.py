"""The filmstrip: opened images with a thumbnail and their state.

Thumbnails come from the files themselves (a reduced decode on a pool thread) as soon as the images
are listed, before any is shown or run; rows follow the dock's width (names elide, no sideways scrolling).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import QListView, QListWidget, QListWidgetItem, QWidget

from u2studio.core.document import DocStatus, ImageDocument
from u2studio.gui.shell.file_list_delegate import STATUS_COLOR_ROLE, FileItemDelegate
from u2studio.gui.common.icons import icon
from u2studio.gui.common.thumbnails import ThumbnailLoader

THUMB = 56
STATUS_COLORS = {
    DocStatus.NOT_RUN: "#8b939c",
    DocStatus.RUNNING: "#e0a852",
    DocStatus.PREDICTED: "#7cc4ff",
    DocStatus.EDITED: "#c792ea",
    DocStatus.SAVED: "#6fcf7f",
    DocStatus.EXPORTED: "#4fb3a9",
    DocStatus.FAILED: "#e05252",
}


class FileList(QListWidget):
    """Lists documents; emits the chosen row."""

    chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setIconSize(QSize(THUMB, THUMB))
        self.setUniformItemSizes(True)
        self.setSpacing(1)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setItemDelegate(FileItemDelegate(self))
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.currentRowChanged.connect(self._row_changed)
        self._thumbs: dict[str, QIcon] = {}  # image path -> thumbnail
        self._paths: list[str] = []
        self.loader = ThumbnailLoader(THUMB, self)
        self.loader.ready.connect(self._thumbnail_ready)
        self._quiet = False

    def set_documents(self, docs: list[ImageDocument]) -> None:
        """Rebuild the list from the documents."""
        self._quiet = True
        self.clear()
        self._paths = [str(doc.path) for doc in docs]
        for doc in docs:
            item = QListWidgetItem()
            item.setSizeHint(QSize(THUMB + 40, THUMB + 10))  # the row stretches to the list's width
            self.addItem(item)
            self.update_document(self.count() - 1, doc)
        self._quiet = False

    def update_document(self, row: int, doc: ImageDocument) -> None:
        """Refresh one row's thumbnail, text and tooltip."""
        item = self.item(row)
        if item is None:
            return
        key = str(doc.path)
        if key not in self._thumbs:
            self.loader.request(key, doc.path)
        item.setIcon(self._thumbs.get(key, icon("image-outline")))
        extra = f" · {doc.inference_ms:.0f} ms" if doc.inference_ms is not None and doc.status is not DocStatus.RUNNING else ""
        item.setText(f"{doc.name}\n{doc.status.value}{extra}")
        item.setData(Qt.ItemDataRole.UserRole, doc.status.value)
        item.setData(STATUS_COLOR_ROLE, QColor(STATUS_COLORS[doc.status]))
        item.setToolTip(f"{doc.path}\n{doc.error}" if doc.error else str(doc.path))

    def select_row(self, row: int) -> None:
        """Highlight ``row`` without asking to show it again."""
        self._quiet = True
        self.setCurrentRow(row)
        self._quiet = False

    def _row_changed(self, row: int) -> None:
        if not self._quiet and row >= 0:
            self.chosen.emit(row)

    def thumbnail_count(self) -> int:
        """How many rows show a real thumbnail (not the placeholder)."""
        return sum(1 for p in self._paths if p in self._thumbs)

    def _thumbnail_ready(self, key: str, image: QImage) -> None:
        self._thumbs[key] = QIcon(QPixmap.fromImage(image))
        for row, path in enumerate(self._paths):
            item = self.item(row)
            if path == key and item is not None:
                item.setIcon(self._thumbs[key])
