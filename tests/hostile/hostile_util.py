"""Helpers for the hostile-input regression tests (the CLI as a user runs it, generated pairs, snapshots)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from u2studio.core.synthetic import scene

ROOT = Path(__file__).resolve().parents[2]


def u2(*args: str | Path, timeout: float = 120, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m u2studio ARGS`` with this worktree's code, as a user would."""
    full = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "u2studio", *map(str, args)], capture_output=True, text=True, env=full, timeout=timeout
    )


def write_pair(folder: Path, stem: str, seed: int, size: tuple[int, int] = (48, 32)) -> tuple[Path, Path]:
    """A generated image (PNG) and its mask in ``folder``."""
    import cv2

    rgb, mask = scene(*size, seed=seed)
    folder.mkdir(parents=True, exist_ok=True)
    image, mask_path = folder / f"{stem}.png", folder / f"{stem}_mask.png"
    cv2.imwrite(str(image), rgb[:, :, ::-1])
    cv2.imwrite(str(mask_path), mask)
    return image, mask_path


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative name -> bytes), to prove nothing there changed."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def mask_of(shape: tuple[int, int], value: int = 255) -> np.ndarray:
    """A constant uint8 mask."""
    return np.full(shape, value, np.uint8)
