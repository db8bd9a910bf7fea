"""Make the refined alpha agree with the soft mask at the mask's own resolution (back-projection).

A model's soft mask is a small map (U²-Net's 320×320) scaled up bilinearly: at full resolution it is blurred
over several pixels, but on its own grid each value is the object's coverage of that cell. The colour solve
gives the edge its full-resolution shape; these Landweber iterations then move band pixels until the alpha,
averaged onto the mask's grid and scaled back up the same bilinear way, reproduces the mask:
``alpha ← clip(alpha + (mask − up(down(alpha))))``. Only the solved band moves (never the confident interior
or exterior, never locked pixels). Without the grid the stage does not guess it: an estimate one cell off
puts the correction out of phase and makes the edge worse than the plain mask (docs/cutout.md).
"""

from __future__ import annotations

import cv2
import numpy as np

ITERATIONS = 6
REMAP_COLS = 1024  # cv2.remap wants maps narrower than 32767, so the pixels are laid out in rows of this


def remap_at(small: np.ndarray, ys: np.ndarray, xs: np.ndarray, scale_x: float, scale_y: float) -> np.ndarray:
    """``small`` bilinearly read at full-resolution pixel centres (ys, xs) scaled by (scale_x, scale_y).

    The same sampling as ``cv2.resize(..., INTER_LINEAR)`` to a size ``small.shape / scale``, evaluated only at
    the given pixels (N×C float32, or N for a one-channel ``small``).
    """
    n = len(ys)
    rows = -(-n // REMAP_COLS)
    maps = []
    for at, scale in ((xs, scale_x), (ys, scale_y)):
        out = np.zeros(rows * REMAP_COLS, np.float32)
        view = out[:n]
        view[:] = at
        view += 0.5
        view *= scale
        view -= 0.5
        maps.append(out.reshape(rows, REMAP_COLS))
    got = cv2.remap(small, maps[0], maps[1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return got.reshape(rows * REMAP_COLS, -1)[:n] if got.ndim == 3 else got.reshape(-1)[:n]


def agree_with_grid(alpha: np.ndarray, mask: np.ndarray, grid: tuple[int, int], moving: np.ndarray,
                    iterations: int = ITERATIONS) -> None:
    """In place: move ``alpha`` (H×W float32 0..1) at the ``moving`` pixels (flat indices) toward consistency.

    ``mask`` is the soft mask at full resolution (H×W uint8), ``grid`` its native (width, height).
    """
    height, width = alpha.shape
    if not len(moving) or grid[0] >= width or grid[1] >= height:
        return
    ys, xs = np.divmod(moving, width)
    target = mask.reshape(-1)[moving].astype(np.float32) * np.float32(1.0 / 255.0)
    flat = alpha.reshape(-1)
    values = flat[moving]
    for _ in range(iterations):
        small = cv2.resize(alpha, grid, interpolation=cv2.INTER_AREA)
        seen = remap_at(small, ys, xs, grid[0] / width, grid[1] / height)
        values += target - seen
        np.clip(values, 0.0, 1.0, out=values)
        flat[moving] = values
