"""Numbers for the shown comparison: relaxed boundary Fβ at ρ, precision, recall, MAE and IoU."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from u2studio.core.mask_metrics import MaskComparison

FIELDS = ("relaxed Fβ", "precision", "recall", "MAE", "IoU")
UPDATING = " (updating…)"


class MetricsPanel(QWidget):
    """Shows one MaskComparison, or dashes when there is nothing to compare."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 8, 8)
        box = QGroupBox("Metrics")
        grid = QGridLayout(box)
        grid.setHorizontalSpacing(10)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self.labels: dict[str, QLabel] = {}
        # relaxed Fβ (with ρ) on its own row, then precision | recall and MAE | IoU side by side
        for name, (row, col, span) in zip(FIELDS, ((0, 0, 3), (1, 0, 1), (1, 2, 1), (2, 0, 1), (2, 2, 1)), strict=True):
            value = QLabel("—")
            value.setObjectName("metricValue")
            self.labels[name] = value
            grid.addWidget(QLabel(name), row, col)
            grid.addWidget(value, row, col + 1, 1, span)
        self.caption = QLabel("Run the model to compare masks.")
        self.caption.setWordWrap(True)
        grid.addWidget(self.caption, 3, 0, 1, 4)
        layout.addWidget(box)

    def mark_stale(self) -> None:
        """Grey the numbers while they are being recomputed (a 24-MP comparison takes a moment), so old
        numbers never pass for the current mask's."""
        if self.labels["IoU"].text() == "—":
            return
        for label in self.labels.values():
            label.setEnabled(False)
        if not self.caption.text().endswith(UPDATING):
            self.caption.setText(self.caption.text() + UPDATING)

    def show_comparison(self, result: MaskComparison | None, what: str = "") -> None:
        """Fill in the numbers (None clears them)."""
        for label in self.labels.values():
            label.setEnabled(True)
        if result is None:
            for label in self.labels.values():
                label.setText("—")
            self.caption.setText("Nothing to compare yet.")
            return
        values = (result.relaxed_f, result.precision, result.recall, result.mae, result.iou)
        for name, value in zip(FIELDS, values, strict=True):
            self.labels[name].setText(f"{value:.4f}")
        self.labels["relaxed Fβ"].setText(f"{result.relaxed_f:.4f}  (ρ = {result.rho})")
        self.caption.setText(what)
