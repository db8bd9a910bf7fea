"""What to do first, shown on the canvas: open images when there are none, run the model on an image
that has no mask yet; hidden once there is a mask to look at."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QGraphicsView, QLabel

from u2studio.core.document import DocStatus
from u2studio.gui.inference.controller import StudioController

NO_IMAGES = (
    "<p style='font-size:15pt; color:#d7dbe0'>Open images to begin</p>"
    "<p>Ctrl+O (File ▸ Open images…), Ctrl+Shift+O for a folder,<br>or drop images or a folder here.</p>"
)
NOT_RUN = (
    "<b style='color:#d7dbe0'>No mask yet.</b> Press <b>Ctrl+Enter</b> (Run) to let the model make one,"
    " or paint one with the brush (B)."
)


class EmptyState(QLabel):
    """A hint over the canvas's viewport, kept centred (no images) or at the bottom (image without a mask)."""

    def __init__(self, canvas: QGraphicsView, studio: StudioController) -> None:
        super().__init__(canvas.viewport())
        self.setObjectName("emptyState")
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.studio = studio
        self.viewport = canvas.viewport()
        self.viewport.installEventFilter(self)
        for signal in (studio.documents_changed, studio.current_changed, studio.document_updated):
            signal.connect(lambda *_: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        """Pick the hint for the shown image (or none)."""
        doc = self.studio.doc
        if not self.studio.documents:
            self._show(NO_IMAGES, centred=True)
        elif doc is not None and doc.status is DocStatus.NOT_RUN and doc.mask is None and doc.rgb is not None:
            self._show(NOT_RUN, centred=False)
        else:
            self.hide()

    def _show(self, text: str, *, centred: bool) -> None:
        self.centred = centred
        self.setText(text)
        self.setStyleSheet(
            "#emptyState { color: #8b939c; background: rgba(30, 33, 36, 225); border: 1px solid #3a3f45;"
            f" border-radius: 8px; padding: {'18px 26px' if centred else '8px 16px'}; }}"
        )
        self._place()
        self.show()
        self.raise_()

    def _place(self) -> None:
        area = self.viewport.rect()
        width = min(area.width() - 24, 460 if self.centred else 560)
        height = self.heightForWidth(width)
        x = (area.width() - width) // 2
        y = (area.height() - height) // 2 if self.centred else area.height() - height - 20
        self.setGeometry(x, max(0, y), width, height)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Stay in place when the canvas is resized."""
        if watched is self.viewport and event.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        return False
