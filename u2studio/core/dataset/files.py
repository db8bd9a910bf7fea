"""Turning the caller's image and mask into the bytes a dataset stores, and hashing files."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from u2studio.core.imageio import decode_image, encode_png, read_image_bytes
from u2studio.core.hashing import sha256_bytes, sha256_file  # noqa: F401  (re-exported for the dataset package)

# Formats kept byte for byte: what the official U²-Net and DIS loaders (skimage.io) read as-is.
_KEEP = {"JPEG": ".jpg", "PNG": ".png"}
_KEEP_MODES = {"RGB", "L"}
_ORIENTATION_TAG = 0x0112


@dataclass(frozen=True)
class PreparedImage:
    """The bytes to store for an image, their extension and hash, and the upright size."""

    data: bytes
    ext: str
    sha256: str
    width: int
    height: int
    converted: bool
    source: str
    name: str


def prepare_image(image: str | os.PathLike[str] | bytes | np.ndarray, source: str | None) -> PreparedImage:
    """Read and validate the image; keep JPEG/PNG (RGB or gray, upright) bytes as they are, else store PNG.

    ``source`` overrides the recorded source (default: the absolute path for a path, "" otherwise).
    Raises ImageLoadError for unreadable images and ValueError for bad arrays.
    """
    if isinstance(image, np.ndarray):
        rgb = _check_rgb(image)
        data = encode_png(rgb)
        name = Path(source).stem if source else ""
        return PreparedImage(data, ".png", sha256_bytes(data), rgb.shape[1], rgb.shape[0], True, source or "", name)
    if isinstance(image, (bytes, bytearray, memoryview)):
        raw, path = bytes(image), None
    else:
        path = Path(image)
        raw = read_image_bytes(path)
    loaded = decode_image(raw, path)
    recorded_source = source if source is not None else (str(path.resolve()) if path else "")
    name = path.stem if path else (Path(source).stem if source else "")
    ext = _kept_extension(raw, loaded.source_format, loaded.source_mode)
    if ext is not None:
        return PreparedImage(raw, ext, sha256_bytes(raw), *loaded.size, False, recorded_source, name)
    data = encode_png(loaded.rgb)
    return PreparedImage(data, ".png", sha256_bytes(data), *loaded.size, True, recorded_source, name)


def prepare_mask(mask: np.ndarray, width: int, height: int) -> tuple[np.ndarray, bytes]:
    """Validate an 8-bit single-channel mask of the image's size; returns it and its PNG bytes."""
    arr = np.asarray(mask)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.dtype == np.bool_:
        arr = arr.astype(np.uint8) * 255
    if arr.ndim != 2:
        raise ValueError(f"the mask must be single-channel (H×W), got shape {arr.shape}")
    if arr.dtype != np.uint8:
        raise ValueError(f"the mask must be uint8 (0..255), got {arr.dtype}")
    if arr.shape != (height, width):
        raise ValueError(f"the mask is {arr.shape[1]}x{arr.shape[0]} but the image is {width}x{height}")
    arr = np.ascontiguousarray(arr)
    return arr, encode_png(arr)


def _check_rgb(image: np.ndarray) -> np.ndarray:
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"an image array must be H×W×3 uint8 RGB, got {image.shape} {image.dtype}")
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError("the image has no pixels")
    return np.ascontiguousarray(image)


def _kept_extension(raw: bytes, fmt: str, mode: str) -> str | None:
    """The extension to keep the original bytes under, or None when they must be converted."""
    if fmt not in _KEEP or mode not in _KEEP_MODES:
        return None
    try:
        with Image.open(io.BytesIO(raw)) as img:
            if img.getexif().get(_ORIENTATION_TAG, 1) != 1:
                return None  # training loaders ignore EXIF rotation; store the upright pixels
    except Exception:  # noqa: BLE001 - decode_image already succeeded; be conservative
        return None
    return _KEEP[fmt]
