"""Pre- and postprocessing shared by every backend (numpy and OpenCV only, no torch), as the official test code does."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import cv2
import numpy as np

from u2studio.core.binarize import as_0_255


class InputConfig(Protocol):
    """What preprocessing reads from a model's config (``ModelConfig`` has these fields)."""

    input_size: int
    mean: Sequence[float]
    std: Sequence[float]
    scale: str


def ensure_rgb(image: np.ndarray) -> np.ndarray:
    """Accept H×W, H×W×1, H×W×3 or H×W×4 uint8 and return H×W×3 uint8."""
    if not isinstance(image, np.ndarray):
        raise TypeError(f"expected a numpy array, got {type(image).__name__}")
    if image.dtype != np.uint8:
        raise TypeError(f"expected uint8 pixels, got {image.dtype}")
    if image.ndim == 2:
        return np.repeat(image[:, :, None], 3, axis=2)
    if image.ndim == 3 and image.shape[2] == 1:
        return np.repeat(image, 3, axis=2)
    if image.ndim == 3 and image.shape[2] == 3:
        return image
    if image.ndim == 3 and image.shape[2] == 4:
        return np.ascontiguousarray(image[:, :, :3])
    raise ValueError(f"expected an H×W, H×W×3 or H×W×4 image, got shape {image.shape}")


def preprocess(image: np.ndarray, config: InputConfig) -> np.ndarray:
    """Resize and normalise one image into a 3×S×S float32 array, as the official test code does."""
    rgb = ensure_rgb(image)
    if rgb.shape[0] == 0 or rgb.shape[1] == 0:
        raise ValueError("the image has no pixels")
    size = config.input_size
    shrinking = rgb.shape[0] > size or rgb.shape[1] > size
    resized = cv2.resize(rgb, (size, size), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)
    arr = resized.astype(np.float32)
    if config.scale == "max":
        arr /= max(float(arr.max()), 1e-6)
    else:
        arr /= 255.0
    arr -= np.asarray(config.mean, dtype=np.float32)
    arr /= np.asarray(config.std, dtype=np.float32)
    return np.ascontiguousarray(arr.transpose(2, 0, 1))


def normalise(prob: np.ndarray, min_max: bool = True) -> np.ndarray:
    """A float32 copy of a model-size probability map, min–max normalised when asked (constant maps become 0)."""
    out = prob.astype(np.float32, copy=True)
    if min_max:
        low, high = float(out.min()), float(out.max())
        out = (out - low) / (high - low) if high - low > 1e-8 else np.zeros_like(out)
    return out


def postprocess(prob: np.ndarray, height: int, width: int, min_max: bool = True) -> np.ndarray:
    """Min–max normalise a probability map and resize it back to the image's size."""
    out = normalise(prob, min_max)
    if out.shape != (height, width):
        out = cv2.resize(out, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.clip(out, 0.0, 1.0)


def mask_uint8(prob: np.ndarray, height: int, width: int, min_max: bool = True,
               threshold: float | None = None) -> np.ndarray:
    """The 8-bit mask at image size: ``to_uint8_mask(postprocess(...))``, or 0/255 at ``threshold``.

    Scaling to 0..255 (+0.5 for rounding) happens on the small map before the linear resize, which commutes
    with it, so a 24-MP mask costs one resize and one conversion instead of five full-size passes.
    """
    small = np.clip(normalise(prob, min_max), 0.0, 1.0) * np.float32(255.0) + np.float32(0.5)
    big = small if small.shape == (height, width) else cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
    if threshold is not None:
        return as_0_255(big >= np.float32(threshold * 255.0 + 0.5))
    return big.astype(np.uint8)
