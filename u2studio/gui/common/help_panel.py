"""The shortcut list (F1 or ?), generated from the window's actions so it never disagrees with them."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QHeaderView, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

EXTRA_KEYS = (
    ("Pan", "Middle-drag, or Space + drag"),
    ("Zoom toward the cursor", "Wheel"),
    ("Brush size", "Ctrl + drag left/right"),
    ("Cut with lasso, polygon or flood fill", "Hold Alt"),
    ("Close / undo a corner / abandon the polygon", "Enter or double-click / Backspace / Esc"),
)


def shortcut_rows(actions: list[QAction]) -> list[tuple[str, str]]:
    """(what, keys) for every action with a shortcut, in the order given, without duplicates."""
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    for action in actions:
        keys = [s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts() if not s.isEmpty()]
        text = action.text().replace("&", "").rstrip("…")
        if keys and text not in seen:
            seen.add(text)
            rows.append((text, " or ".join(keys)))
    return rows


class HelpPanel(QDialog):
    """A non-modal table of every shortcut."""

    def __init__(self, actions: list[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts — u2studio")
        self.setModal(False)
        rows = shortcut_rows(actions) + list(EXTRA_KEYS)
        self.table = QTableWidget(len(rows), 2)
        self.table.setHorizontalHeaderLabels(["Action", "Keys"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for row, (what, keys) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(what))
            self.table.setItem(row, 1, QTableWidgetItem(keys))
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        self.resize(560, 640)

    def rows(self) -> list[tuple[str, str]]:
        """The table's contents (for tests)."""
        return [(self.table.item(r, 0).text(), self.table.item(r, 1).text()) for r in range(self.table.rowCount())]
