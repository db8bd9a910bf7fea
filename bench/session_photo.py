"""A generated camera-like photo for bench_session.py: textured backdrop, a furry subject with a long detailed edge."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def _noise(rng: np.random.Generator, height: int, width: int, scales: tuple[int, ...]) -> np.ndarray:
    """Multi-octave value noise in about [-1, 1] (resized random fields, finer octaves weaker)."""
    out = np.zeros((height, width), np.float32)
    for i, scale in enumerate(scales):
        field = rng.standard_normal((max(2, height // scale), max(2, width // scale))).astype(np.float32)
        out += cv2.resize(field, (width, height), interpolation=cv2.INTER_CUBIC) * (0.6**i)
    return out / 2.5


def photo(width: int = 6000, height: int = 4000, seed: int = 11) -> np.ndarray:
    """An RGB uint8 picture: a subject whose outline wiggles at every scale, with hair-like strands, on a busy backdrop."""
    rng = np.random.default_rng(seed)
    back = _noise(rng, height, width, (512, 128, 32, 8, 2))
    backdrop = np.stack([120 + 50 * back, 140 + 45 * back, 110 + 60 * back], -1)
    theta = np.linspace(0, 2 * np.pi, 4000, endpoint=False)
    radius = np.ones_like(theta)
    for k in range(2, 240):
        radius += rng.normal(0, 0.18 / k**0.9) * np.sin(k * theta + rng.uniform(0, 2 * np.pi))
    scale = min(width, height) * 0.33
    cx, cy = width * 0.5, height * 0.52
    outline = np.stack([cx + scale * radius * np.cos(theta), cy + scale * radius * np.sin(theta)], -1).astype(np.int32)
    subject = np.zeros((height, width), np.uint8)
    cv2.fillPoly(subject, [outline], 255)
    for _ in range(2500):  # strands of fur leaving the outline
        i = int(rng.integers(len(theta)))
        x0, y0 = outline[i]
        length = rng.uniform(0.02, 0.09) * scale
        angle = theta[i] + rng.normal(0, 0.35)
        x1, y1 = int(x0 + length * np.cos(angle)), int(y0 + length * np.sin(angle))
        cv2.line(subject, (int(x0), int(y0)), (x1, y1), 255, int(rng.integers(1, 4)), cv2.LINE_AA)
    fur = _noise(rng, height, width, (64, 16, 4, 1))
    front = np.stack([170 + 60 * fur, 105 + 45 * fur, 60 + 30 * fur], -1)
    alpha = (subject.astype(np.float32) / 255.0)[..., None]
    picture = front * alpha + backdrop * (1 - alpha)
    return np.clip(picture, 0, 255).astype(np.uint8)


def write_photo(path: Path, width: int = 6000, height: int = 4000) -> Path:
    """Generate the photo and write it as a JPEG (quality 92), as a camera would."""
    rgb = photo(width, height)
    if not cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 92]):
        raise OSError(f"could not write {path}")
    return path
