"""``u2studio segment`` end to end in a real subprocess, with the real bundled model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from odd_images import write_corrupt_images, write_odd_images

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, env_dir: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, U2STUDIO_DATA_DIR=str(env_dir), PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "u2studio", *args], capture_output=True, text=True, env=env, cwd=ROOT)


def test_segment_writes_masks_and_cutouts_and_reports_failures(tmp_path: Path, bundled_weights: Path) -> None:
    inputs = tmp_path / "in"
    good = write_odd_images(inputs)
    bad = write_corrupt_images(inputs)
    out = tmp_path / "out"
    result = run_cli("segment", str(inputs), "--out", str(out), "--cutout", env_dir=tmp_path / "data")
    assert result.returncode == 1, result.stderr
    for name, (path, (height, width)) in good.items():
        mask = Image.open(out / f"{path.stem}.png")
        assert mask.mode == "L" and mask.size == (width, height), name
        cut = Image.open(out / f"{path.stem}_cutout.png")
        assert cut.mode == "RGBA" and cut.size == (width, height), name
    assert f"segmented {len(good)}/{len(good) + len(bad)} images" in result.stderr
    for path in bad:
        assert str(path) in result.stderr
        assert not (out / f"{path.stem}.png").exists()


def test_segment_finds_the_object(tmp_path: Path, bundled_weights: Path) -> None:
    from u2studio.core.imageio import save_png
    from u2studio.core.synthetic import scene

    image, truth = scene(400, 300, seed=11)
    save_png(tmp_path / "ball.png", image)
    result = run_cli("segment", str(tmp_path / "ball.png"), "--out", str(tmp_path / "o"), env_dir=tmp_path / "d")
    assert result.returncode == 0, result.stderr
    mask = np.asarray(Image.open(tmp_path / "o" / "ball.png")) >= 128
    obj = truth > 0
    # the ball is salient; the model must cover most of it and little of the backdrop
    ball_recall = (mask & obj).sum() / obj.sum()
    background_hits = (mask & ~obj).sum() / (~obj).sum()
    assert ball_recall > 0.6 and background_hits < 0.05


def test_an_unknown_model_fails_cleanly(tmp_path: Path) -> None:
    from u2studio.core.imageio import save_png

    save_png(tmp_path / "x.png", np.zeros((10, 10, 3), np.uint8))
    result = run_cli("segment", str(tmp_path / "x.png"), "--out", str(tmp_path / "o"), "--model", "nope", env_dir=tmp_path)
    assert result.returncode != 0 and "unknown model 'nope'" in result.stderr


def test_weights_cli_lists_and_imports(tmp_path: Path, bundled_weights: Path) -> None:
    import torch

    from u2studio.models import create_model

    ckpt = tmp_path / "u2netp.pth"
    torch.save(create_model("u2netp").state_dict(), ckpt)
    data = tmp_path / "data"
    imported = run_cli("weights", "import", str(ckpt), "--name", "mine", env_dir=data)
    assert imported.returncode == 0, imported.stderr
    listing = run_cli("weights", "list", env_dir=data)
    assert "u2netp" in listing.stdout and "bundled" in listing.stdout
    assert "mine" in listing.stdout and "imported" in listing.stdout


def test_a_scripted_segment_run_imports_only_what_it_uses(tmp_path: Path, bundled_weights: Path) -> None:
    """Start-up is part of a batch user's wait: no other subcommand's code, no progress bar without a terminal."""
    image = tmp_path / "in" / "a.png"
    image.parent.mkdir()
    Image.fromarray(np.full((40, 50, 3), 120, np.uint8)).save(image)
    probe = ("import sys; from u2studio.cli.main import main; code = main(sys.argv[1:]); "
             "print(sorted(m for m in ('tqdm', 'u2studio.core.dataset', 'u2studio.cli.eval', 'torch') if m in sys.modules)); "
             "sys.exit(code)")
    env = dict(os.environ, U2STUDIO_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(ROOT))
    assert run_cli("segment", str(image.parent), "-o", str(tmp_path / "first"), env_dir=tmp_path / "data").returncode == 0
    # the first run built the verified ONNX export (torch); the next one starts from it
    result = subprocess.run([sys.executable, "-c", probe, "segment", str(image.parent), "-o", str(tmp_path / "out")],
                            capture_output=True, text=True, env=env, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]" and (tmp_path / "out" / "a.png").is_file()
