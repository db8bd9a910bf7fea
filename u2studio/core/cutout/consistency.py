"""Make the refined alpha agree with the soft mask at the mask's own resolution (back-projection).

A model's soft mask is a small map (U²-Net's 320×320) scaled up bilinearly: at full resolution it is blurred
over several pixels, but on its own grid each value is the object's coverage of that cell. The colour solve
gives the edge its full-resolution shape; these Landweber iterations then move band pixels until the alpha,
averaged onto the mask's grid and scaled back up the same bilinear way, reproduces the mask:
``alpha ← clip(alpha + (mask − up(down(alpha))))``. Only the solved band moves (never the confident interior
or exterior, never locked pixels). Back-projection alone spreads a cell's correction evenly over the cell, so it
alternates with a narrow guided filter of the alpha by the photo (alpha locally an affine function of colour,
the local model of closed-form matting): a cell's missing coverage goes to its background-coloured pixels
(the gaps between strands), not to all of them. Without the grid the stage does not guess it: an estimate one cell off
puts the correction out of phase and makes the edge worse than the plain mask (docs/cutout.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from u2studio.core.cutout.fields import guide_stats, guided_with
from u2studio.core.cutout.parallel import SERIAL, Runner

ITERATIONS = 6  # back-projection steps after the colour solve
FINAL_ITERATIONS = 2  # ... and at full resolution after an alternation on a scaled copy
ROUNDS = 6  # alternations of colour-line smoothing and agreement with the grid
SCALED_ROUNDS = 3  # ... on a scaled copy (at 6000×4000, ÷4 grid: band error 3.98 with 3, 3.96 with 6)
ROUND_ITERATIONS = 3  # back-projection steps per alternation
LINE_RADIUS = 3  # px: the guided filter's window, where alpha is taken to be an affine function of colour
LINE_EPS = 1e-4
MATTE_PIXELS = 2_000_000  # the alternation runs on a copy of at most this size (full resolution below it) ...
MATTE_FLOOR = 1_000_000  # ... and, for a coarse grid, of GRID_PIXELS times the grid's cells but at least this
GRID_PIXELS = 4
GRID_MARGIN = 1.3  # never fewer pixels per grid cell along each side than this
REMAP_COLS = 1024  # cv2.remap wants maps narrower than 32767, so the pixels are laid out in rows of this


PixelMaps = tuple[np.ndarray, np.ndarray, int]  # cv2.remap's x and y maps, and how many pixels they hold


def pixel_maps(ys: np.ndarray, xs: np.ndarray, scale_x: float, scale_y: float) -> PixelMaps:
    """Where full-resolution pixel centres (ys, xs) fall on a map ``scale`` times smaller, laid out for remap."""
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
    return maps[0], maps[1], n


def read_at(small: np.ndarray, maps: PixelMaps) -> np.ndarray:
    """``small`` bilinearly read at the mapped pixels (N×C float32, or N for a one-channel ``small``): the same
    sampling as ``cv2.resize(..., INTER_LINEAR)``, evaluated only there."""
    map_x, map_y, n = maps
    got = cv2.remap(small, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return got.reshape(map_x.size, -1)[:n] if got.ndim == 3 else got.reshape(-1)[:n]


def remap_at(small: np.ndarray, ys: np.ndarray, xs: np.ndarray, scale_x: float, scale_y: float) -> np.ndarray:
    """``small`` bilinearly read at full-resolution pixel centres (ys, xs) scaled by (scale_x, scale_y)."""
    return read_at(small, pixel_maps(ys, xs, scale_x, scale_y))


@dataclass(frozen=True)
class Known:
    """The moving pixels' rows and columns, colours (N×3 float32 0..1) and, optionally, an H×W uint8 map that is
    non-zero exactly there: what the colour solve has already built, handed to :func:`matte_band`."""

    ys: np.ndarray
    xs: np.ndarray
    colour: np.ndarray
    marks: np.ndarray | None = None

    @staticmethod
    def of(image: np.ndarray, moving: np.ndarray, width: int) -> Known:
        """Built from the flat indices alone."""
        ys, xs = np.divmod(moving, width)
        return Known(ys, xs, image.reshape(-1, 3)[moving].astype(np.float32) * np.float32(1.0 / 255.0))


class Agreement:
    """Back-projection onto a mask's grid for one resolution: the moving pixels' maps and targets, built once."""

    def __init__(self, shape: tuple[int, int], mask: np.ndarray, grid: tuple[int, int], moving: np.ndarray,
                 at: tuple[np.ndarray, np.ndarray] | None = None):
        height, width = shape
        self.grid, self.moving = grid, moving
        self.active = bool(len(moving)) and grid[0] < width and grid[1] < height
        ys, xs = at if at is not None else np.divmod(moving, width)
        self.maps = pixel_maps(ys, xs, grid[0] / width, grid[1] / height)
        self.target = mask.reshape(-1)[moving].astype(np.float32) * np.float32(1.0 / 255.0)

    def step(self, alpha: np.ndarray, iterations: int) -> None:
        """In place: ``iterations`` Landweber steps on ``alpha`` (H×W float32 0..1) at the moving pixels."""
        if not self.active:
            return
        flat = alpha.reshape(-1)
        values = flat[self.moving]
        for _ in range(iterations):
            seen = read_at(cv2.resize(alpha, self.grid, interpolation=cv2.INTER_AREA), self.maps)
            values += self.target - seen
            np.clip(values, 0.0, 1.0, out=values)
            flat[self.moving] = values


class SplitGuide:
    """The narrow colour guided filter over a region, cut into row pieces that are filtered side by side.

    Each piece carries ``2 · radius + 2`` extra rows on either side, enough for the filter's two box passes, and
    keeps only its own rows, so the stitched result is the whole region's filter.
    """

    def __init__(self, photo: np.ndarray, run: Runner, pieces: int | None = None):
        height = photo.shape[0]
        margin = 2 * LINE_RADIUS + 2
        cuts = np.linspace(0, height, (pieces or run.threads) + 1).round().astype(int)
        self.run = run
        self.pieces = [(max(0, a - margin), min(height, b + margin), a, b)
                       for a, b in zip(cuts[:-1].tolist(), cuts[1:].tolist()) if b > a]
        self.stats = run.map(lambda piece: guide_stats(
            photo[piece[0] : piece[1]].astype(np.float32) * np.float32(1.0 / 255.0), LINE_RADIUS, LINE_EPS),
            self.pieces)

    def coefficients(self, src: np.ndarray) -> np.ndarray:
        """The guided filter's averaged linear coefficients of ``src`` (H×W float32) as H×W×4 float32."""
        out = np.empty((*src.shape, 4), np.float32)

        def one(i: int) -> None:
            lo, hi, a, b = self.pieces[i]
            out[a:b] = guided_with(self.stats[i], np.ascontiguousarray(src[lo:hi]))[a - lo : b - lo]

        self.run.map(one, range(len(self.pieces)))
        return out

    def smooth(self, alpha: np.ndarray, band: np.ndarray) -> None:
        """In place: ``alpha`` (a view) at ``band`` replaced by its guided filter ``a · I + b``."""
        outs: list[np.ndarray] = [np.empty(0, np.float32)] * len(self.pieces)

        def one(i: int) -> None:
            lo, hi, a, b = self.pieces[i]
            coeff = guided_with(self.stats[i], np.ascontiguousarray(alpha[lo:hi]))[a - lo : b - lo]
            image = self.stats[i].guide[a - lo : b - lo]
            out = coeff[..., 3] + coeff[..., 0] * image[..., 0]
            out += coeff[..., 1] * image[..., 1]
            out += coeff[..., 2] * image[..., 2]
            outs[i] = out

        self.run.map(one, range(len(self.pieces)))  # every piece reads alpha before any is written
        for (_, _, a, b), out in zip(self.pieces, outs):
            rows = band[a:b]
            alpha[a:b][rows] = np.clip(out[rows], 0.0, 1.0)


