"""The Cutout box: edge mode (hard, feathered, refined), feather radius, decontamination and the preview background.

The same settings drive the cutout view (K), Save cutout and Copy cutout.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from u2studio.gui.canvas.view_options import BACKGROUNDS, EDGE_LABELS, CutoutChoice


class CutoutPanel(QWidget):
    """Emits ``changed(CutoutChoice)`` whenever a control moves."""

    changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 8, 0)
        box = QGroupBox("Cutout")
        form = QFormLayout(box)
        self.edges = QComboBox()
        for key, label in EDGE_LABELS.items():
            self.edges.addItem(label, key)
        self.edges.setToolTip("Refined solves the edge band against the full-resolution photo (hair, fur)")
        form.addRow("Edges", self.edges)
        self.radius = QDoubleSpinBox()
        self.radius.setRange(0.5, 50.0)
        self.radius.setSingleStep(0.5)
        self.radius.setSuffix(" px")
        form.addRow("Feather", self.radius)
        self.decontaminate = QCheckBox("Decontaminate colours")
        self.decontaminate.setToolTip("Replace the old background's colour in see-through edge pixels")
        form.addRow(self.decontaminate)
        self.amount = QSlider(Qt.Orientation.Horizontal)
        self.amount.setRange(0, 100)
        form.addRow("Amount", self.amount)
        self.background = QComboBox()
        for key in BACKGROUNDS:
            self.background.addItem(key.capitalize(), key)
        self.background.addItem("Colour…", "pick")
        form.addRow("Preview on", self.background)
        layout.addWidget(box)
        self._colour = "#3c78d8"
        self.show_choice(CutoutChoice())
        self.edges.currentIndexChanged.connect(self._emit)
        self.radius.valueChanged.connect(self._emit)
        self.decontaminate.toggled.connect(self._emit)
        self.amount.valueChanged.connect(self._emit)
        self.background.activated.connect(self._background_chosen)

    def show_choice(self, choice: CutoutChoice) -> None:
        """Show ``choice`` without reporting a change."""
        widgets = (self.edges, self.radius, self.decontaminate, self.amount, self.background)
        for w in widgets:
            w.blockSignals(True)
        self.edges.setCurrentIndex(max(self.edges.findData(choice.edges), 0))
        self.radius.setValue(choice.feather_radius)
        self.decontaminate.setChecked(choice.decontaminate)
        self.amount.setValue(round(choice.amount * 100))
        index = self.background.findData(choice.background)
        if index < 0:
            self._colour = choice.background
            index = self.background.findData("pick")
        self.background.setCurrentIndex(index)
        for w in widgets:
            w.blockSignals(False)
        self._enable()

    def choice(self) -> CutoutChoice:
        """The settings the controls show."""
        key = self.background.currentData()
        return CutoutChoice(
            edges=str(self.edges.currentData()),
            feather_radius=float(self.radius.value()),
            decontaminate=self.decontaminate.isChecked(),
            amount=self.amount.value() / 100.0,
            background=self._colour if key == "pick" else str(key),
        )

    def _background_chosen(self, _index: int) -> None:
        if self.background.currentData() == "pick":
            colour = QColorDialog.getColor(QColor(self._colour), self, "Preview background")
            if colour.isValid():
                self._colour = colour.name()
        self._emit()

    def _enable(self) -> None:
        self.radius.setEnabled(self.edges.currentData() == "feather")
        self.amount.setEnabled(self.decontaminate.isChecked())

    def _emit(self, *_: object) -> None:
        self._enable()
        self.changed.emit(self.choice())
