"""The "New dataset…" dialog: a folder (new or empty) and the validation share."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)


class NewDatasetDialog(QDialog):
    """Asks where to create a dataset and which share of images goes to validation."""

    def __init__(self, start: str, val_ratio: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New dataset")
        self.setMinimumWidth(460)
        form = QFormLayout(self)
        row = QHBoxLayout()
        self.folder = QLineEdit(start)
        self.folder.setPlaceholderText("a new or empty folder")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        form.addRow("Folder", row)
        self.val_ratio = QDoubleSpinBox()
        self.val_ratio.setRange(0.0, 0.5)
        self.val_ratio.setSingleStep(0.05)
        self.val_ratio.setDecimals(2)
        self.val_ratio.setValue(val_ratio)
        self.val_ratio.setToolTip("Share of images (chosen by content hash, stable) in the validation split")
        form.addRow("Validation share", self.val_ratio)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Dataset folder", self.folder.text() or str(Path.home()))
        if folder:
            self.folder.setText(folder)

    def _accept(self) -> None:
        if self.folder.text().strip():
            self.accept()

    def choice(self) -> tuple[str, float]:
        """The folder and validation share chosen."""
        return self.folder.text().strip(), float(self.val_ratio.value())
