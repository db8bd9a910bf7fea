"""Helpers for the ``u2studio segment`` tests: the real command in a real subprocess, and generated photos.

Every run shares one export cache (it is keyed by the weights' SHA-256, so sharing is safe) and gets its
own user-data folder; the first run of a session makes the export, the others start from it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from u2studio.core.imageio import save_png
from u2studio.core.synthetic import scene

ROOT = Path(__file__).resolve().parents[1]
SHARED_CACHE = Path(tempfile.gettempdir()) / f"u2studio-test-cache-{os.getuid() if hasattr(os, 'getuid') else 0}"


def segment(*args: str | Path, data: Path, stdin: bytes | None = None, timeout: float = 180,
            env: dict[str, str] | None = None, cache: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run ``python -m u2studio segment ARGS``; stdout stays bytes (it may be an image)."""
    full = dict(os.environ, U2STUDIO_DATA_DIR=str(data), U2STUDIO_CACHE_DIR=str(cache or SHARED_CACHE),
                PYTHONPATH=str(ROOT), **(env or {}))
    if "U2STUDIO_THREADS" not in (env or {}):
        full.pop("U2STUDIO_THREADS", None)
    return subprocess.run([sys.executable, "-m", "u2studio", "segment", *map(str, args)], input=stdin,
                          capture_output=True, env=full, cwd=ROOT, timeout=timeout)


def err(result: subprocess.CompletedProcess[bytes]) -> str:
    """The run's standard error as text."""
    return result.stderr.decode("utf-8", "replace")


def photos(folder: Path, names: list[str], size: tuple[int, int] = (96, 72)) -> list[Path]:
    """Generated scenes saved under ``names`` (the extension picks the format), a different seed each."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for seed, name in enumerate(names, start=1):
        rgb, _ = scene(*size, seed=seed)
        path = folder / name
        if path.suffix.lower() == ".png":
            save_png(path, rgb)
        else:
            Image.fromarray(rgb).save(path, quality=95)
        paths.append(path)
    return paths


def files_in(folder: Path) -> list[str]:
    """The visible file names in ``folder``, sorted."""
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def mask(path: Path) -> np.ndarray:
    """A written mask as an array (checks it is 8-bit single-channel)."""
    from PIL import Image

    with Image.open(path) as img:
        assert img.mode == "L", f"{path} is {img.mode}"
        return np.asarray(img)
