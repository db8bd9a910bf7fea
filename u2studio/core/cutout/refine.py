"""The refined edge: a band around the mask's edge, solved against the full-resolution photo.

Outline (docs/cutout.md has the reasoning and the measurements):

1. The mask is thresholded into a hard shape. Pixels farther than the band radius from its edge are confident
   interior (alpha 1) or exterior (alpha 0): low-confidence haze out there is dropped.
2. On a work copy of about half a megapixel, the interior colours are pushed outward (F) and the background colours
   inward (B), with their local texture, and a colour guided filter of the hard mask snaps its edge onto
   the photo's edges and is solved again narrowly (its linear coefficients are what is kept).
3. Only the band pixels are then visited at full resolution, strip by strip, so memory stays bounded: alpha is
   the photo's colour projected on the local F–B line where F and B differ, and the guided filter's
   ``a · I + b`` (applied to the full-resolution colour) where they do not.
4. Foreground colour in the band is solved from the compositing equation, ``F = B + (I − B) / alpha``, so the
   old background does not bleed into the edge (decontamination, blended in by an amount).
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np

from u2studio.core.cutout.consistency import Known, matte_band, pixel_maps, read_at
from u2studio.core.cutout.fields import extend_colours, guided_coefficients
from u2studio.core.cutout.parallel import SERIAL, Runner

WORK_PIXELS = 500_000  # the work copy's size; soft masks hold no finer information
STRIP_ROWS = 64
SEPARATION = 0.08  # F–B distance (0..1 colour units) at which the colour projection gets half the say
ITERATIONS = 1  # passes that re-estimate F and B from band pixels the solve is sure about
SAMPLE_TRUST = 0.5  # ... how sure (the projection's trust)
SAMPLE_SNAP = 0.05  # ... and how close to 0 or 1 their alpha must be
GUIDE_EPS = 1e-3  # the wide guided filter that snaps the edge (window = the band radius)
FINE = 0.25  # the narrow guided filter's window, as a fraction of the band radius
FINE_EPS = 1e-4
SPREAD_K = 8.0  # how much local texture (colour variance) lowers the projection's trust
SNAP = 0.02  # alpha this close to 0 or 1 is snapped there (no haze, no pinholes)


@dataclass(frozen=True)
class Work:
    """The work-resolution state shared by the full-resolution passes."""

    scale_x: float
    scale_y: float
    fields: tuple[np.ndarray, ...]  # h×w×(≤4) float32 pieces of the sampled channels (remap takes ≤ 4 at speed)
    band: np.ndarray  # H×W uint8 at full resolution: 255 where the edge is solved


def band_radius(height: int, width: int) -> int:
    """The default band half-width in full-resolution pixels: a 320-px model mask scaled up blurs about this far."""
    return max(3, round(max(height, width) / 400))


def softness(m_s: np.ndarray, hard_s: np.ndarray) -> float:
    """How wide the mask's soft ramp is, in work pixels: partly-on pixels per pixel of hard edge."""
    edge = cv2.morphologyEx(hard_s, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    perimeter = max(1, int(np.count_nonzero(edge)) // 2)
    partial = int(np.count_nonzero((m_s > 0.02) & (m_s < 0.98)))
    return partial / perimeter


def _kernel(radius: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


def _work_scale(height: int, width: int) -> int:
    return max(1, int(np.sqrt(height * width / WORK_PIXELS) + 0.5))


def prepare(image: np.ndarray, mask8: np.ndarray, threshold: float, radius: int, with_guided: bool,
            run: Runner = SERIAL) -> Work:
    """Build the work copy: band, F and B colour fields and (optionally) guided-filter coefficients."""
    height, width = mask8.shape
    s = _work_scale(height, width)
    w_s, h_s = max(1, round(width / s)), max(1, round(height / s))
    img_s = cv2.resize(image, (w_s, h_s), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    m_s = cv2.resize(mask8, (w_s, h_s), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    hard_s = (m_s >= threshold).astype(np.uint8)
    radius = max(radius, round(0.5 * softness(m_s, hard_s) * s) + 2)
    r_s = max(1, round(radius / s))
    grown = cv2.dilate(hard_s, _kernel(r_s))
    shrunk = cv2.erode(hard_s, _kernel(r_s))
    unsure = ((m_s > 0.04) & (m_s < 0.96) & (cv2.dilate(hard_s, _kernel(3 * r_s)) > 0)).astype(np.uint8)
    band_s = ((grown - shrunk) | unsure).astype(np.uint8)
    fg_weight = (shrunk & (1 - unsure)).astype(np.float32)
    bg_weight = ((1 - grown) & (1 - unsure)).astype(np.float32)
    if not with_guided:
        channels = [extend_colours(img_s, fg_weight)]
    else:
        squares = img_s * img_s
        coeff, *pushed = run.call(lambda: edge_aware_prior(img_s, hard_s, band_s, r_s),
                                  *field_jobs(img_s, squares, fg_weight, bg_weight))
        fields = np.dstack([*colour_fields(*pushed), coeff])
        inside = band_s > 0
        for _ in range(ITERATIONS):
            # pixels the first solve calls clearly foreground or background become samples for F and B
            alpha_s = np.zeros(band_s.shape, np.float32)
            trust_s = np.zeros(band_s.shape, np.float32)
            alpha_s[inside], trust_s[inside] = solve_alpha(img_s[inside], fields[inside], with_trust=True)
            sure = inside & (trust_s >= SAMPLE_TRUST)
            fg_more = fg_weight + (sure & (alpha_s >= 1 - SAMPLE_SNAP))
            bg_more = bg_weight + (sure & (alpha_s <= SAMPLE_SNAP))
            fields = np.dstack([*colour_fields(*run.call(*field_jobs(img_s, squares, fg_more, bg_more))), coeff])
        channels = [fields]
    band = cv2.resize(band_s * np.uint8(255), (width, height), interpolation=cv2.INTER_NEAREST)
    stacked = np.dstack(channels)
    pieces = tuple(np.ascontiguousarray(stacked[..., i : i + 4]) for i in range(0, stacked.shape[2], 4))
    return Work(w_s / width, h_s / height, pieces, band)


def field_jobs(img_s: np.ndarray, squares: np.ndarray, fg_weight: np.ndarray,
               bg_weight: np.ndarray) -> list[Callable[[], np.ndarray]]:
    """The four independent push-pull fills behind :func:`colour_fields`: colours and squared colours pushed
    out from the foreground and from the background samples."""
    return [lambda x=x, w=w: extend_colours(x, w)  # type: ignore[misc]
            for x, w in ((img_s, fg_weight), (img_s, bg_weight), (squares, fg_weight), (squares, bg_weight))]


def colour_fields(fg: np.ndarray, bg: np.ndarray, fg_squares: np.ndarray, bg_squares: np.ndarray) -> list[np.ndarray]:
    """F and B (pushed out from their sample pixels), and their summed local colour variance (texture)."""
    spread = (np.maximum(fg_squares - fg * fg, 0).sum(axis=2) + np.maximum(bg_squares - bg * bg, 0).sum(axis=2))
    return [fg, bg, spread[..., None]]


def edge_aware_prior(img_s: np.ndarray, hard_s: np.ndarray, band_s: np.ndarray, r_s: int) -> np.ndarray:
    """Guided-filter coefficients of the hard mask, snapped to the photo's edges in two steps.

    A wide guided filter of the hard mask moves its edge onto the photo's edges inside the band; that snapped
    edge, filtered again with a narrow window and a small epsilon, gives the soft, edge-following prior.
    """
    coarse = guided_coefficients(img_s, hard_s.astype(np.float32), radius=max(1, r_s), eps=GUIDE_EPS)
    located = np.einsum("hwc,hwc->hw", coarse[..., :3], img_s) + coarse[..., 3]
    snapped = np.where(band_s > 0, located >= 0.5, hard_s > 0).astype(np.float32)
    return guided_coefficients(img_s, snapped, radius=max(1, round(r_s * FINE)), eps=FINE_EPS)


def sample(work: Work, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """The work fields, bilinearly sampled at full-resolution pixel centres (N×C float32)."""
    maps = pixel_maps(ys, xs, work.scale_x, work.scale_y)  # built once for all the pieces
    parts = [read_at(chunk, maps) for chunk in work.fields]
    return np.concatenate([p.reshape(len(ys), -1) for p in parts], axis=1)


def snapped(alpha: np.ndarray) -> np.ndarray:
    """In place and returned: alpha within SNAP of 0 or 1 set there (no haze, no pinholes)."""
    alpha[alpha < SNAP] = 0.0
    alpha[alpha > 1 - SNAP] = 1.0
    return alpha


def solve_alpha(colour: np.ndarray, fields: np.ndarray, with_trust: bool = False, snap: bool = True) -> Any:
    """Alpha for band pixels from the colour projection and the guided filter (N float32 in [0, 1])."""
    fg, bg, spread, coeff = fields[:, 0:3], fields[:, 3:6], fields[:, 6], fields[:, 7:11]
    guided = np.einsum("ij,ij->i", coeff[:, :3], colour) + coeff[:, 3]
    diff = fg - bg
    dist2 = np.einsum("ij,ij->i", diff, diff)
    projected = np.einsum("ij,ij->i", colour - bg, diff) / (dist2 + 1e-6)
    trust = dist2 / (dist2 + SEPARATION * SEPARATION + SPREAD_K * spread)
    alpha = np.clip(trust * np.clip(projected, 0, 1) + (1 - trust) * np.clip(guided, 0, 1), 0, 1)
    if snap:
        snapped(alpha)
    return (alpha, trust) if with_trust else alpha


def solve_foreground(colour: np.ndarray, alpha: np.ndarray, fields: np.ndarray) -> np.ndarray:
    """Foreground colour for band pixels: the compositing equation solved for F, the pushed-out F where alpha ≈ 0."""
    fg, bg = fields[:, 0:3], fields[:, 3:6]
    a = alpha[:, None]
    solved = np.clip(bg + (colour - bg) / np.maximum(a, 0.05), 0, 1)
    weight = np.clip(a / 0.15, 0, 1)
    return solved * weight + fg * (1 - weight)


def hard_alpha(mask8: np.ndarray, threshold: float) -> np.ndarray:
    """The thresholded mask (H×W uint8, 0 or 255)."""
    level = min(254, max(0, int(np.ceil(threshold * 255)) - 1))
    return cv2.threshold(mask8, level, 255, cv2.THRESH_BINARY)[1]


def hard_rgba(image: np.ndarray, mask8: np.ndarray, threshold: float, alpha: np.ndarray | None = None) -> np.ndarray:
    """The photo with the thresholded mask (or ``alpha``, if given) as alpha (H×W×4 uint8), no float temporaries."""
    rgba = cv2.cvtColor(image, cv2.COLOR_RGB2RGBA)  # several times faster than split + merge at 24 MP
    rgba[..., 3] = hard_alpha(mask8, threshold) if alpha is None else alpha
    return rgba


def band_pixels(band: np.ndarray, free: np.ndarray | None, y0: int, rows: int) -> tuple[np.ndarray, ...]:
    """Flat indices (within the strip) and row/column coordinates of the band pixels of one strip."""
    strip = band[y0 : y0 + rows]
    if free is not None:
        strip = strip & free[y0 : y0 + rows]
    flat = np.flatnonzero(strip)
    ys, xs = np.divmod(flat, band.shape[1])
    return flat, ys + y0, xs


def write_band(packed: np.ndarray, y0: int, flat: np.ndarray, colour: np.ndarray, alpha: np.ndarray,
               fields: np.ndarray, amount: float) -> None:
    """Write one strip's band pixels (alpha, and colour decontaminated by ``amount``) into the packed RGBA."""
    mixed = (alpha > 0) & (alpha < 1)  # opaque pixels keep the photo's colour, and so do clear ones
    if amount > 0 and mixed.any():
        part = colour[mixed]
        part += amount * (solve_foreground(part, alpha[mixed], fields[mixed]) - part)
        colour[mixed] = part
    pixels = np.empty((len(flat), 4), np.uint8)
    pixels[:, :3] = np.clip(colour * 255.0 + 0.5, 0, 255)
    pixels[:, 3] = alpha * 255.0 + 0.5
    packed[y0 : y0 + STRIP_ROWS].reshape(-1)[flat] = pixels.view(np.uint32).ravel()


def refined(image: np.ndarray, mask8: np.ndarray, threshold: float, radius: int, amount: float,
            free: np.ndarray | None, grid: tuple[int, int] | None = None, threads: int = 1) -> np.ndarray:
    """The refined RGBA cutout (``free``: where refinement may change pixels; None = everywhere).

    ``grid``: the soft mask's native (width, height) when it is a bilinear upscale of a smaller map; the band's
    alpha is then made to agree with the mask on that grid (:mod:`.consistency`), which needs every strip's
    alpha at once. Without it the strips are solved and written one at a time, so memory stays bounded.
    ``threads``: how many strips (and other independent pieces) are worked on side by side.
    """
    height, width = mask8.shape
    with Runner(threads) as run:
        work = prepare(image, mask8, threshold, radius, with_guided=True, run=run)
        alpha8 = hard_alpha(mask8, threshold)
        rgba = hard_rgba(image, mask8, threshold, alpha8)
        packed = rgba.view(np.uint32).reshape(height, width)  # one 4-byte write per band pixel

        def solve(y0: int) -> Strip | None:
            flat, ys, xs = band_pixels(work.band, free, y0, STRIP_ROWS)
            if not len(flat):
                return None
            colour = image[y0 : y0 + STRIP_ROWS].reshape(-1, 3)[flat].astype(np.float32) * (1.0 / 255.0)
            fields = sample(work, ys, xs)
            alpha = solve_alpha(colour, fields, snap=grid is None)
            if grid is None:  # written at once: only the strips in flight are held
                write_band(packed, y0, flat, colour, alpha, fields, amount)
                return None
            return Strip(y0, flat, colour, alpha, fields, ys, xs)

        strips = [strip for strip in run.map(solve, range(0, height, STRIP_ROWS)) if strip is not None]
        if not strips:
            return rgba
        assert grid is not None
        plane = np.multiply(alpha8, np.float32(1.0 / 255.0), dtype=np.float32)  # contiguous: one fast pass
        if free is not None:  # locked pixels end up with the mask's value: the grid must see that one
            keep = free == 0
            plane[keep] = mask8[keep] * np.float32(1.0 / 255.0)
        moving = np.concatenate([strip.flat + strip.y0 * width for strip in strips])
        plane.reshape(-1)[moving] = np.concatenate([strip.alpha for strip in strips])
        marks = work.band if free is None else work.band * free
        known = Known(*(np.concatenate([getattr(strip, key) for strip in strips]) for key in ("ys", "xs", "colour")),
                      marks=marks)
        matte_band(image, plane, mask8, grid, moving, known=known, run=run)

        def write(strip: Strip) -> None:
            alpha = snapped(plane[strip.y0 : strip.y0 + STRIP_ROWS].reshape(-1)[strip.flat])
            write_band(packed, strip.y0, strip.flat, strip.colour, alpha, strip.fields, amount)

        run.map(write, strips)
    return rgba


@dataclass(frozen=True)
class Strip:
    """One strip's band pixels, held until the grid agreement has seen every strip's alpha."""

    y0: int
    flat: np.ndarray  # flat indices within the strip
    colour: np.ndarray  # N×3 float32 0..1
    alpha: np.ndarray  # N float32, the colour solve's
    fields: np.ndarray  # N×C float32, the work fields sampled there
    ys: np.ndarray
    xs: np.ndarray


def decontaminate_soft(image: np.ndarray, rgba: np.ndarray, mask8: np.ndarray, threshold: float, radius: int,
                       amount: float, free: np.ndarray | None) -> None:
    """In place: where alpha is partial, pull colours toward the interior's pushed-out colours (feather mode)."""
    work = prepare(image, mask8, threshold, radius, with_guided=False)
    for y0 in range(0, rgba.shape[0], STRIP_ROWS):
        a = rgba[y0 : y0 + STRIP_ROWS, :, 3]
        partial = (a > 0) & (a < 255)
        if free is not None:
            partial &= free[y0 : y0 + STRIP_ROWS].astype(bool)
        ys, xs = np.nonzero(partial)
        if not len(ys):
            continue
        ys += y0
        colour = image[ys, xs].astype(np.float32)
        fg = sample(work, ys, xs)[:, 0:3] * 255.0
        rgba[ys, xs, :3] = np.clip(colour + amount * (fg - colour) + 0.5, 0, 255).astype(np.uint8)
