"""Before and after a fine-tune: the guard's verdict, the metrics table and the held-out images with both masks."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImageReader, QPixmap
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from u2studio.core.run_report import TABLE_METRICS, RunReport

THUMB = 88
CONDITION_TEXT = {
    "mean_iou": "mean IoU improves",
    "maxF": "maxF does not fall by more than 0.005",
    "relaxF": "relaxed Fβ does not fall by more than 0.005",
    "worst_iou_drop": "no image loses more than 0.05 IoU",
}


def _thumbnail(path: Path | None) -> QLabel:
    """A fixed-size picture of ``path`` (read by Qt, scaled down), or a dash when it is missing."""
    label = QLabel("—")
    label.setFixedSize(THUMB, THUMB)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    if path is not None:
        reader = QImageReader(str(path))
        reader.setAutoTransform(True)
        image = reader.read()
        if not image.isNull():
            pixmap = QPixmap.fromImage(image).scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
            label.setPixmap(pixmap)
            label.setToolTip(str(path.name))
    return label


def _cell(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled)
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def condition_lines(report: RunReport) -> list[str]:
    """One line per guard condition: what it asks, the numbers, and whether it held."""
    lines = []
    for key, row in report.conditions.items():
        mark = "✓" if row.get("ok") is True else "✗"
        text = CONDITION_TEXT.get(key, key)
        if "before" in row and "after" in row:
            lines.append(f"{mark} {text}: {_fmt(row.get('before'))} → {_fmt(row.get('after'))}")
        elif "value" in row:
            stem = f" ({row['stem']})" if isinstance(row.get("stem"), str) and row.get("stem") else ""
            lines.append(f"{mark} {text}: largest drop {_fmt(row.get('value'))}{stem}")
        else:
            lines.append(f"{mark} {text}")
    return lines


def shown_delta(delta: float) -> float:
    """A change as the table prints it (three decimals; never "-0.000")."""
    return round(delta, 3) + 0.0


def change_word(delta: float, higher_is_better: bool) -> str:
    """"better", "same" or "worse" for a change, judged on the three decimals the table shows: a change too small
    to print is the same, not better."""
    shown = shown_delta(delta)
    if shown == 0:
        return "same"
    return "better" if (shown > 0) == higher_is_better else "worse"


def _reason(decision: str) -> str:
    """The guard's sentence without a leading "Accepted:" / "Declined:" (the headline says it)."""
    for prefix in ("Accepted:", "Declined:"):
        if decision.startswith(prefix):
            return decision[len(prefix):].strip()
    return decision


def _fmt(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, (int, float)) and not isinstance(value, bool) else "?"


class ResultsView(QWidget):
    """Shows one run's report; the Install button is live only when the guard accepted the new weights."""

    install_requested = Signal()
    discard_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report: RunReport | None = None
        self.verdict = QLabel("")
        self.verdict.setWordWrap(True)
        self.verdict.setObjectName("verdict")
        self.counts = QLabel("")
        self.counts.setWordWrap(True)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["before", "after", "Δ", "pairs", ""])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMinimumHeight(170)
        self.conditions = QLabel("")
        self.conditions.setWordWrap(True)
        self.thumbs = QGridLayout()
        self.install_button = QPushButton("Install the new model")
        self.discard_button = QPushButton("Discard")
        self.install_button.clicked.connect(self.install_requested.emit)
        self.discard_button.clicked.connect(self.discard_requested.emit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.install_button)
        buttons.addWidget(self.discard_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        for widget in (self.verdict, self.counts, self.table, self.conditions):
            column.addWidget(widget)
        column.addLayout(self.thumbs)
        column.addLayout(buttons)

    def show_report(self, report: RunReport) -> None:
        """Fill the view from a run's report."""
        self.report = report
        if report.accepted:
            self.verdict.setText(f"<b>Accepted by the guard.</b> {_reason(report.decision)}")
            self.install_button.setEnabled(True)
            self.install_button.setToolTip("Copy the fine-tuned weights into your models and select them")
        else:
            self.verdict.setText(f"<b>Declined by the guard.</b> {_reason(report.decision)}")
            # the starting weights are already installed: a copy would only add a look-alike to the picker
            self.install_button.setEnabled(False)
            self.install_button.setToolTip("Declined by the guard: the model you started from stays in use")
        trained = f"The new model trained on {report.n_train} pairs" + (" (all of them)" if report.refit else "")
        self.counts.setText(f"{trained}. Every number below is {report.judged()}.")
        names = [name for name, _ in TABLE_METRICS if name in report.before or name in report.after]
        self.table.setRowCount(len(names))
        self.table.setVerticalHeaderLabels(names)
        for row, name in enumerate(names):
            before, after = report.before.get(name), report.after.get(name)
            delta = after - before if before is not None and after is not None else None
            self.table.setItem(row, 0, _cell(_fmt(before)))
            self.table.setItem(row, 1, _cell(_fmt(after)))
            self.table.setItem(row, 2, _cell("?" if delta is None else f"{shown_delta(delta):+.3f}"))
            self.table.setItem(row, 3, _cell(str(report.n_val)))
            self.table.setItem(row, 4, _cell("" if delta is None else change_word(delta, dict(TABLE_METRICS)[name])))
        self.conditions.setText("\n".join(condition_lines(report)))
        self._fill_thumbnails(report)
        self.show()

    def _fill_thumbnails(self, report: RunReport) -> None:
        while self.thumbs.count():
            item = self.thumbs.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        if not report.heldout:
            return
        for col, title in enumerate(("held-out image", "before", "after")):
            self.thumbs.addWidget(QLabel(title), 0, col, Qt.AlignmentFlag.AlignCenter)
        for row, held in enumerate(report.heldout, start=1):
            for col, path in enumerate((held.image, held.before, held.after)):
                self.thumbs.addWidget(_thumbnail(path), row, col)

    def thumbnail_count(self) -> int:
        """How many held-out pictures (image, before and after masks) are on show."""
        return sum(1 for i in range(self.thumbs.count()) if isinstance(self.thumbs.itemAt(i).widget(), QLabel)
                   and self.thumbs.itemAt(i).widget().pixmap() is not None and not self.thumbs.itemAt(i).widget().pixmap().isNull())
