"""Generated image files of every kind the decode path must handle."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from u2studio.core.synthetic import scene


def write_odd_images(folder: Path) -> dict[str, tuple[Path, tuple[int, int]]]:
    """Write one file per odd kind; returns name -> (path, expected (height, width) after decoding)."""
    folder.mkdir(parents=True, exist_ok=True)
    rgb, _ = scene(160, 120, seed=5)
    pil = Image.fromarray(rgb)
    files: dict[str, tuple[Path, tuple[int, int]]] = {}

    def put(name: str, image: Image.Image, fmt: str, size: tuple[int, int] = (120, 160), **kw: object) -> None:
        path = folder / name
        image.save(path, fmt, **kw)
        files[name] = (path, size)

    put("plain.jpg", pil, "JPEG", quality=90)
    put("plain.png", pil, "PNG")
    put("plain.webp", pil, "WEBP")
    put("plain.bmp", pil, "BMP")
    put("plain.tiff", pil, "TIFF")
    put("gray.png", pil.convert("L"), "PNG")
    put("palette.png", pil.convert("P", palette=Image.Palette.ADAPTIVE), "PNG")
    put("alpha.png", pil.convert("RGBA"), "PNG")
    put("cmyk.jpg", pil.convert("CMYK"), "JPEG")
    gray16 = (cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.uint16) * 257)
    put("gray16.png", Image.fromarray(gray16), "PNG")
    rgb16 = rgb.astype(np.uint16) * 257
    path16 = folder / "rgb16.tiff"
    cv2.imwrite(str(path16), cv2.cvtColor(rgb16, cv2.COLOR_RGB2BGR))
    files["rgb16.tiff"] = (path16, (120, 160))
    # EXIF orientation 6: stored landscape, shown rotated 90° (portrait)
    exif = Image.Exif()
    exif[0x0112] = 6
    put("rotated.jpg", pil, "JPEG", size=(160, 120), exif=exif.tobytes())
    put("名前 ünïcode.png", pil, "PNG")
    return files


def write_corrupt_images(folder: Path) -> list[Path]:
    """A truncated JPEG, random bytes with an image extension, and an empty file."""
    folder.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    Image.fromarray(scene(160, 120)[0]).save(buf, "JPEG")
    truncated = folder / "truncated.jpg"
    truncated.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 3])
    garbage = folder / "garbage.png"
    garbage.write_bytes(np.random.default_rng(0).integers(0, 256, 2000, dtype=np.uint8).tobytes())
    empty = folder / "empty.webp"
    empty.write_bytes(b"")
    return [truncated, garbage, empty]
