"""The filmstrip: opened images with a thumbnail and their state."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from u2studio.core.document import DocStatus, ImageDocument
from u2studio.gui.shell.file_list_delegate import STATUS_COLOR_ROLE, FileItemDelegate
from u2studio.gui.common.icons import icon
from u2studio.gui.common.qimage import rgb_to_qimage

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


def thumbnail(rgb: np.ndarray, size: int = THUMB) -> QPixmap:
    """A small, area-averaged preview of an image, centred on a square."""
    import cv2

    height, width = rgb.shape[:2]
    scale = size / max(height, width)
    small = cv2.resize(rgb, (max(1, round(width * scale)), max(1, round(height * scale))), interpolation=cv2.INTER_AREA)
    return QPixmap.fromImage(rgb_to_qimage(np.ascontiguousarray(small)))


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
        self.currentRowChanged.connect(self._row_changed)
        self._thumbs: dict[int, QIcon] = {}
        self._quiet = False

    def set_documents(self, docs: list[ImageDocument]) -> None:
        """Rebuild the list from the documents."""
        self._quiet = True
        self.clear()
        for doc in docs:
            item = QListWidgetItem()
            item.setSizeHint(QSize(200, THUMB + 10))
            self.addItem(item)
            self.update_document(self.count() - 1, doc)
        self._quiet = False

    def update_document(self, row: int, doc: ImageDocument) -> None:
        """Refresh one row's thumbnail, text and tooltip."""
        item = self.item(row)
        if item is None:
            return
        if doc.rgb is not None and id(doc) not in self._thumbs:
            self._thumbs[id(doc)] = QIcon(thumbnail(doc.rgb))
        item.setIcon(self._thumbs.get(id(doc), icon("image-outline")))
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