def _around(band: np.ndarray, margin: int) -> tuple[slice, slice]:
    """The band's bounding box grown by ``margin`` (the guided filter is exact inside it at that margin)."""
    rows, cols = np.flatnonzero(band.any(axis=1)), np.flatnonzero(band.any(axis=0))
    return (slice(max(0, rows[0] - margin), rows[-1] + margin + 1),
            slice(max(0, cols[0] - margin), cols[-1] + margin + 1))


def matte_band(image: np.ndarray, alpha: np.ndarray, mask: np.ndarray, grid: tuple[int, int],
               moving: np.ndarray, matte_pixels: int | None = None, known: Known | None = None,
               run: Runner = SERIAL) -> None:
    """In place: the band's alpha (H×W float32) made to agree with the mask on ``grid`` and to follow the photo.

    ``image`` is the H×W×3 uint8 photo, ``mask`` the H×W uint8 soft mask, ``moving`` the flat indices that may
    change. Above ``matte_pixels`` (default: 4 × the grid's cells, within 1–2 MP) the alternation runs on a
    scaled copy and its last guided filter's coefficients are evaluated on the full-resolution colour (the fast
    guided filter), then back-projected once more. The guided filter only covers the band's bounding box.
    ``known``: what the caller already has about the moving pixels, so it is not rebuilt at full resolution.
    """
    height, width = alpha.shape
    if not len(moving) or grid[0] >= width or grid[1] >= height:
        return
    if matte_pixels is None:
        matte_pixels = min(MATTE_PIXELS, max(MATTE_FLOOR, GRID_PIXELS * grid[0] * grid[1]))
    scale = float(np.sqrt(height * width / matte_pixels))
    # never coarser than GRID_MARGIN × the grid: a copy at or below the grid's size cannot see within its cells
    scale = max(1.0, min(scale, min(width / grid[0], height / grid[1]) / GRID_MARGIN))
    known = known or Known.of(image, moving, width)
    marks = known.marks
    if marks is None:
        marks = np.zeros(height * width, np.uint8)
        marks[moving] = 255
        marks = marks.reshape(height, width)
    if scale == 1.0:
        size, photo, alpha_s, mask_s, band_s = (width, height), image, alpha, mask, marks > 0
    else:
        size = (max(1, round(width / scale)), max(1, round(height / scale)))
        photo = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        alpha_s = cv2.resize(alpha, size, interpolation=cv2.INTER_AREA)
        mask_s = cv2.resize(mask, size, interpolation=cv2.INTER_AREA)
        band_s = cv2.resize(marks, size, interpolation=cv2.INTER_AREA) > 0
    moving_s = moving if scale == 1.0 else np.flatnonzero(band_s)
    box = _around(band_s, 2 * LINE_RADIUS + 2)
    guide = SplitGuide(photo[box], run)
    agree = Agreement(band_s.shape, mask_s, grid, moving_s)
    agree.step(alpha_s, ITERATIONS)
    for _ in range(ROUNDS if scale == 1.0 else SCALED_ROUNDS):
        guide.smooth(alpha_s[box], band_s[box])
        agree.step(alpha_s, ROUND_ITERATIONS)
    if scale == 1.0:
        return
    coeff = np.zeros((size[1], size[0], 4), np.float32)
    coeff[box] = guide.coefficients(alpha_s[box])
    at = remap_at(coeff, known.ys, known.xs, size[0] / width, size[1] / height)
    flat = alpha.reshape(-1)
    flat[moving] = np.clip(np.einsum("ij,ij->i", at[:, :3], known.colour) + at[:, 3], 0.0, 1.0)
    Agreement(alpha.shape, mask, grid, moving, (known.ys, known.xs)).step(alpha, FINAL_ITERATIONS)
