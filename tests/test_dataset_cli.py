"""``u2studio dataset`` end to end, as a user runs it (subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from u2studio.core.dataset import Dataset
from u2studio.core.synthetic import scene

ROOT = Path(__file__).resolve().parents[1]


def u2(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m u2studio dataset ARGS`` with this worktree's code."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "u2studio", "dataset", *map(str, args)], capture_output=True, text=True, env=env, timeout=120
    )


def _write_pair(image_dir: Path, mask_dir: Path | None, stem: str, seed: int, ext: str = ".jpg") -> None:
    rgb, mask = scene(64, 48, seed=seed)
    image_dir.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(image_dir / f"{stem}{ext}"), rgb[:, :, ::-1])
    if mask_dir is not None:
        mask_dir.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(mask_dir / f"{stem}.png"), np.roll(mask, seed, axis=1))


def test_add_stats_check(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    ds = tmp_path / "ds"
    rgb, mask = scene(64, 48, seed=2)
    cv2.imwrite(str(src / "cat.jpg"), rgb[:, :, ::-1])
    cv2.imwrite(str(src / "cat-mask.png"), mask)
    cv2.imwrite(str(src / "cat-pred.png"), np.roll(mask, 6, axis=0))

    r = u2("add", src / "cat.jpg", src / "cat-mask.png", "--to", ds, "--annotator", "ana", "--prediction", src / "cat-pred.png", "--model", "u2netp")
    assert r.returncode == 0, r.stderr
    assert "added" in r.stdout and "as cat" in r.stdout
    r = u2("add", src / "cat.jpg", src / "cat-mask.png", "--to", ds, "--annotator", "ana", "--prediction", src / "cat-pred.png", "--model", "u2netp")
    assert r.returncode == 0 and "unchanged" in r.stdout
    cv2.imwrite(str(src / "cat-mask.png"), np.zeros((48, 64), np.uint8))
    r = u2("add", src / "cat.jpg", src / "cat-mask.png", "--to", ds)
    assert r.returncode == 0 and "updated cat (same image content), revision 2" in r.stdout
    assert "gt/.backup/cat." in r.stdout

    r = u2("stats", ds)
    assert r.returncode == 0 and "pairs" in r.stdout and "corrected" in r.stdout
    stats = json.loads(u2("stats", ds, "--json").stdout)
    assert stats["count"] == 1 and stats["by_annotator"] == {"ana": 1}
    assert u2("check", ds).returncode == 0

    r = u2("state", ds, "cat", "rejected")
    assert r.returncode == 0 and json.loads(u2("stats", ds, "--json").stdout)["by_state"]["rejected"] == 1

    (ds / "gt" / "cat.png").write_bytes(b"not a png")
    (ds / "im" / "dog.jpg").write_bytes((src / "cat.jpg").read_bytes())
    r = u2("check", ds)
    assert r.returncode == 1
    assert "gt/cat.png: mask file changed since it was recorded" in r.stdout
    assert "im/dog.jpg: file not in the manifest" in r.stdout

    lines = (ds / "manifest.jsonl").read_text()
    (ds / "manifest.jsonl").write_text(lines + "{broken\n")
    r = u2("check", ds)
    assert r.returncode == 1 and "manifest.jsonl: line 2: not valid JSON" in r.stdout  # a problem found: 1


@pytest.mark.parametrize(
    ("layout", "image_dir", "mask_dir"),
    [
        ("duts", "DUTS-TR/DUTS-TR-Image", "DUTS-TR/DUTS-TR-Mask"),
        ("dis", "DIS-TR/im", "DIS-TR/gt"),
        ("plain", "images", "masks"),
    ],
)
def test_import_layouts(tmp_path: Path, layout: str, image_dir: str, mask_dir: str) -> None:
    src = tmp_path / "src"
    for i in range(3):
        _write_pair(src / image_dir, src / mask_dir, f"p{i}", i)
    _write_pair(src / image_dir, None, "lonely_image", 9)
    _write_pair(src / mask_dir, None, "lonely_mask", 9, ".png")
    ds = tmp_path / "ds"

    r = u2("import", src, "--layout", layout, "--to", ds, "--annotator", "import")
    assert r.returncode == 0, r.stderr
    assert "3 added" in r.stdout
    assert "no mask for image" in r.stdout and "lonely_image.jpg" in r.stdout
    assert "no image for mask" in r.stdout and "lonely_mask.png" in r.stdout
    assert sorted(p.name for p in (ds / "im").iterdir()) == ["p0.jpg", "p1.jpg", "p2.jpg"]
    assert (ds / "im" / "p1.jpg").read_bytes() == (src / image_dir / "p1.jpg").read_bytes()
    dataset = Dataset.open(ds)
    assert dataset.check() == [] and {r.state for r in dataset.records()} == {"approved"}

    r = u2("import", src, "--layout", layout, "--to", ds)
    assert r.returncode == 0 and "0 added, 0 updated, 3 unchanged" in r.stdout


def test_import_errors_are_clear(tmp_path: Path) -> None:
    src = tmp_path / "src"
    _write_pair(src / "images", src / "masks", "a", 1)
    bad = np.zeros((10, 10), np.uint8)
    _write_pair(src / "images", None, "b", 2)
    cv2.imwrite(str(src / "masks" / "b.png"), bad)
    r = u2("import", src, "--layout", "dis", "--to", tmp_path / "ds")
    assert r.returncode == 2 and "no im/gt folders found" in r.stderr
    r = u2("import", src, "--layout", "plain", "--to", tmp_path / "ds")
    assert r.returncode == 1 and "1 added" in r.stdout
    assert "b.jpg: the mask is 10x10 but the image is 64x48" in r.stderr
    r = u2("stats", tmp_path / "nothing")
    assert r.returncode == 2 and "no such dataset folder" in r.stderr
