"""Non-blocking toasts stacked in the bottom-right corner of a widget."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from u2studio.gui.common.icons import icon
from u2studio.gui.common.notifications import Level, Notification

ICONS = {Level.INFO: "information-outline", Level.WARNING: "alert-outline", Level.ERROR: "alert-circle-outline"}
LIFETIME_MS = {Level.INFO: 4000, Level.WARNING: 8000, Level.ERROR: 12000}
MAX_VISIBLE = 4


class Toast(QFrame):
    """One message with an icon and a close button; it closes itself after a while."""

    def __init__(self, note: Notification, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("toast")
        self.setProperty("level", note.level.value)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 8, 6, 8)
        badge = QLabel()
        badge.setPixmap(icon(ICONS[note.level]).pixmap(18, 18))
        text = QLabel(note.text)
        text.setWordWrap(True)
        text.setMinimumWidth(260)
        text.setMaximumWidth(420)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton()
        close.setIcon(icon("close"))
        close.setAutoRaise(True)
        close.clicked.connect(self.deleteLater)
        layout.addWidget(badge, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(text, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        QTimer.singleShot(LIFETIME_MS[note.level], self.deleteLater)


class ToastHost(QObject):
    """Keeps a column of toasts over ``host``'s bottom-right corner as the host resizes."""

    def __init__(self, host: QWidget) -> None:
        super().__init__(host)
        self._host = host
        self.column = QWidget(host)
        self.column.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, False)
        self._layout = QVBoxLayout(self.column)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(6)
        self._relayout = QTimer(self)
        self._relayout.setSingleShot(True)
        self._relayout.setInterval(0)
        self._relayout.timeout.connect(self._place)
        host.installEventFilter(self)

    def show_note(self, note: Notification) -> None:
        """Add a toast; the oldest goes when too many are showing."""
        while self._layout.count() >= MAX_VISIBLE:
            item = self._layout.takeAt(0)
            if item and item.widget():
                item.widget().deleteLater()
        toast = Toast(note, self.column)
        toast.destroyed.connect(self._relayout.start)
        self._layout.addWidget(toast)
        toast.show()
        self.column.show()
        self.column.raise_()
        self._place()

    def visible_texts(self) -> list[str]:
        """Texts of the toasts now showing (for tests and screenshots)."""
        texts = []
        for index in range(self._layout.count()):
            widget = self._layout.itemAt(index).widget()
            if widget is not None and widget.isVisible():
                texts.extend(label.text() for label in widget.findChildren(QLabel) if label.text())
        return texts

    def _place(self) -> None:
        self._layout.activate()
        size = self._layout.sizeHint().expandedTo(self._layout.minimumSize())
        margin = 16
        self.column.setGeometry(
            self._host.width() - size.width() - margin, self._host.height() - size.height() - margin, size.width(), size.height()
        )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        """Follow the host's size."""
        if watched is self._host and event.type() == QEvent.Type.Resize:
            self._place()
        return False
