"""The right-hand controls: tint opacity, threshold, side output, ρ, what to compare, reference mask."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from u2studio.gui.common.icons import icon
from u2studio.gui.canvas.view_options import Compare


def _slider(low: int, high: int, value: int) -> QSlider:
    slider = QSlider(Qt.Orientation.Horizontal)
    slider.setRange(low, high)
    slider.setValue(value)
    return slider


class ViewPanel(QWidget):
    """Emits ``changed`` with the panel's part of the view options whenever a control moves."""

    changed = Signal(dict)
    load_reference = Signal()
    side_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)

        mask_box = QGroupBox("Mask")
        form = QFormLayout(mask_box)
        self.opacity = _slider(0, 100, 50)
        self.opacity_label = QLabel()
        form.addRow("Tint opacity", self._with_value(self.opacity, self.opacity_label))
        self.threshold = _slider(1, 99, 50)
        self.threshold_label = QLabel()
        form.addRow("Threshold", self._with_value(self.threshold, self.threshold_label))
        self.soft = QCheckBox("Soft mask (keep probabilities)")
        form.addRow(self.soft)
        note = QLabel("Per image; your corrections stay.")
        note.setObjectName("threshold-note")
        note.setStyleSheet("color: palette(mid);")
        form.addRow(note)
        self.sides = QComboBox()
        self.sides.setEnabled(False)
        self.sides.setPlaceholderText("run the model first")
        self.sides.setToolTip("The side output shown in the Side outputs view (D)")
        form.addRow("Side output", self.sides)
        layout.addWidget(mask_box)

        compare_box = QGroupBox("Boundary comparison")
        form = QFormLayout(compare_box)
        self.rho = _slider(0, 20, 3)
        self.rho_label = QLabel()
        form.addRow("ρ (pixels)", self._with_value(self.rho, self.rho_label))
        self.compare = QComboBox()
        for choice in Compare:
            self.compare.addItem(choice.value, choice)
        form.addRow("Compare", self.compare)
        self.reference_button = QPushButton(icon("file-image-plus-outline"), "Load reference mask…")
        self.reference_button.clicked.connect(self.load_reference)
        form.addRow(self.reference_button)
        legend = QLabel(
            '<span style="color:#28dc46">■</span> matched &nbsp; <span style="color:#eb2828">■</span> unmatched '
            '&nbsp; <span style="color:#288cff">■</span> missed &nbsp; <span style="color:#ffc800">■</span> zone'
        )
        form.addRow(legend)
        layout.addWidget(compare_box)

        layout.addStretch(1)

        for slider in (self.opacity, self.threshold, self.rho):
            slider.valueChanged.connect(self._emit)
            slider.sliderMoved.connect(lambda _v: self._update_labels())
        # a new threshold or ρ recomputes full-resolution masks: apply it when the handle is let go
        self.threshold.setTracking(False)
        self.rho.setTracking(False)
        self.soft.toggled.connect(self._emit)
        self.compare.currentIndexChanged.connect(self._emit)
        self.sides.activated.connect(self.side_chosen)
        self._update_labels()

    @staticmethod
    def _with_value(slider: QSlider, label: QLabel) -> QWidget:
        row = QWidget()
        box = QHBoxLayout(row)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(slider, 1)
        label.setMinimumWidth(34)
        label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        box.addWidget(label)
        return row

    def values(self) -> dict[str, Any]:
        """The options this panel controls."""
        return {
            "opacity": self.opacity.value() / 100.0,
            "threshold": None if self.soft.isChecked() else self.threshold.value() / 100.0,
            "rho": self.rho.value(),
            "compare": self.compare.currentData(),
            "side_index": max(self.sides.currentIndex(), 0),
        }

    def show_threshold(self, threshold: float | None) -> None:
        """Show the shown image's threshold (each image keeps its own) without reporting a change."""
        for widget in (self.threshold, self.soft):
            widget.blockSignals(True)
        self.soft.setChecked(threshold is None)
        if threshold is not None:
            self.threshold.setValue(round(threshold * 100))
        for widget in (self.threshold, self.soft):
            widget.blockSignals(False)
        self._update_labels()

    def prefer_reference(self) -> None:
        """After a reference is loaded, compare the prediction with it (not with its own threshold)."""
        if self.compare.currentData() is Compare.PRED_VS_MASK:
            self.compare.setCurrentIndex(self.compare.findData(Compare.PRED_VS_GT))

    def set_side_names(self, names: tuple[str, ...]) -> None:
        """Offer the side outputs of the shown image."""
        current = self.sides.currentIndex()
        self.sides.blockSignals(True)
        self.sides.clear()
        self.sides.addItems(list(names))
        self.sides.setEnabled(bool(names))
        if names:
            self.sides.setCurrentIndex(min(max(current, 0), len(names) - 1))
        self.sides.blockSignals(False)

    def _update_labels(self) -> None:
        self.opacity_label.setText(f"{self.opacity.value()}%")
        self.threshold_label.setText(f"{self.threshold.sliderPosition() / 100:.2f}")
        self.threshold.setEnabled(not self.soft.isChecked())
        self.rho_label.setText(str(self.rho.sliderPosition()))

    def _emit(self, *_: object) -> None:
        self._update_labels()
        self.changed.emit(self.values())
