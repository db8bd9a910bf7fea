"""``u2studio cutout`` through real subprocesses: pairing, every option, and the error cases."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from u2studio.core.imageio import load_image
from u2studio.core.synthetic import hair_scene


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m u2studio cutout ARGS`` and capture its output."""
    return subprocess.run([sys.executable, "-m", "u2studio", "cutout", *map(str, args)], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})


@pytest.fixture
def scenes(tmp_path: Path) -> tuple[Path, Path]:
    """Two images with masks: one named <stem>.png, one <stem>_mask.png (a low-resolution view of the truth)."""
    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir()
    masks.mkdir()
    for index, (stem, mask_name) in enumerate((("hair", "hair.png"), ("tuft", "tuft_mask.png"))):
        image, alpha, _ = hair_scene(240, 160, seed=11 + index)
        Image.fromarray(image).save(images / f"{stem}.jpg", quality=95)
        small = cv2.resize(alpha, (60, 40), interpolation=cv2.INTER_AREA)
        mask = cv2.resize(small, (240, 160), interpolation=cv2.INTER_LINEAR)
        Image.fromarray((mask * 255 + 0.5).astype(np.uint8)).save(masks / mask_name)
    return images, masks


def test_pairs_by_stem_and_writes_refined_png(scenes: tuple[Path, Path], tmp_path: Path) -> None:
    images, masks = scenes
    result = run_cli("--images", images, "--masks", masks, "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert "cut out 2/2 images (refined edges)" in result.stderr
    for stem in ("hair", "tuft"):
        cut = load_image(tmp_path / "out" / f"{stem}_cutout.png")
        assert cut.alpha is not None and len(np.unique(cut.alpha)) > 20


@pytest.mark.parametrize("edges", ["hard", "feather", "refined"])
def test_edges_option(scenes: tuple[Path, Path], tmp_path: Path, edges: str) -> None:
    images, masks = scenes
    result = run_cli("--images", images / "hair.jpg", "--masks", masks, "--out", tmp_path / "out", "--edges", edges)
    assert result.returncode == 0, result.stderr
    alpha = load_image(tmp_path / "out" / "hair_cutout.png").alpha
    assert alpha is not None
    assert (len(np.unique(alpha)) == 2) == (edges == "hard")


def test_decontaminate_switch_changes_edge_colours_only(scenes: tuple[Path, Path], tmp_path: Path) -> None:
    images, masks = scenes
    outputs = {}
    for flag in ("--decontaminate", "--no-decontaminate"):
        out = tmp_path / flag.strip("-")
        assert run_cli("--images", images / "hair.jpg", "--masks", masks, "--out", out, flag).returncode == 0
        outputs[flag] = load_image(out / "hair_cutout.png")
    on, off = outputs["--decontaminate"], outputs["--no-decontaminate"]
    assert np.array_equal(on.alpha, off.alpha)
    assert not np.array_equal(on.rgb, off.rgb)
    source = load_image(images / "hair.jpg").rgb
    assert np.array_equal(off.rgb, source)


@pytest.mark.parametrize("fmt", ["png", "webp", "jpg"])
def test_format_and_bg_color(scenes: tuple[Path, Path], tmp_path: Path, fmt: str) -> None:
    images, masks = scenes
    result = run_cli("--images", images / "tuft.jpg", "--masks", masks, "--out", tmp_path, "--format", fmt)
    assert result.returncode == 0, result.stderr
    with Image.open(tmp_path / f"tuft_cutout.{fmt}") as img:
        assert img.mode == ("RGB" if fmt == "jpg" else "RGBA")
        corner = np.asarray(img.convert("RGB"))[0, 0]
    if fmt == "jpg":
        assert corner.min() > 240  # flattened on white by default
    result = run_cli("--images", images / "tuft.jpg", "--masks", masks, "--out", tmp_path / "bg", "--format", fmt,
                     "--bg-color", "#0000ff")
    assert result.returncode == 0, result.stderr
    with Image.open(tmp_path / "bg" / f"tuft_cutout.{fmt}") as img:
        assert img.mode == "RGB"
        r, g, b = (int(v) for v in np.asarray(img)[0, 0])
        assert b > 230 and r < 25 and g < 25


def test_bad_bg_color_is_a_usage_error(scenes: tuple[Path, Path], tmp_path: Path) -> None:
    images, masks = scenes
    result = run_cli("--images", images, "--masks", masks, "--out", tmp_path / "out", "--bg-color", "blue")
    assert result.returncode == 2 and "R,G,B" in result.stderr
    result = run_cli("--images", images, "--masks", masks, "--out", tmp_path / "out", "--feather-radius", "-1")
    assert result.returncode == 2 and "feather radius" in result.stderr
    result = run_cli("--images", images, "--masks", masks, "--out", tmp_path / "out", "--decontaminate-amount", "2")
    assert result.returncode == 2 and "0..1" in result.stderr
    assert not (tmp_path / "out").exists()


def test_missing_mask_fails_that_item_only(scenes: tuple[Path, Path], tmp_path: Path) -> None:
    images, masks = scenes
    (masks / "tuft_mask.png").unlink()
    result = run_cli("--images", images, "--masks", masks, "--out", tmp_path / "out")
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("failed:")]
    assert len(lines) == 1 and "tuft.jpg: no mask" in lines[0]
    assert (tmp_path / "out" / "hair_cutout.png").is_file()


