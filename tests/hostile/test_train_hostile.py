"""The trainer's data and run-folder checks: it validates its data as ``dataset check`` does (and decodes
every pair), refuses to mix two runs in one folder, and resumes only the same data and settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hostile_util import ROOT

from u2studio.core.dataset import Dataset
from u2studio.core.imageio import save_png
from u2studio.core.synthetic import scene

TINY = ["--arch", "u2netp", "--init", "scratch", "--size", "32", "--crop", "32", "--batch-size", "2",
        "--val-count", "1", "--device", "cpu", "--epochs", "1", "--max-steps", "1", "--progress-json"]


def _plain(root: Path, n: int = 3) -> Path:
    for i in range(n):
        image, mask = scene(40, 30, seed=200 + i)
        save_png(root / "im" / f"s{i}.png", image)
        save_png(root / "gt" / f"s{i}.png", mask)
    return root


def train(*args: str | Path) -> tuple[int, list[dict[str, Any]], str]:
    """``u2studio train`` in a real process, as the studio runs it: (exit code, JSON events, stderr)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    r = subprocess.run([sys.executable, "-m", "u2studio", "train", *map(str, args)], capture_output=True, text=True,
                       env=env, timeout=300)
    return r.returncode, [json.loads(x) for x in r.stdout.splitlines() if x.startswith("{")], r.stderr


def _refused(result: tuple[int, list[dict[str, Any]], str], text: str) -> None:
    code, events, stderr = result
    assert code == 2 and "Traceback" not in stderr, stderr[-2000:]
    errors = [e for e in events if e["event"] == "error"]
    assert errors and text in errors[-1]["message"], events
    assert not any(e["event"] == "start" for e in events)


def test_a_truncated_jpeg_is_a_clear_error_event(tmp_path: Path) -> None:
    data = _plain(tmp_path / "d")
    jpeg = data / "im" / "s1.jpg"
    import cv2

    cv2.imwrite(str(jpeg), scene(40, 30, seed=3)[0])
    jpeg.write_bytes(jpeg.read_bytes()[:200])  # header only: no decoder can read it
    (data / "im" / "s1.png").unlink()
    _refused(train("--data", data, "--out", tmp_path / "run", *TINY), "s1.jpg")


def test_masks_of_the_wrong_size_or_0_1_values_are_refused(tmp_path: Path) -> None:
    data = _plain(tmp_path / "d")
    save_png(data / "gt" / "s0.png", scene(20, 10, seed=1)[1])
    _refused(train("--data", data, "--out", tmp_path / "run", *TINY), "mask is 20x10")
    save_png(data / "gt" / "s0.png", (scene(40, 30, seed=200)[1] > 127).astype("uint8"))
    _refused(train("--data", data, "--out", tmp_path / "run", *TINY), "0/1")


def test_a_broken_manifest_line_is_refused(tmp_path: Path) -> None:
    ds = Dataset.create(tmp_path / "ds")
    for i in range(3):
        image, mask = scene(40, 30, seed=300 + i)
        save_png(tmp_path / "src" / f"p{i}.png", image)
        ds.add(tmp_path / "src" / f"p{i}.png", mask)
    with open(ds.root / "manifest.jsonl", "a", encoding="utf-8") as handle:
        handle.write("{broken\n")
    _refused(train("--data", ds.root, "--out", tmp_path / "run", *TINY), "manifest.jsonl: line 4")


def test_a_one_pair_dataset_is_refused(tmp_path: Path) -> None:
    data = _plain(tmp_path / "d", n=1)
    no_val_count = [a for i, a in enumerate(TINY) if a != "--val-count" and TINY[i - 1] != "--val-count"]
    _refused(train("--data", data, "--out", tmp_path / "run", *no_val_count), "at least 2")


@pytest.mark.slow
def test_a_run_folder_needs_resume_or_overwrite_and_resume_needs_the_same_run(tmp_path: Path) -> None:
    data, run = _plain(tmp_path / "d"), tmp_path / "run"
    code, _, stderr = train("--data", data, "--out", run, *TINY)
    assert code == 0, stderr[-2000:]
    last = (run / "last.safetensors").read_bytes()
    _refused(train("--data", data, "--out", run, *TINY), "--resume")
    assert (run / "last.safetensors").read_bytes() == last  # nothing of the old run was replaced
    _refused(train("--data", data, "--out", run, *TINY, "--resume", "--loss", "hybrid"), "--loss")
    other = _plain(tmp_path / "other", n=4)
    _refused(train("--data", other, "--out", run, *TINY, "--resume"), "--data")
    code, _, stderr = train("--data", data, "--out", run, *TINY, "--overwrite")
    assert code == 0, stderr[-2000:]
    assert not (run / "best.safetensors").exists() or json.loads((run / "best.json").read_text())["epoch"] <= 1
