"""A folder path field with a "…" button that opens a folder picker (the fine-tune panel and dialog use it)."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLineEdit, QPushButton, QWidget


class FolderField(QWidget):
    """A line edit for a folder, and a browse button that fills it."""

    def __init__(self, text: str = "", placeholder: str = "", title: str = "Folder", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.edit = QLineEdit(text)
        self.edit.setPlaceholderText(placeholder)
        self.browse = QPushButton("…")
        self.browse.setFixedWidth(max(28, self.browse.sizeHint().width()))  # never narrower than its text
        self.browse.clicked.connect(self._browse)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit)
        row.addWidget(self.browse)

    def text(self) -> str:
        """The folder typed or chosen."""
        return self.edit.text()

    def setText(self, text: str) -> None:  # noqa: N802 (Qt naming, as QLineEdit)
        """Show ``text`` as the folder."""
        self.edit.setText(text)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.title, self.edit.text())
        if folder:
            self.edit.setText(folder)
