"""Undo records as bounding-box diffs (old and new values, zlib-compressed when large) and a capped history."""

from __future__ import annotations

import zlib
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from u2studio.core.editing.rect import Rect

COMPRESS_ABOVE = 64 * 1024
"""Boxes with more pixels than this are stored zlib-compressed (level 1: fast, and masks compress well)."""
RECORD_OVERHEAD = 256
"""Bytes charged per record for the Python objects around the pixel data."""
DEFAULT_MAX_BYTES = 256 * 1024 * 1024


def _pack(values: np.ndarray, compress: bool = True) -> tuple[bytes | np.ndarray, bool]:
    """Keep small boxes as arrays; compress large ones (unless ``compress`` is False: see ``EditRecord.compacted``)."""
    if compress and values.size > COMPRESS_ABOVE:
        return zlib.compress(np.ascontiguousarray(values), 1), True  # the buffer itself: no copy first
    return np.ascontiguousarray(values).copy(), False


def _unpack(data: bytes | np.ndarray, compressed: bool, shape: tuple[int, int]) -> np.ndarray:
    """The stored values as an array of ``shape``."""
    if compressed:
        assert isinstance(data, bytes)
        return np.frombuffer(zlib.decompress(data), dtype=np.uint8).reshape(shape)
    assert isinstance(data, np.ndarray)
    return data


@dataclass(frozen=True, eq=False)
class EditRecord:
    """One undo step: the box that changed, the values before and after, and a label for menus.

    ``revert(mask)`` writes the old values back and ``apply(mask)`` the new ones, so a
    GUI's QUndoCommand can wrap a record with two one-line methods.
    """

    rect: Rect
    label: str
    _old: bytes | np.ndarray = field(repr=False)
    _new: bytes | np.ndarray = field(repr=False)
    compressed: bool = False

    @classmethod
    def capture(cls, rect: Rect, old: np.ndarray, new: np.ndarray, label: str, compress: bool = True) -> EditRecord:
        """Store the old and new values of ``rect`` (both H×W uint8 crops of the same shape).

        ``compress=False`` keeps a large box raw for now, so the caller (the GUI thread at the end of a stroke) does
        not wait for zlib; ``compacted()`` makes the compressed record later, on another thread.
        """
        if old.shape != new.shape or old.shape != (rect.height, rect.width):
            raise ValueError(f"values {old.shape}/{new.shape} do not fit the box {rect}")
        if old.dtype != np.uint8 or new.dtype != np.uint8:
            raise ValueError("edit records hold uint8 mask values")
        old_data, compressed = _pack(old, compress)
        new_data, _ = _pack(new, compress)
        return cls(rect, label, old_data, new_data, compressed)

    @property
    def compactable(self) -> bool:
        """Whether ``compacted()`` would shrink it: a large box captured with ``compress=False``."""
        return not self.compressed and self.rect.height * self.rect.width > COMPRESS_ABOVE

    def compacted(self) -> EditRecord:
        """The same step with its values zlib-compressed (itself when it already is, or is small).

        Safe on any thread: a raw record's arrays are its own copies and never change.
        """
        if not self.compactable:
            return self
        assert isinstance(self._old, np.ndarray) and isinstance(self._new, np.ndarray)
        return EditRecord(self.rect, self.label, zlib.compress(self._old, 1), zlib.compress(self._new, 1), True)

    @property
    def shape(self) -> tuple[int, int]:
        """(height, width) of the box."""
        return self.rect.height, self.rect.width

    @property
    def old_values(self) -> np.ndarray:
        """The box's values before the edit."""
        return _unpack(self._old, self.compressed, self.shape)

    @property
    def new_values(self) -> np.ndarray:
        """The box's values after the edit."""
        return _unpack(self._new, self.compressed, self.shape)

    @property
    def nbytes(self) -> int:
        """Memory the record holds (pixel data plus a fixed overhead)."""
        return len(self._old) + len(self._new) + RECORD_OVERHEAD if self.compressed else (
            self._old.nbytes + self._new.nbytes + RECORD_OVERHEAD  # type: ignore[union-attr]
        )

    def revert(self, mask: np.ndarray) -> Rect:
        """Undo: write the old values into ``mask``; returns the dirty box."""
        mask[self.rect.slices] = self.old_values
        return self.rect

    def apply(self, mask: np.ndarray) -> Rect:
        """Redo: write the new values into ``mask``; returns the dirty box."""
        mask[self.rect.slices] = self.new_values
        return self.rect


class History:
    """Undo and redo stacks of EditRecords, capped in bytes and in count (oldest records go first)."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES, max_records: int = 1000) -> None:
        if max_bytes <= 0 or max_records <= 0:
            raise ValueError("the history needs a positive byte cap and record cap")
        self.max_bytes = max_bytes
        self.max_records = max_records
        self._undo: deque[EditRecord] = deque()
        self._redo: list[EditRecord] = []
        self._nbytes = 0
        self.dropped = 0

    @property
    def nbytes(self) -> int:
        """Bytes held by all records, undo and redo."""
        return self._nbytes

    @property
    def can_undo(self) -> bool:
        """Whether there is a step to undo."""
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        """Whether there is a step to redo."""
        return bool(self._redo)

    def __len__(self) -> int:
        return len(self._undo)

    def undo_label(self) -> str | None:
        """The label of the step undo() would revert."""
        return self._undo[-1].label if self._undo else None

    def redo_label(self) -> str | None:
        """The label of the step redo() would re-apply."""
        return self._redo[-1].label if self._redo else None

    def push(self, record: EditRecord) -> None:
        """Add a new step; clears the redo stack and drops the oldest steps over the caps."""
        for stale in self._redo:
            self._nbytes -= stale.nbytes
        self._redo.clear()
        self._undo.append(record)
        self._nbytes += record.nbytes
        while len(self._undo) > 1 and (self._nbytes > self.max_bytes or len(self._undo) > self.max_records):
            self._nbytes -= self._undo.popleft().nbytes
            self.dropped += 1

    def undo(self, mask: np.ndarray) -> Rect | None:
        """Revert the newest step in ``mask``; returns its box, or None when there is nothing to undo."""
        if not self._undo:
            return None
        record = self._undo.pop()
        self._redo.append(record)
        return record.revert(mask)

    def redo(self, mask: np.ndarray) -> Rect | None:
        """Re-apply the last undone step in ``mask``; returns its box, or None when there is nothing to redo."""
        if not self._redo:
            return None
        record = self._redo.pop()
        self._undo.append(record)
        return record.apply(mask)

    def clear(self) -> None:
        """Forget every step."""
        self._undo.clear()
        self._redo.clear()
        self._nbytes = 0
