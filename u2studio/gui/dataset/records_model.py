"""The dataset's records as a table model (stem with a lazily made thumbnail, state, split, IoU, relaxed F,
changed share) and a proxy that filters by state and split and sorts numerically."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel, Qt, Slot
from PySide6.QtGui import QColor, QImage, QPixmap

from u2studio.core.dataset import Record
from u2studio.gui.common.thumbnails import ThumbnailLoader

THUMB = 36
COLUMNS = ("Pair", "State", "Split", "IoU", "Rel. F", "Chg.")
COLUMN_TIPS = ("", "", "", "IoU of the model's prediction and the saved mask",
               "relaxed boundary F of the prediction against the saved mask", "share of pixels the correction changed")
STATE_COLORS = {"corrected": "#c792ea", "approved": "#6fcf7f", "rejected": "#e05252"}
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
STEM_ROLE = Qt.ItemDataRole.UserRole + 2
STATE_ROLE = Qt.ItemDataRole.UserRole + 3
SPLIT_ROLE = Qt.ItemDataRole.UserRole + 4
Index = QModelIndex | QPersistentModelIndex


def _fmt(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value * 100:.1f} %" if percent else f"{value:.3f}"


class RecordsModel(QAbstractTableModel):
    """One row per record; thumbnails are made on first display, off the UI thread, and cached by image hash."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.root: Path | None = None
        self._records: list[Record] = []
        self._thumbs: dict[str, QPixmap] = {}  # "stem|image sha" -> thumbnail
        self.loader = ThumbnailLoader(THUMB, self)
        self.loader.ready.connect(self._thumb_ready)

    def set_records(self, root: Path | None, records: list[Record]) -> None:
        """Show ``records`` of the dataset in ``root``."""
        if root != self.root:
            self._thumbs.clear()
            self.loader.forget()
        self.beginResetModel()
        self.root = root
        self._records = list(records)
        self.endResetModel()

    def record(self, row: int) -> Record:
        """The record shown in ``row``."""
        return self._records[row]

    def row_of(self, stem: str) -> int:
        """The row of ``stem``, or -1."""
        return next((i for i, r in enumerate(self._records) if r.stem == stem), -1)

    def thumbnail_count(self) -> int:
        """How many thumbnails have been made so far (they are made only for rows that were shown)."""
        return len(self._thumbs)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        """Records shown."""
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        """Fixed columns."""
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        """Column titles."""
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return COLUMN_TIPS[section] or None
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.TextAlignmentRole:
            side = Qt.AlignmentFlag.AlignRight if section >= 3 else Qt.AlignmentFlag.AlignLeft
            return int(side | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        """Text, thumbnail, colours, alignment and sort keys of one cell."""
        if not index.isValid():
            return None
        r = self._records[index.row()]
        c, col = r.correction, index.column()
        if role == STEM_ROLE:
            return r.stem
        if role == STATE_ROLE:
            return r.state
        if role == SPLIT_ROLE:
            return r.split
        if role == Qt.ItemDataRole.DisplayRole:
            # the name column also says state and split: the panel hides those columns in a narrow dock
            name = f"{r.stem}\n{r.state} · {r.split}"
            return (name, r.state, r.split, _fmt(c.iou), _fmt(c.relax_f), _fmt(c.changed, True))[col]
        if role == SORT_ROLE:
            missing = 2.0  # pairs without a prediction sort after every measured one
            return (r.stem.lower(), r.state, r.split, c.iou if c.iou is not None else missing,
                    c.relax_f if c.relax_f is not None else missing, c.changed if c.changed is not None else -1.0)[col]
        if role == Qt.ItemDataRole.DecorationRole and col == 0:
            return self._thumbnail(r)
        if role == Qt.ItemDataRole.ForegroundRole and col == 1:
            return QColor(STATE_COLORS.get(r.state, "#d7dbe0"))
        if role == Qt.ItemDataRole.TextAlignmentRole and col >= 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return (f"{r.stem}\n{r.source or r.image}\n{r.width}×{r.height} · revision {r.revision}"
                    f"\nmodel {r.model or '—'} · annotator {r.annotator or '—'}\n"
                    f"{c.strokes} strokes · {c.seconds:.0f} s")
        return None

    def _thumbnail(self, r: Record) -> QPixmap | None:
        key = f"{r.stem}|{r.image_sha256}"
        if key in self._thumbs:
            return self._thumbs[key]
        if self.root is not None:
            self.loader.request(key, self.root / r.image)
        return None

    @Slot(str, QImage)
    def _thumb_ready(self, key: str, image: QImage) -> None:
        self._thumbs[key] = QPixmap.fromImage(image)
        row = self.row_of(key.rpartition("|")[0])
        if row >= 0:
            index = self.index(row, 0)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])


class RecordsFilter(QSortFilterProxyModel):
    """Shows the records of one state and one split (or all), sorted by the clicked column."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = ""
        self.split = ""
        self.setSortRole(SORT_ROLE)

    def set_filter(self, state: str = "", split: str = "") -> None:
        """``""`` means any state / any split."""
        self.beginFilterChange()
        self.state, self.split = state, split
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:  # noqa: N802
        """Keep rows matching the chosen state and split."""
        model = self.sourceModel()
        index = model.index(source_row, 0, source_parent)
        return (not self.state or model.data(index, STATE_ROLE) == self.state) and (
            not self.split or model.data(index, SPLIT_ROLE) == self.split
        )
