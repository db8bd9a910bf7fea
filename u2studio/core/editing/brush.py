"""Soft round brush and eraser: dab shapes, spacing along fast strokes, and per-stroke opacity.

Coordinates are image coordinates as floats: pixel (column c, row r) covers
[c, c+1) × [r, r+1), so its centre is (c + 0.5, r + 0.5), as in Qt scene coordinates.

Within one stroke the coverage of every dab is combined with ``max`` into a
stroke alpha A, and the mask is ``orig + (target − orig)·A`` where ``orig`` is the
mask before the stroke: overlapping dabs never build up beyond the stroke's opacity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

import numpy as np

from u2studio.core.editing.rect import Rect

MAX_SPACING = 0.25
"""Dabs are at most this fraction of the radius apart, so fast strokes leave no gaps."""


class BrushMode(str, Enum):
    """What a stroke paints toward: 255 (add) or 0 (erase)."""

    ADD = "add"
    ERASE = "erase"


@dataclass(frozen=True)
class BrushParams:
    """One stroke's settings.

    radius: in image pixels (≥ 0.5). hardness: 1 is a hard, anti-aliased disk, 0 a
    falloff over the whole radius. opacity: the most a stroke changes a pixel, 0..1.
    spacing: dab distance as a fraction of the radius (clamped to MAX_SPACING).
    pressure_size / pressure_opacity: whether pen pressure (0..1) scales the radius / opacity.
    """

    radius: float = 10.0
    hardness: float = 0.8
    opacity: float = 1.0
    mode: BrushMode = BrushMode.ADD
    spacing: float = MAX_SPACING
    pressure_size: bool = True
    pressure_opacity: bool = False
    min_pressure_scale: float = 0.1

    def __post_init__(self) -> None:
        if not (math.isfinite(self.radius) and self.radius >= 0.5):
            raise ValueError(f"brush radius must be at least 0.5 pixel, got {self.radius}")
        if not 0.0 <= self.hardness <= 1.0:
            raise ValueError(f"brush hardness must be within 0..1, got {self.hardness}")
        if not 0.0 < self.opacity <= 1.0:
            raise ValueError(f"brush opacity must be within (0, 1], got {self.opacity}")
        if not self.spacing > 0:
            raise ValueError(f"dab spacing must be positive, got {self.spacing}")
        object.__setattr__(self, "mode", BrushMode(self.mode))

    @property
    def target(self) -> int:
        """The value the stroke paints toward."""
        return 255 if self.mode is BrushMode.ADD else 0

    def dab_radius(self, pressure: float) -> float:
        """The radius of a dab at this pressure."""
        if not self.pressure_size:
            return self.radius
        return max(0.5, self.radius * max(self.min_pressure_scale, pressure))

    def dab_opacity(self, pressure: float) -> float:
        """The peak alpha of a dab at this pressure."""
        if not self.pressure_opacity:
            return self.opacity
        return self.opacity * max(self.min_pressure_scale, pressure)

    def step(self, radius: float) -> float:
        """Distance between dab centres for a dab of this radius."""
        return max(0.25, min(self.spacing, MAX_SPACING) * radius)


def dab_alpha(x: float, y: float, radius: float, hardness: float, opacity: float, rect: Rect) -> np.ndarray:
    """The alpha (float32, 0..opacity) of a round dab centred at (x, y), sampled on the pixels of ``rect``.

    The falloff is smoothstep-shaped, ends half a pixel outside the radius and spans
    max((1 − hardness) · radius, 1) pixels, so a hard dab is an anti-aliased disk whose
    coverage sums to π·radius². ``rect`` should hold Rect.around(x, y, radius + 1).
    """
    cols = np.arange(rect.x0, rect.x1, dtype=np.float32) + (0.5 - x)
    rows = np.arange(rect.y0, rect.y1, dtype=np.float32) + (0.5 - y)
    dist = np.sqrt(rows[:, None] ** 2 + cols[None, :] ** 2)
    ramp = max((1.0 - hardness) * radius, 1.0)
    t = np.clip((radius + 0.5 - dist) / ramp, 0.0, 1.0)
    return (t * t * (3.0 - 2.0 * t) * opacity).astype(np.float32, copy=False)


def dab_centres(
    start: tuple[float, float, float], end: tuple[float, float, float], params: BrushParams, carry: float
) -> tuple[list[tuple[float, float, float]], float]:
    """Dab positions (x, y, pressure) along a segment, after ``carry`` pixels already travelled.

    Returns the dabs and the distance travelled since the last dab, to carry into the next segment.
    """
    (x0, y0, p0), (x1, y1, p1) = start, end
    length = math.hypot(x1 - x0, y1 - y0)
    dabs: list[tuple[float, float, float]] = []
    travelled = carry
    pos = 0.0
    while True:
        pressure_here = p0 + (p1 - p0) * (pos / length if length > 0 else 1.0)
        need = max(0.0, params.step(params.dab_radius(pressure_here)) - travelled)
        if pos + need > length:
            break
        pos += need
        t = pos / length
        dabs.append((x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, p0 + (p1 - p0) * t))
        travelled = 0.0
    return dabs, travelled + (length - pos)
