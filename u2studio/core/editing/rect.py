"""Axis-aligned pixel rectangles: the dirty regions and undo boxes of the editing engine."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Rect:
    """A half-open pixel box [x0, x1) × [y0, y1) in image coordinates."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        """Columns covered (0 for an empty box)."""
        return max(0, self.x1 - self.x0)

    @property
    def height(self) -> int:
        """Rows covered (0 for an empty box)."""
        return max(0, self.y1 - self.y0)

    @property
    def area(self) -> int:
        """Pixels covered."""
        return self.width * self.height

    @property
    def is_empty(self) -> bool:
        """Whether the box covers no pixel."""
        return self.width == 0 or self.height == 0

    @property
    def slices(self) -> tuple[slice, slice]:
        """(rows, columns) slices that index this box in an H×W array."""
        return slice(self.y0, self.y1), slice(self.x0, self.x1)

    def union(self, other: Rect | None) -> Rect:
        """The smallest box holding both (an empty or missing box adds nothing)."""
        if other is None or other.is_empty:
            return self
        if self.is_empty:
            return other
        return Rect(min(self.x0, other.x0), min(self.y0, other.y0), max(self.x1, other.x1), max(self.y1, other.y1))

    def intersect(self, other: Rect) -> Rect:
        """The overlap of two boxes (possibly empty)."""
        x0, y0 = max(self.x0, other.x0), max(self.y0, other.y0)
        return Rect(x0, y0, max(x0, min(self.x1, other.x1)), max(y0, min(self.y1, other.y1)))

    def expand(self, margin: int) -> Rect:
        """The box grown by ``margin`` pixels on every side."""
        return Rect(self.x0 - margin, self.y0 - margin, self.x1 + margin, self.y1 + margin)

    def clip(self, width: int, height: int) -> Rect:
        """The box limited to an image of the given size."""
        return self.intersect(Rect(0, 0, width, height))

    def translate(self, dx: int, dy: int) -> Rect:
        """The box moved by (dx, dy)."""
        return Rect(self.x0 + dx, self.y0 + dy, self.x1 + dx, self.y1 + dy)

    @classmethod
    def full(cls, shape: tuple[int, ...]) -> Rect:
        """The whole of an H×W(×C) array."""
        return cls(0, 0, int(shape[1]), int(shape[0]))

    @classmethod
    def around(cls, x: float, y: float, radius: float) -> Rect:
        """The pixels a disk of ``radius`` centred at (x, y) can touch (pixel centres at integer + 0.5)."""
        return cls(
            math.floor(x - radius),
            math.floor(y - radius),
            math.ceil(x + radius) + 1,
            math.ceil(y + radius) + 1,
        )

    @classmethod
    def bounding(cls, points: np.ndarray) -> Rect:
        """The pixels an N×2 array of (x, y) points can touch."""
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        if pts.size == 0:
            return cls(0, 0, 0, 0)
        return cls(
            math.floor(pts[:, 0].min()) - 1,
            math.floor(pts[:, 1].min()) - 1,
            math.ceil(pts[:, 0].max()) + 2,
            math.ceil(pts[:, 1].max()) + 2,
        )

    @classmethod
    def of_nonzero(cls, array: np.ndarray) -> Rect | None:
        """The tight box around the non-zero pixels of a 2-D array, or None when there are none."""
        rows = np.flatnonzero(array.any(axis=1))
        if rows.size == 0:
            return None
        cols = np.flatnonzero(array.any(axis=0))
        return cls(int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1)
