"""``u2studio eval --pred DIR`` on a ``segment --cutout`` folder: the cutouts are skipped, and it says so."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from segment_util import ROOT, err, photos, segment

from u2studio.core.imageio import save_png
from u2studio.core.synthetic import scene


def test_eval_skips_cutouts_in_a_segment_folder(tmp_path: Path, bundled_weights: Path) -> None:
    names = ["one.png", "two.png"]
    photos(tmp_path / "im", names)
    (tmp_path / "gt").mkdir()
    for seed, name in enumerate(names, start=1):
        save_png(tmp_path / "gt" / name, scene(96, 72, seed=seed)[1])
    made = segment(tmp_path / "im", "-o", tmp_path / "pred", "--cutout", "--edges", "hard", data=tmp_path / "d")
    assert made.returncode == 0, err(made)
    result = subprocess.run(
        [sys.executable, "-m", "u2studio", "eval", "--pred", str(tmp_path / "pred"), "--gt", str(tmp_path / "gt")],
        capture_output=True, text=True, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT),
                                                           U2STUDIO_DATA_DIR=str(tmp_path / "d")),
    )
    assert result.returncode == 0, result.stderr
    assert "skipped 2 cutout file(s)" in result.stderr
    assert result.stdout.strip().splitlines()[-1].split()[-1] == "2"  # n: both masks scored, nothing else
