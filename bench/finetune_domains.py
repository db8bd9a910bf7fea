"""Simulated other sensors for bench_finetune.py: the dev photos re-rendered, masks unchanged.

* ``lowlight``: a night shot from a small sensor: exposure cut to 10 % in linear light, a blue
  colour cast (sodium-free LED street light / white balance off), shot + read noise, gamma back
  to sRGB. Denoising-free phone and dash-cam footage looks like this; U²-Net† never saw it.
* ``thermal``: a thermal-like rendering: luminance blurred and down-sampled 4× (thermal sensors
  are low-resolution), contrast-stretched and mapped through the "inferno" palette.
* ``underwater``: a shallow-water shot: red and then green absorbed (per-channel transmission in
  linear light), a blue-green veiling light added by back-scatter, forward-scatter blur and sensor
  noise. Added after the recipe was last changed, as a domain it was not tuned on.

All are deterministic functions of the image (seeded by its stem), so every run sees the same
pictures. The pictures are written to a temporary folder outside the repository.
"""

from __future__ import annotations

import zlib

import cv2
import numpy as np

DOMAINS = ("original", "lowlight", "thermal", "underwater")


def lowlight(rgb: np.ndarray, seed: int) -> np.ndarray:
    """A dark, noisy, blue-cast version of an sRGB photo."""
    rng = np.random.default_rng(seed)
    linear = (rgb.astype(np.float32) / 255.0) ** 2.2
    linear *= 0.10 * np.array([0.75, 0.95, 1.35], np.float32)  # exposure and cast
    shot = rng.normal(0.0, 1.0, linear.shape).astype(np.float32) * np.sqrt(linear * 0.004)
    read = rng.normal(0.0, 0.006, linear.shape).astype(np.float32)
    noisy = np.clip(linear + shot + read, 0.0, 1.0)
    return np.clip(255.0 * noisy ** (1 / 2.2) + 0.5, 0, 255).astype(np.uint8)


def thermal(rgb: np.ndarray, seed: int) -> np.ndarray:
    """A low-resolution, palette-mapped rendering of the photo's luminance."""
    h, w = rgb.shape[:2]
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    small = cv2.resize(cv2.GaussianBlur(grey, (0, 0), 2.0), (max(8, w // 4), max(8, h // 4)), interpolation=cv2.INTER_AREA)
    lo, hi = np.percentile(small, [2, 98])
    small = np.clip((small - lo) / max(hi - lo, 1.0), 0, 1)
    up = cv2.resize((small * 255).astype(np.uint8), (w, h), interpolation=cv2.INTER_LINEAR)
    bgr = cv2.applyColorMap(up, cv2.COLORMAP_INFERNO)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def underwater(rgb: np.ndarray, seed: int) -> np.ndarray:
    """A hazy, blue-green, red-starved version of an sRGB photo, as seen a few metres under water."""
    rng = np.random.default_rng(seed)
    linear = (rgb.astype(np.float32) / 255.0) ** 2.2
    transmission = np.array([0.12, 0.55, 0.75], np.float32)  # red is absorbed first, then green
    veil = np.array([0.015, 0.20, 0.28], np.float32)  # back-scattered ambient light
    scattered = cv2.GaussianBlur(linear, (0, 0), 1.5)
    seen = scattered * transmission + veil * (1.0 - transmission)
    noisy = np.clip(seen + rng.normal(0.0, 0.01, seen.shape).astype(np.float32), 0.0, 1.0)
    return np.clip(255.0 * noisy ** (1 / 2.2) + 0.5, 0, 255).astype(np.uint8)


def render(domain: str, rgb: np.ndarray, stem: str) -> np.ndarray:
    """The photo as seen by ``domain``'s sensor."""
    seed = zlib.crc32(stem.encode("utf-8"))
    if domain == "original":
        return rgb
    if domain == "lowlight":
        return lowlight(rgb, seed)
    if domain == "thermal":
        return thermal(rgb, seed)
    if domain == "underwater":
        return underwater(rgb, seed)
    raise ValueError(f"unknown domain {domain!r}")
