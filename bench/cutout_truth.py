"""Composites with known truth for bench_cutout.py, and the error measures (alpha and recomposite).

Nothing here is written into the repository: the dev photos are research-only and are used in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from u2studio.core.imageio import load_image, load_mask
from u2studio.core.synthetic import composite, hair_alpha, hair_colours

EDGE_BAND_PX = 10


@dataclass
class Case:
    """One composite: the photo a user would have, the true alpha and the true (pure) foreground colour."""

    name: str
    image: np.ndarray  # H×W×3 uint8
    alpha: np.ndarray  # H×W float32 0..1
    fg: np.ndarray  # H×W×3 float32 0..255


def dev_pairs(data: Path) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(stem, RGB, mask) for every dev photo that has a mask."""
    pairs = []
    for image_path in sorted((data / "images").iterdir()):
        mask_path = data / "masks" / f"{image_path.stem}.png"
        if mask_path.is_file():
            pairs.append((image_path.stem, load_image(image_path).rgb, load_mask(mask_path)))
    return pairs


def pure_foreground(rgb: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """The photo's colours with every outside pixel replaced by its nearest inside pixel's colour (float32)."""
    _, labels = cv2.distanceTransformWithLabels((~inside).astype(np.uint8), cv2.DIST_L2, 5,
                                                labelType=cv2.DIST_LABEL_PIXEL)
    ys, xs = np.nonzero(inside)
    lookup = np.zeros((labels.max() + 1, 3), np.float32)
    lookup[labels[ys, xs]] = rgb[ys, xs]
    return lookup[labels]


def photo_cases(data: Path, feather_sigma: float = 1.5) -> list[Case]:
    """Each dev photo's object with a feathered alpha and a pure foreground, over the next dev photo."""
    pairs = dev_pairs(data)
    cases = []
    for index, (stem, rgb, mask) in enumerate(pairs):
        height, width = mask.shape
        alpha = cv2.GaussianBlur((mask >= 128).astype(np.float32), (0, 0), feather_sigma)
        inside = cv2.erode((mask >= 128).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
        if not inside.any():
            continue
        fg = pure_foreground(rgb, inside)
        other = pairs[(index + 1) % len(pairs)][1]
        bg = cv2.resize(other, (width, height), interpolation=cv2.INTER_AREA)
        cases.append(Case(f"photo:{stem}", composite(fg, alpha, bg), alpha, fg))
    return cases


def hair_case(data: Path, width: int, height: int, index: int = 0) -> Case:
    """Synthetic strands with exact alpha over a dev photo scaled to ``width``×``height``."""
    pairs = dev_pairs(data)
    bg = cv2.resize(pairs[index % len(pairs)][1], (width, height), interpolation=cv2.INTER_CUBIC)
    alpha = hair_alpha(width, height, seed=11 + index)
    fg = hair_colours(width, height, seed=5 + index)
    return Case(f"hair{width}x{height}:{pairs[index % len(pairs)][0]}", composite(fg, alpha, bg), alpha, fg)


def low_res_mask(alpha: np.ndarray, factor: int) -> tuple[np.ndarray, tuple[int, int]]:
    """The true alpha as a model would see it: downscaled by ``factor`` and scaled back (float32 0..1), and the
    small map's (width, height): the mask's native grid, which the app knows for a model's mask."""
    height, width = alpha.shape
    grid = (max(1, width // factor), max(1, height // factor))
    small = cv2.resize(alpha, grid, interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR).clip(0, 1), grid


def edge_band(alpha: np.ndarray) -> np.ndarray:
    """Pixels within EDGE_BAND_PX of the true edge (partial alpha, or the 0.5 contour)."""
    unknown = ((alpha > 0.01) & (alpha < 0.99)).astype(np.uint8)
    hard = (alpha >= 0.5).astype(np.uint8)
    unknown |= cv2.morphologyEx(hard, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    size = 2 * EDGE_BAND_PX + 1
    return cv2.dilate(unknown, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))) > 0


def _gradient(alpha: np.ndarray, sigma: float = 1.4) -> np.ndarray:
    smooth = cv2.GaussianBlur(alpha, (0, 0), sigma)
    gx = cv2.Sobel(smooth, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    gy = cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    return np.sqrt(gx * gx + gy * gy)


def errors(case: Case, rgba: np.ndarray) -> dict[str, float]:
    """SAD (/1000), MSE (×1000), gradient error (/1000), and recomposite error (mean |Δ| in 0..255 levels over
    white and over black) in the 10-px edge band and over the whole image."""
    alpha = rgba[..., 3].astype(np.float32) / 255.0
    colour = rgba[..., :3].astype(np.float32)
    diff = alpha - case.alpha
    grad = _gradient(alpha) - _gradient(case.alpha)
    band = edge_band(case.alpha)
    out = {
        "SAD": float(np.abs(diff).sum() / 1000.0),
        "MSE": float((diff * diff).mean() * 1000.0),
        "Grad": float((grad * grad).sum() / 1000.0),
    }
    band_err, whole_err = [], []
    for back in (255.0, 0.0):
        ours = colour * alpha[..., None] + back * (1 - alpha[..., None])
        true = case.fg * case.alpha[..., None] + back * (1 - case.alpha[..., None])
        err = np.abs(ours - true).mean(axis=2)
        band_err.append(float(err[band].mean()))
        whole_err.append(float(err.mean()))
    out["band"] = float(np.mean(band_err))
    out["whole"] = float(np.mean(whole_err))
    return out
