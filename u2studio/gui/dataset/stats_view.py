"""Dataset statistics: counts by split and state, mean correction effort, and the worst predictions (clickable)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QGroupBox, QHeaderView, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

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
        self.worst_title = QLabel("Where the model was worst (lowest IoU)")
        self.worst_title.setStyleSheet("color: #8b939c;")
        column.addWidget(self.worst_title)
        self.worst = QTreeWidget()
        self.worst.setObjectName("worstList")
        self.worst.setColumnCount(3)
        self.worst.setHeaderLabels(["Pair", "IoU", "Rel. F"])
        self.worst.setRootIsDecorated(False)
        self.worst.setUniformRowHeights(True)
        self.worst.setAlternatingRowColors(True)
        header = self.worst.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
            self.worst.headerItem().setTextAlignment(col, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.worst.setStyleSheet("QTreeView::item { padding: 3px 2px; } QHeaderView::section { padding: 2px 6px; }")
        self.worst.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.worst.setToolTip("The pairs where the model's prediction needed most correction. Click to open one.")
        self.worst.itemClicked.connect(lambda item, _col: self.chosen.emit(item.data(0, Qt.ItemDataRole.UserRole)))
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
            item = QTreeWidgetItem([w.stem, f"{w.iou:.3f}", f])
            item.setData(0, Qt.ItemDataRole.UserRole, w.stem)
            for col in (1, 2):
                item.setTextAlignment(col, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setToolTip(0, f"Open {w.stem}")
            self.worst.addTopLevelItem(item)
        rows = self.worst.topLevelItemCount()
        if rows:  # exactly as tall as its rows: no empty band under a short list
            row_height = self.worst.sizeHintForRow(0) if self.worst.sizeHintForRow(0) > 0 else 22
            self.worst.setFixedHeight(self.worst.header().sizeHint().height() + rows * row_height + 2 * self.worst.frameWidth())
        has_worst = bool(stats.worst_by_iou)
        self.worst_title.setVisible(has_worst)
        self.worst.setVisible(has_worst)