def test_size_mismatch_fails_with_both_sizes(scenes: tuple[Path, Path], tmp_path: Path) -> None:
    images, masks = scenes
    Image.fromarray(np.zeros((80, 120), np.uint8)).save(masks / "hair.png")
    result = run_cli("--images", images / "hair.jpg", "--masks", masks, "--out", tmp_path / "out")
    assert result.returncode == 1
    assert "is 120x80, the image 240x160" in result.stderr
    assert not (tmp_path / "out" / "hair_cutout.png").exists()


def test_unwritable_output_is_unusable_input(scenes: tuple[Path, Path], tmp_path: Path) -> None:
    images, masks = scenes
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run_cli("--images", images, "--masks", masks, "--out", blocker)
    assert result.returncode == 2 and "exists and is not a folder" in result.stderr
    assert blocker.read_text() == "not a folder"
    result = run_cli("--images", images, "--masks", masks, "--out", blocker / "sub")
    assert result.returncode == 2 and "cannot be created" in result.stderr
    if os.name == "posix" and os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        result = run_cli("--images", images, "--masks", masks, "--out", locked)
        assert result.returncode == 2 and "not writable" in result.stderr


def test_no_images_and_no_masks_folder(scenes: tuple[Path, Path], tmp_path: Path) -> None:
    images, masks = scenes
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_cli("--images", empty, "--masks", masks, "--out", tmp_path / "o").returncode == 2
    result = run_cli("--images", images, "--masks", tmp_path / "nowhere", "--out", tmp_path / "o")
    assert result.returncode == 2 and "is not a folder" in result.stderr


def test_never_overwrites_an_input(scenes: tuple[Path, Path], tmp_path: Path) -> None:
    images, masks = scenes
    trap = masks / "hair_cutout.png"
    trap.write_bytes(b"precious")
    result = run_cli("--images", images / "hair.jpg", "--masks", masks, "--out", masks)
    assert result.returncode == 1 and "would overwrite an input" in result.stderr
    assert trap.read_bytes() == b"precious"


def test_mask_grid_tells_refined_edges_the_masks_own_size(scenes: tuple[Path, Path], tmp_path: Path) -> None:
    """--mask-grid 60x40 and /4 name the same grid for these ÷4 masks; the edge then agrees with it there."""
    from u2studio.core.cutout import CutoutSettings, render_cutout

    images, masks = scenes
    outs = {}
    for name, spec in (("none", []), ("size", ["--mask-grid", "60x40"]), ("div", ["--mask-grid", "/4"])):
        result = run_cli("--images", images, "--masks", masks, "--out", tmp_path / name, *spec)
        assert result.returncode == 0, result.stderr
        outs[name] = load_image(tmp_path / name / "hair_cutout.png").alpha
    assert np.array_equal(outs["size"], outs["div"])
    assert not np.array_equal(outs["size"], outs["none"])
    rgb, mask = load_image(images / "hair.jpg").rgb, load_image(masks / "hair.png").rgb[..., 0]
    assert np.array_equal(outs["size"], render_cutout(rgb, mask, CutoutSettings(mask_grid=(60, 40)))[..., 3])
    for bad in ("0x40", "/1", "320", "axb"):
        result = run_cli("--images", images, "--masks", masks, "--out", tmp_path / "bad", "--mask-grid", bad)
        assert result.returncode == 2 and "not a grid" in result.stderr, result.stderr
