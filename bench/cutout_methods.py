"""The cutouts compared by bench_cutout.py: hard, naive soft, rembg's alpha-matting recipe, and ours.

rembg's recipe (rembg/bg.py, ``alpha_matting_cutout``): a trimap from the mask (foreground where it is above
240, background below 10, each eroded with a 10-px structuring element, unknown between), closed-form alpha
(Levin et al.), then multi-level foreground estimation (Germer et al.), both from pymatting. pymatting is the
benchmark-only ``bench`` extra; the app never imports it.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from u2studio.core.cutout import CutoutSettings, as_mask8, render_cutout

Method = Callable[..., np.ndarray]  # (image, mask, grid=None) -> RGBA; grid: the mask's native (width, height)


def hard(image: np.ndarray, mask: np.ndarray, grid: tuple[int, int] | None = None) -> np.ndarray:
    """The mask thresholded at 0.5, photo colours."""
    return render_cutout(image, mask, CutoutSettings(edges="hard"))


def naive(image: np.ndarray, mask: np.ndarray, grid: tuple[int, int] | None = None) -> np.ndarray:
    """The soft mask as alpha, photo colours (what ``segment --cutout`` did)."""
    return np.dstack([image, as_mask8(mask)])


def ours(edges: str, decontaminate: bool = True, use_grid: bool = True) -> Method:
    """The cutout stage in one of its modes; told the mask's native grid (``mask_grid``) when ``use_grid``."""

    def method(image: np.ndarray, mask: np.ndarray, grid: tuple[int, int] | None = None) -> np.ndarray:
        settings = CutoutSettings(edges=edges, decontaminate=decontaminate,  # type: ignore[arg-type]
                                  mask_grid=grid if use_grid else None)
        return render_cutout(image, mask, settings)

    return method


def rembg_trimap(mask8: np.ndarray, fg_threshold: int = 240, bg_threshold: int = 10, erode: int = 10) -> np.ndarray:
    """rembg's trimap: 255 sure foreground, 0 sure background, 128 unknown."""
    structure = np.ones((erode, erode), np.uint8)
    is_fg = cv2.erode((mask8 > fg_threshold).astype(np.uint8), structure, borderType=cv2.BORDER_CONSTANT,
                      borderValue=0) > 0
    is_bg = cv2.erode((mask8 < bg_threshold).astype(np.uint8), structure, borderType=cv2.BORDER_CONSTANT,
                      borderValue=1) > 0  # scipy's binary_erosion(border_value=1), as rembg calls it
    trimap = np.full(mask8.shape, 128, np.uint8)
    trimap[is_fg] = 255
    trimap[is_bg] = 0
    return trimap


def rembg_recipe(image: np.ndarray, mask: np.ndarray, grid: tuple[int, int] | None = None) -> np.ndarray:
    """Closed-form alpha and multi-level foreground on rembg's trimap (pymatting).

    Like rembg, a trimap with no sure foreground or background (pymatting's ValueError) falls back to the
    naive cutout.
    """
    from pymatting import estimate_alpha_cf, estimate_foreground_ml

    img = image.astype(np.float64) / 255.0
    trimap = rembg_trimap(as_mask8(mask)).astype(np.float64) / 255.0
    try:
        alpha = np.clip(estimate_alpha_cf(img, trimap), 0, 1)
    except ValueError:
        return naive(image, mask)
    fg = np.clip(estimate_foreground_ml(img, alpha), 0, 1)
    return np.dstack([(fg * 255 + 0.5).astype(np.uint8), (alpha * 255 + 0.5).astype(np.uint8)])


def warm_up_pymatting() -> None:
    """Compile pymatting's numba kernels on a tiny image, so timings measure the work, not the compiler."""
    rng = np.random.default_rng(0)
    image = (rng.random((48, 48, 3)) * 255).astype(np.uint8)
    mask = np.zeros((48, 48), np.float32)
    mask[10:38, 10:38] = 1.0
    rembg_recipe(image, cv2.GaussianBlur(mask, (0, 0), 3))


METHODS: dict[str, Method] = {
    "hard": hard,
    "naive soft": naive,
    "rembg recipe": rembg_recipe,
    "feather": ours("feather"),
    "refined, no decontam.": ours("refined", decontaminate=False, use_grid=False),
    "refined (default)": ours("refined", use_grid=False),
    "refined + mask grid, no decontam.": ours("refined", decontaminate=False),
    "refined + mask grid": ours("refined"),
}
