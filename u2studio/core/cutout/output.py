"""Cutout output: background colours, flattening, previews and encoding (PNG, WebP, JPEG) with an ICC profile."""

from __future__ import annotations

import io
import re
from typing import Literal

import cv2
import numpy as np
from PIL import Image

CutoutFormat = Literal["png", "webp", "jpg"]
FORMATS: tuple[CutoutFormat, ...] = ("png", "webp", "jpg")
WHITE = (255, 255, 255)
_HEX = re.compile(r"#?([0-9a-fA-F]{6})")


def parse_bg_color(text: str) -> tuple[int, int, int]:
    """``"R,G,B"`` (0..255 each) or ``"#RRGGBB"`` as an RGB tuple; ValueError with a clear message otherwise."""
    value = text.strip()
    match = _HEX.fullmatch(value)
    if match:
        digits = match.group(1)
        return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)
    parts = [p.strip() for p in value.split(",")]
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        rgb = tuple(int(p) for p in parts)
        if all(0 <= c <= 255 for c in rgb):
            return rgb[0], rgb[1], rgb[2]
    raise ValueError(f"background colour {text!r} is not R,G,B (each 0..255) or #RRGGBB")


def flatten(rgba: np.ndarray, bg: tuple[int, int, int]) -> np.ndarray:
    """The cutout composited over a plain colour (straight alpha): H×W×3 uint8."""
    alpha = rgba[..., 3:4].astype(np.float32) * (1.0 / 255.0)
    colour = rgba[..., :3].astype(np.float32)
    back = np.asarray(bg, np.float32)
    return np.clip(back + (colour - back) * alpha + 0.5, 0, 255).astype(np.uint8)


def checkerboard(height: int, width: int, cell: int = 8) -> np.ndarray:
    """The light/dark checkerboard that shows transparency (H×W×3 uint8)."""
    yy, xx = np.mgrid[0:height, 0:width]
    board = np.full((height, width, 3), 236, np.uint8)
    board[((yy // cell + xx // cell) % 2).astype(bool)] = 200
    return board


def preview(rgba: np.ndarray, background: str | tuple[int, int, int] = "checkerboard", scale: float = 1.0) -> np.ndarray:
    """What the cutout looks like on ``background`` ("checkerboard", "white", "black" or RGB) at ``scale``.

    Scaling happens before compositing, in premultiplied colour, so a reduced preview shows no dark or
    light fringe from transparent pixels' colours. For the studio's live preview.
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, not {scale}")
    layer = rgba
    if scale != 1.0:
        h, w = rgba.shape[:2]
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        inter = cv2.INTER_AREA if scale < 1 else cv2.INTER_NEAREST
        alpha = rgba[..., 3:4].astype(np.float32) / 255.0
        premul = np.dstack([rgba[..., :3].astype(np.float32) * alpha, alpha[..., 0] * 255.0])
        small = cv2.resize(premul, size, interpolation=inter)
        a = small[..., 3:4] / 255.0
        colour = np.where(a > 0, small[..., :3] / np.maximum(a, 1e-6), 0)
        layer = np.dstack([np.clip(colour + 0.5, 0, 255), np.clip(small[..., 3] + 0.5, 0, 255)]).astype(np.uint8)
    height, width = layer.shape[:2]
    if background == "checkerboard":
        base = checkerboard(height, width)
    else:
        colour_bg = {"white": WHITE, "black": (0, 0, 0)}.get(background, background) if isinstance(background, str) else background
        if isinstance(colour_bg, str):
            colour_bg = parse_bg_color(colour_bg)
        return flatten(layer, colour_bg)
    alpha = layer[..., 3:4].astype(np.float32) / 255.0
    return np.clip(base + (layer[..., :3].astype(np.float32) - base) * alpha + 0.5, 0, 255).astype(np.uint8)


def encode_cutout(rgba: np.ndarray, fmt: CutoutFormat, bg: tuple[int, int, int] | None,
                  icc_profile: bytes | None = None) -> bytes:
    """Encode a cutout. PNG and WebP keep alpha unless ``bg`` is given (then they are flattened onto it);
    JPEG has no alpha and is flattened onto ``bg`` (white by default). ``icc_profile`` is embedded as is."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if rgba.dtype != np.uint8 or rgba.ndim != 3 or rgba.shape[2] != 4:
        raise ValueError(f"a cutout is H×W×4 uint8, not {rgba.shape} {rgba.dtype}")
    if fmt == "jpg" and bg is None:
        bg = WHITE
    pixels = flatten(rgba, bg) if bg is not None else rgba
    extra = {"icc_profile": icc_profile} if icc_profile else {}
    if fmt == "png" and not extra:
        code = cv2.COLOR_RGB2BGR if pixels.shape[2] == 3 else cv2.COLOR_RGBA2BGRA
        ok, buf = cv2.imencode(".png", cv2.cvtColor(pixels, code), [cv2.IMWRITE_PNG_COMPRESSION, 3])
        if not ok:
            raise ValueError("PNG encoding failed")
        return buf.tobytes()
    image = Image.fromarray(pixels, "RGB" if pixels.shape[2] == 3 else "RGBA")
    out = io.BytesIO()
    if fmt == "png":
        image.save(out, "PNG", compress_level=3, **extra)
    elif fmt == "webp":
        image.save(out, "WEBP", quality=92, alpha_quality=100, method=4, exact=True, **extra)
    else:
        image.save(out, "JPEG", quality=95, subsampling=0, **extra)
    return out.getvalue()
