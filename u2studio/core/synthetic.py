"""Generated scenes with a known salient object: the shipped sample image, tests and self-tests."""

from __future__ import annotations

import cv2
import numpy as np


def scene(width: int = 640, height: int = 480, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """A shaded ball and a cube on a soft, textured backdrop; returns (RGB uint8, mask uint8 0/255)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    top = np.array([214, 222, 230], np.float32)
    bottom = np.array([168, 176, 186], np.float32)
    t = (yy / max(height - 1, 1))[..., None]
    img = top * (1 - t) + bottom * t
    img += rng.normal(0, 3.0, (height, width, 1)).astype(np.float32)
    mask = np.zeros((height, width), np.uint8)
    scale = min(width, height)
    cx, cy, r = width * 0.42, height * 0.55, scale * 0.26
    shadow = np.exp(-(((xx - cx - r * 0.25) / (r * 1.1)) ** 2 + ((yy - cy - r * 0.95) / (r * 0.22)) ** 2))
    img *= (1 - 0.35 * shadow)[..., None]
    d = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2)
    inside = d <= r
    nz = np.sqrt(np.clip(1 - (d / r) ** 2, 0, 1))
    light = np.clip(((xx - cx) * -0.4 + (yy - cy) * -0.6) / r * 0.6 + nz * 0.8, 0, None)
    ball = np.stack([230 * (0.25 + 0.75 * light), 90 * (0.25 + 0.75 * light), 40 * (0.3 + 0.7 * light)], -1)
    ball += (np.clip(light - 0.9, 0, None) * 600)[..., None]
    img[inside] = ball[inside]
    mask[inside] = 255
    cube = np.array(
        [[width * 0.68, height * 0.45], [width * 0.84, height * 0.42], [width * 0.86, height * 0.72], [width * 0.70, height * 0.76]],
        np.int32,
    )
    cube_mask = np.zeros_like(mask)
    cv2.fillPoly(cube_mask, [cube], 255)
    face = np.array([60, 120, 200], np.float32) * (0.8 + 0.2 * (1 - (yy - height * 0.42) / (height * 0.34)))[..., None]
    img[cube_mask > 0] = face[cube_mask > 0]
    mask |= cube_mask
    img = np.clip(img, 0, 255).astype(np.uint8)
    img = cv2.GaussianBlur(img, (3, 3), 0.6)
    return img, mask


def smooth_noise(height: int, width: int, cells: int, seed: int) -> np.ndarray:
    """Low-frequency noise in [0, 1] (H×W float32): random values on a coarse grid, smoothly scaled up."""
    rng = np.random.default_rng(seed)
    aspect = width / max(height, 1)
    grid = rng.random((cells, max(2, round(cells * aspect)))).astype(np.float32)
    return cv2.resize(grid, (width, height), interpolation=cv2.INTER_CUBIC).clip(0, 1)


def backdrop(width: int, height: int, seed: int = 3) -> np.ndarray:
    """A generated studio-like background: a blue-grey gradient with soft out-of-focus blobs (RGB uint8)."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    img = np.array([40, 62, 96], np.float32) * (1 - t) + np.array([18, 26, 44], np.float32) * t
    img = np.broadcast_to(img, (height, width, 3)).copy()
    blobs = np.zeros((height, width), np.float32)
    scale = min(width, height)
    for _ in range(24):
        centre = (int(rng.random() * width), int(rng.random() * height))
        cv2.circle(blobs, centre, int(scale * rng.uniform(0.02, 0.08)), float(rng.uniform(0.3, 1.0)), -1, cv2.LINE_AA)
    blobs = cv2.GaussianBlur(blobs, (0, 0), scale * 0.01)
    img += blobs[..., None] * np.array([70, 90, 60], np.float32)
    img += rng.normal(0, 2.0, (height, width, 1)).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def hair_alpha(width: int, height: int, seed: int = 11) -> np.ndarray:
    """The exact alpha (H×W float32 0..1) of a head-like subject with thin hair strands all around its top.

    Strands are anti-aliased one-pixel curves, so most of them are partly transparent at 100 %: the hardest
    case for a cutout, and a long boundary that loads the edge stage at any size.
    """
    rng = np.random.default_rng(seed)
    canvas = np.zeros((height, width), np.uint8)
    scale = min(width, height)
    cx, cy = width * 0.5, height * 0.62
    rx, ry = scale * 0.30, scale * 0.36
    cv2.ellipse(canvas, (int(cx * 16), int(cy * 16)), (int(rx * 16), int(ry * 16)), 0, 0, 360, 255, -1,
                cv2.LINE_AA, 4)
    count = int(2500 * max(width, height) / 1000)
    for _ in range(count):
        theta = rng.uniform(np.pi * 0.9, np.pi * 2.1)
        x, y = cx + rx * 0.97 * np.cos(theta), cy + ry * 0.97 * np.sin(theta)
        heading = theta + rng.normal(0, 0.35)
        step = scale * rng.uniform(0.006, 0.02)
        points = [(x, y)]
        for _ in range(9):
            heading += rng.normal(0, 0.12)
            x, y = x + step * np.cos(heading), y + step * np.sin(heading)
            points.append((x, y))
        pts = (np.array(points) * 16).astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(canvas, [pts], False, 255, 1, cv2.LINE_AA, 4)
    return canvas.astype(np.float32) / 255.0


def hair_colours(width: int, height: int, seed: int = 5) -> np.ndarray:
    """The subject's pure foreground colour everywhere (H×W×3 float32 0..255): golden hair, slowly varying."""
    mix = smooth_noise(height, width, 6, seed)[..., None]
    light = np.array([226, 186, 120], np.float32)
    dark = np.array([150, 104, 58], np.float32)
    return light * mix + dark * (1 - mix)


def composite(fg: np.ndarray, alpha: np.ndarray, bg: np.ndarray) -> np.ndarray:
    """``fg`` over ``bg`` with straight ``alpha`` (float 0..1) as RGB uint8: the compositing equation itself."""
    a = alpha[..., None]
    return np.clip(fg * a + bg.astype(np.float32) * (1 - a) + 0.5, 0, 255).astype(np.uint8)


def hair_scene(width: int, height: int, background: np.ndarray | None = None,
               seed: int = 11) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Golden hair over ``background`` (default: :func:`backdrop`): (RGB uint8, true alpha, true foreground)."""
    bg = backdrop(width, height) if background is None else background
    alpha = hair_alpha(width, height, seed)
    fg = hair_colours(width, height)
    return composite(fg, alpha, bg), alpha, fg
