"""The cutout stage: an image and a mask in, a full-resolution RGBA cutout out (numpy, OpenCV, Pillow only).

Three edge modes: ``hard`` (the mask thresholded), ``feather`` (the hard edge blurred by a radius) and
``refined`` (the edge band solved against the full-resolution photo, see :mod:`.refine`). Decontamination
replaces the old background's colour in partly transparent pixels by the estimated foreground colour.
Pixels the user ``locked`` (painted at full hardness) keep the mask's value and the photo's colour in every
mode. The refined alpha belongs to the cutout only; nothing here writes masks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from u2studio.core.cutout.parallel import default_threads
from u2studio.core.cutout.output import encode_cutout, flatten, parse_bg_color, preview
from u2studio.core.cutout.refine import band_radius, decontaminate_soft, hard_rgba, refined

EdgeMode = Literal["hard", "feather", "refined"]
EDGE_MODES: tuple[EdgeMode, ...] = ("hard", "feather", "refined")

__all__ = [
    "EDGE_MODES", "CutoutSettings", "EdgeMode", "encode_cutout", "flatten", "parse_bg_color", "preview",
    "render_cutout",
]


@dataclass(frozen=True)
class CutoutSettings:
    """How a cutout's edge is made. The defaults are the ones measured in docs/cutout.md."""

    edges: EdgeMode = "refined"
    feather_radius: float = 2.0  # px, for "feather": the Gaussian sigma of the softened hard edge
    decontaminate: bool = True
    decontaminate_amount: float = 1.0  # 0..1
    threshold: float = 0.5  # where the hard/feather edge sits on the soft mask
    band_radius: int | None = None  # px, refined: half-width of the solved band; None = from the image size
    mask_grid: tuple[int, int] | None = None  # refined: the soft mask's native (width, height), e.g. (320, 320)

    def __post_init__(self) -> None:
        if self.edges not in EDGE_MODES:
            raise ValueError(f"edges must be one of {', '.join(EDGE_MODES)}, not {self.edges!r}")
        if not 0.0 <= self.decontaminate_amount <= 1.0:
            raise ValueError(f"decontaminate_amount must be within 0..1, not {self.decontaminate_amount}")
        if not 0.0 < self.threshold < 1.0:
            raise ValueError(f"threshold must be strictly between 0 and 1, not {self.threshold}")
        if self.feather_radius < 0:
            raise ValueError(f"feather_radius must not be negative, not {self.feather_radius}")
        if self.band_radius is not None and self.band_radius < 1:
            raise ValueError(f"band_radius must be at least 1 px, not {self.band_radius}")
        if self.mask_grid is not None and (len(self.mask_grid) != 2 or min(self.mask_grid) < 1):
            raise ValueError(f"mask_grid must be a (width, height) of at least 1×1, not {self.mask_grid}")


def as_mask8(mask: np.ndarray) -> np.ndarray:
    """A mask (uint8 0..255, or float 0..1) as uint8 0..255."""
    if mask.dtype == np.uint8:
        return mask
    if mask.dtype == np.bool_:
        return mask.astype(np.uint8) * 255
    return np.clip(mask.astype(np.float32) * 255.0 + 0.5, 0, 255).astype(np.uint8)


def render_cutout(image: np.ndarray, mask: np.ndarray, settings: CutoutSettings = CutoutSettings(), *,
                  locked: np.ndarray | None = None, threads: int | None = None) -> np.ndarray:
    """The RGBA cutout (H×W×4 uint8, straight alpha) of an H×W×3 uint8 RGB ``image`` under ``mask``.

    ``mask`` is the model's soft mask or the user's mask at the image's size (uint8 0..255 or float 0..1).
    ``locked`` (H×W bool) marks pixels the user painted at full hardness: they are never moved.
    ``threads``: how many CPU threads the refined edge uses (default: this process's CPUs, at most four).
    """
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"the image must be H×W×3 uint8 RGB, not {image.shape} {image.dtype}")
    if mask.shape != image.shape[:2]:
        raise ValueError(f"mask {mask.shape[1]}x{mask.shape[0]} and image {image.shape[1]}x{image.shape[0]} "
                         "differ in size")
    if locked is not None and locked.shape != mask.shape:
        raise ValueError(f"locked {locked.shape} and mask {mask.shape} differ in size")
    image = np.ascontiguousarray(image)
    mask8 = np.ascontiguousarray(as_mask8(mask))
    free = None if locked is None or not locked.any() else (~locked.astype(bool)).astype(np.uint8)
    amount = settings.decontaminate_amount if settings.decontaminate else 0.0
    radius = settings.band_radius or band_radius(*mask8.shape)
    if settings.edges == "hard":
        rgba = hard_rgba(image, mask8, settings.threshold)
    elif settings.edges == "feather":
        rgba = hard_rgba(image, mask8, settings.threshold)
        if settings.feather_radius > 0:
            rgba[..., 3] = cv2.GaussianBlur(rgba[..., 3], (0, 0), settings.feather_radius)
        if amount > 0:
            decontaminate_soft(image, rgba, mask8, settings.threshold, radius, amount, free)
    else:
        rgba = refined(image, mask8, settings.threshold, radius, amount, free, settings.mask_grid,
                       default_threads() if threads is None else threads)
    if free is not None:
        keep = free == 0
        rgba[keep, :3] = image[keep]
        rgba[keep, 3] = mask8[keep]
    return rgba
