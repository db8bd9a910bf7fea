"""Small previews of image files, decoded at reduced size (a JPEG is decoded at 1/2…1/8 scale by its
DCT, so a 24-MP photo never becomes full-resolution pixels), upright, at most ``size`` pixels."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from u2studio.core.imageio import ImageLoadError, load_image, max_pixels

DIRECT_MODES = ("RGB", "RGBA", "L", "LA", "P", "CMYK", "YCbCr", "1")


def read_thumbnail(path: str | os.PathLike[str], size: int) -> np.ndarray:
    """An RGB uint8 preview whose longer side is ``size`` (or less for a smaller image); ImageLoadError if unreadable."""
    file_path = Path(path)
    try:
        with Image.open(file_path) as img:
            width, height = img.size
            if width <= 0 or height <= 0 or width * height > max_pixels():
                raise ImageLoadError(f"{file_path}: {width}x{height} is not an image this studio opens")
            if img.mode not in DIRECT_MODES:  # 16-bit and float images: the full loader maps their range
                return _shrink(load_image(file_path).rgb, size)
            img.draft("RGB", (size, size))  # JPEG: decode at the smallest DCT scale still >= size
            upright = ImageOps.exif_transpose(img)
            upright.thumbnail((size, size), Image.Resampling.BOX)
            return np.ascontiguousarray(np.asarray(upright.convert("RGB")))
    except ImageLoadError:
        raise
    except (OSError, ValueError, SyntaxError, UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise ImageLoadError(f"{file_path}: no preview ({exc})") from exc


def _shrink(rgb: np.ndarray, size: int) -> np.ndarray:
    import cv2

    height, width = rgb.shape[:2]
    scale = min(1.0, size / max(height, width))
    return cv2.resize(rgb, (max(1, round(width * scale)), max(1, round(height * scale))), interpolation=cv2.INTER_AREA)
