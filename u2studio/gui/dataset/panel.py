"""The Dataset dock: choose a dataset, see its pairs, open one to re-edit, approve or reject, and statistics."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from u2studio.core.dataset import Dataset
from u2studio.gui.dataset.prefs import annotator, recent_datasets, set_annotator
from u2studio.gui.dataset.records_model import STEM_ROLE, THUMB, RecordsFilter, RecordsModel
from u2studio.gui.dataset.session import DatasetSession
from u2studio.gui.dataset.stats_view import DatasetStatsView
from u2studio.gui.common.icons import icon

NO_DATASET = (
    "No dataset open.\n\nCreate one with New… or open an existing dataset folder, "
    "then export corrected masks with Ctrl+E."
)
EMPTY = "This dataset has no pairs yet.\n\nCorrect a mask and press Export to dataset (Ctrl+E)."
FILTERED_OUT = "No pairs match this filter."


class DatasetPanel(QWidget):
    """Binds to a DatasetSession; asks the window for the New/Open dialogs through signals."""

    new_requested = Signal()
    open_requested = Signal()

    def __init__(self, session: DatasetSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.model = RecordsModel(self)
        self.proxy = RecordsFilter(self)
        self.proxy.setSourceModel(self.model)
        column = QVBoxLayout(self)
        column.setContentsMargins(8, 8, 8, 8)
        column.setSpacing(6)
        column.addLayout(self._picker_row())
        column.addLayout(self._annotator_row())
        column.addLayout(self._filter_row())
        self.stack = QStackedWidget()
        self.table = self._make_table()
        self.placeholder = QLabel(NO_DATASET)
        self.placeholder.setObjectName("datasetPlaceholder")
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setStyleSheet("color: #8b939c; padding: 16px;")
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.placeholder)
        column.addWidget(self.stack, 1)
        column.addWidget(self._review_row())
        self.stats = DatasetStatsView()
        self.stats.chosen.connect(self.open_stem)
        column.addWidget(self.stats)
        session.opened.connect(lambda _ds: self.fill_picker())
        session.records_changed.connect(self.refresh)
        session.busy_changed.connect(lambda busy: self.busy.setVisible(busy))
        self.fill_picker()
        self.refresh()

    # ----- building -------------------------------------------------------------------
    def _picker_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(4)
        self.picker = QComboBox()
        self.picker.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.picker.setMinimumContentsLength(12)
        self.picker.setToolTip("Recent datasets")
        self.picker.activated.connect(self._picked)
        row.addWidget(self.picker, 1)
        for name, tip, handler in (("folder-plus-outline", "New dataset…", self.new_requested.emit),
                                   ("folder-open-outline", "Open dataset…", self.open_requested.emit)):
            button = QToolButton()
            button.setIcon(icon(name))
            button.setToolTip(tip)
            button.clicked.connect(handler)
            row.addWidget(button)
        return row

    def _annotator_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        label = QLabel("Annotator")
        label.setStyleSheet("color: #8b939c;")
        self.annotator = QLineEdit(annotator(self.session.settings))
        self.annotator.setPlaceholderText("your name, stored with every export")
        self.annotator.editingFinished.connect(lambda: set_annotator(self.session.settings, self.annotator.text()))
        self.annotator.textChanged.connect(lambda text: set_annotator(self.session.settings, text))
        row.addWidget(label)
        row.addWidget(self.annotator, 1)
        return row

    def _filter_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(4)
        self.state_filter = QComboBox()
        for text, value in (("Any state", ""), ("Corrected", "corrected"), ("Approved", "approved"), ("Rejected", "rejected")):
            self.state_filter.addItem(text, value)
        self.split_filter = QComboBox()
        for text, value in (("Any split", ""), ("Train", "train"), ("Val", "val")):
            self.split_filter.addItem(text, value)
        for box in (self.state_filter, self.split_filter):
            box.currentIndexChanged.connect(self._filter_changed)
            row.addWidget(box)
        row.addStretch(1)
        self.busy = QLabel("writing…")
        self.busy.setStyleSheet("color: #e0a852;")
        self.busy.setVisible(False)
        row.addWidget(self.busy)
        self.count = QLabel("")
        self.count.setStyleSheet("color: #8b939c;")
        row.addWidget(self.count)
        return row

    def _make_table(self) -> QTableView:
        table = QTableView()
        table.setObjectName("datasetTable")
        table.setModel(self.proxy)
        table.setSortingEnabled(True)
        table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setIconSize(QSize(THUMB, THUMB))
        table.setShowGrid(False)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        table.verticalHeader().setDefaultSectionSize(THUMB + 6)
        table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # the name gets what the numbers leave
        metrics = table.fontMetrics()
        for col in range(1, self.model.columnCount()):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
            widest = max(metrics.horizontalAdvance(t) for t in ("0.000", "99.9 %", str(self.model.headerData(col, Qt.Orientation.Horizontal))))
            table.setColumnWidth(col, widest + 16)
        for col in (1, 2):  # state and split are under the name (and in the filters)
            table.setColumnHidden(col, True)
        header.setHighlightSections(False)
        table.doubleClicked.connect(lambda index: self.open_stem(index.data(STEM_ROLE)))
        table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        return table

    def _review_row(self) -> QWidget:
        self.review = QWidget()
        row = QHBoxLayout(self.review)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        self.open_button = QPushButton(icon("pencil-outline"), "Edit")
        self.open_button.setToolTip("Open this pair in the studio to re-edit its mask (double-click a row)")
        self.open_button.clicked.connect(lambda: self.open_stem(self.selected_stem() or ""))
        self.approve_button = QPushButton(icon("check-circle-outline"), "Approve")
        self.approve_button.setToolTip("Mark the selected pair approved")
        self.approve_button.clicked.connect(lambda: self.set_selected_state("approved"))
        self.reject_button = QPushButton(icon("close-circle-outline"), "Reject")
        self.reject_button.setToolTip("Mark the selected pair rejected: training skips it")
        self.reject_button.clicked.connect(lambda: self.set_selected_state("rejected"))
        row.addWidget(self.open_button)
        row.addStretch(1)
        row.addWidget(self.approve_button)
        row.addWidget(self.reject_button)
        return self.review

    # ----- behaviour ------------------------------------------------------------------
    def fill_picker(self) -> None:
        """List the recent datasets, the open one first."""
        self.picker.blockSignals(True)
        self.picker.clear()
        ds = self.session.ds
        for path in recent_datasets(self.session.settings):
            self.picker.addItem(icon("database-outline"), Path(path).name or path, path)
            self.picker.setItemData(self.picker.count() - 1, path, Qt.ItemDataRole.ToolTipRole)
        if ds is None:
            self.picker.insertItem(0, "Choose a dataset…", "")
            self.picker.setCurrentIndex(0)
        else:
            self.picker.setCurrentIndex(max(0, self.picker.findData(str(ds.root.resolve()))))
        self.picker.blockSignals(False)

    def _picked(self, index: int) -> None:
        path = self.picker.itemData(index)
        ds = self.session.ds
        if path and (ds is None or Path(path).resolve() != ds.root.resolve()):
            if not self.session.open(path):
                self.fill_picker()

    def refresh(self) -> None:
        """Re-read the records and statistics, keeping the selection."""
        keep = self.selected_stem()
        ds = self.session.ds
        records = self.session.records()
        self.model.set_records(ds.root if ds else None, records)
        self.stats.show_stats(None if ds is None else _stats(ds))
        if keep:
            self.select_stem(keep)
        self._update_view()

    def _filter_changed(self) -> None:
        self.proxy.set_filter(self.state_filter.currentData(), self.split_filter.currentData())
        self._update_view()

    def _update_view(self) -> None:
        total, shown = self.model.rowCount(), self.proxy.rowCount()
        if self.session.ds is None:
            self.placeholder.setText(NO_DATASET)
        elif total == 0:
            self.placeholder.setText(EMPTY)
        elif shown == 0:
            self.placeholder.setText(FILTERED_OUT)
        self.stack.setCurrentWidget(self.table if shown else self.placeholder)
        self.review.setVisible(bool(shown))  # no buttons under an empty state
        self.count.setText("" if self.session.ds is None else (f"{shown} of {total}" if shown != total else f"{total} pairs"))
        self._update_buttons()

    def _update_buttons(self) -> None:
        chosen = self.selected_stem() is not None
        for button in (self.open_button, self.approve_button, self.reject_button):
            button.setEnabled(chosen)

    def set_filter(self, state: str = "", split: str = "") -> None:
        """Choose the state and split filters (``""`` for any)."""
        self.state_filter.setCurrentIndex(self.state_filter.findData(state))
        self.split_filter.setCurrentIndex(self.split_filter.findData(split))

    def visible_stems(self) -> list[str]:
        """Stems of the rows shown, in display order."""
        return [self.proxy.index(row, 0).data(STEM_ROLE) for row in range(self.proxy.rowCount())]

    def selected_stem(self) -> str | None:
        """The stem of the selected row, if any."""
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return rows[0].data(STEM_ROLE) if rows else None

    def select_stem(self, stem: str) -> bool:
        """Select the row of ``stem`` when it is shown."""
        row = self.model.row_of(stem)
        if row < 0:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            return False
        self.table.selectRow(index.row())
        self.table.scrollTo(index)
        return True

    def set_selected_state(self, state: str) -> int | None:
        """Approve or reject the selected pair."""
        stem = self.selected_stem()
        if stem is None:
            self.session.notes.info("Select a pair in the Dataset panel first.")
            return None
        return self.session.set_state(stem, state)

    def open_stem(self, stem: str) -> None:
        """Open a pair in the studio for re-editing."""
        if stem:
            self.select_stem(stem)
            self.session.open_pair(stem)


def _stats(ds: Dataset):  # noqa: ANN202 (DatasetStats | None)
    try:
        return ds.stats(worst=5)
    except Exception:  # noqa: BLE001 (a damaged manifest was already reported by records())
        return None
