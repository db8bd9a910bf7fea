"""Dataset statistics: counts by split and state, mean correction effort, and the worst predictions (clickable)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from u2studio.core.dataset import DatasetStats


def _mean(value: float | None, fmt: str) -> str:
    return "—" if value is None else fmt.format(value)


class DatasetStatsView(QGroupBox):
    """A compact summary; clicking one of the worst images emits its stem."""

    chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Statistics", parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(8, 6, 8, 8)
        column.setSpacing(6)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(3)
        self.values: dict[str, QLabel] = {}
        for key, label in (("count", "Pairs"), ("split", "Train / val"), ("state", "Corrected / approved / rejected"),
                           ("changed", "Mean pixels changed"), ("iou", "Mean IoU · rel. F"),
                           ("effort", "Mean strokes · time")):
            value = QLabel("—")
            value.setObjectName("metricValue")
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.values[key] = value
            name = QLabel(label)
            name.setStyleSheet("color: #8b939c;")
            form.addRow(name, value)
        column.addLayout(form)
        self.worst_title = QLabel("Model worst on (by IoU)")
        self.worst_title.setStyleSheet("color: #8b939c;")
        column.addWidget(self.worst_title)
        self.worst = QListWidget()
        self.worst.setObjectName("worstList")
        self.worst.setMaximumHeight(5 * 22 + 6)
        self.worst.setToolTip("Click to open the pair")
        self.worst.itemClicked.connect(lambda item: self.chosen.emit(item.data(Qt.ItemDataRole.UserRole)))
        column.addWidget(self.worst)

    def show_stats(self, stats: DatasetStats | None) -> None:
        """Fill in the numbers (dashes when there is no dataset)."""
        v = self.values
        self.worst.clear()
        if stats is None:
            for label in v.values():
                label.setText("—")
            self.worst_title.setVisible(False)
            self.worst.setVisible(False)
            return
        v["count"].setText(str(stats.count))
        v["split"].setText(f"{stats.by_split.get('train', 0)} / {stats.by_split.get('val', 0)}")
        s = stats.by_state
        v["state"].setText(f"{s.get('corrected', 0)} / {s.get('approved', 0)} / {s.get('rejected', 0)}")
        v["changed"].setText(_mean(None if stats.mean_changed is None else stats.mean_changed * 100, "{:.2f} %"))
        v["iou"].setText(f"{_mean(stats.mean_iou, '{:.3f}')} · {_mean(stats.mean_relax_f, '{:.3f}')}")
        v["effort"].setText(f"{_mean(stats.mean_strokes, '{:.1f}')} · {_mean(stats.mean_seconds, '{:.0f} s')}")
        for w in stats.worst_by_iou:
            f = "—" if w.relax_f is None else f"{w.relax_f:.3f}"
            item = QListWidgetItem(f"{w.stem}    IoU {w.iou:.3f} · F {f}")
            item.setData(Qt.ItemDataRole.UserRole, w.stem)
            item.setToolTip(f"Open {w.stem}")
            self.worst.addItem(item)
        has_worst = bool(stats.worst_by_iou)
        self.worst_title.setVisible(has_worst)
        self.worst.setVisible(has_worst)
