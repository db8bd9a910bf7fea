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
