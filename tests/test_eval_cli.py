"""``u2studio eval`` end to end in a subprocess on generated masks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from u2studio.core.imageio import save_png
from u2studio.core.synthetic import scene

ROOT = Path(__file__).resolve().parents[1]


def run_eval(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "u2studio", "eval", *args], capture_output=True, text=True, env=env,
                          timeout=300)


def make_folders(tmp: Path, n: int = 3) -> tuple[Path, Path]:
    pred, gt = tmp / "pred", tmp / "gt"
    pred.mkdir()
    gt.mkdir()
    for i in range(n):
        _, mask = scene(96, 80, seed=i)
        save_png(gt / f"img{i}.png", mask)
        save_png(pred / f"img{i}.png", cv2.GaussianBlur(np.roll(mask, i, axis=1), (5, 5), 2))
    return pred, gt


def test_eval_writes_table_json_csv_plots_and_pictures(tmp_path: Path) -> None:
    pred, gt = make_folders(tmp_path)
    out = tmp_path / "out"
    res = run_eval("--pred", str(pred), "--gt", str(gt), "--json", str(out / "s.json"), "--csv", str(out / "p.csv"),
                   "--plots", str(out / "plots"), "--visualize", str(out / "vis"))
    assert res.returncode == 0, res.stderr
    assert "maxFβ" in res.stdout and "relaxFβ(ρ=3)" in res.stdout
    summary = json.loads((out / "s.json").read_text())
    assert list(summary) == ["maxF", "meanF", "adpF", "MAE", "wF", "Sm", "maxEm", "meanEm", "adpEm", "relaxF", "IoU",
                             "HCE", "n"]
    assert summary["n"] == 3 and 0.5 < summary["maxF"] <= 1
    assert len((out / "p.csv").read_text().splitlines()) == 4
    assert (out / "plots" / "pr_curve.png").stat().st_size > 1000
    pic = cv2.imread(str(out / "vis" / "img1.png"))
    assert pic.shape == (80, 96, 3)


def test_mismatch_stops_by_default_and_skip_skips(tmp_path: Path) -> None:
    pred, gt = make_folders(tmp_path)
    (pred / "img2.png").unlink()
    save_png(pred / "extra.png", np.zeros((80, 96), np.uint8))
    save_png(pred / "img1.png", np.zeros((10, 10), np.uint8))
    res = run_eval("--pred", str(pred), "--gt", str(gt))
    assert res.returncode != 0
    assert "img2.png" in res.stderr and "extra.png" in res.stderr
    res = run_eval("--pred", str(pred), "--gt", str(gt), "--on-mismatch", "skip", "--json", str(tmp_path / "s.json"))
    assert res.returncode == 0, res.stderr
    assert "img1" in res.stderr and "differ in size" in res.stderr
    assert json.loads((tmp_path / "s.json").read_text())["n"] == 1


@pytest.mark.slow
def test_images_with_model_predicts_then_evaluates(tmp_path: Path, bundled_weights: Path) -> None:
    images, gt = tmp_path / "images", tmp_path / "gt"
    images.mkdir()
    gt.mkdir()
    for i in range(2):
        rgb, mask = scene(160, 120, seed=i)
        save_png(images / f"s{i}.png", rgb)
        save_png(gt / f"s{i}.png", mask)
    res = run_eval("--images", str(images), "--gt", str(gt), "--model", "u2netp", "--device", "cpu",
                   "--json", str(tmp_path / "s.json"))
    assert res.returncode == 0, res.stderr
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["n"] == 2 and summary["maxF"] > 0.5
