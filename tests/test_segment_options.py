"""Every ``u2studio segment`` option through the real command in a subprocess, with the bundled model."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from segment_util import err, files_in, mask, photos, segment

pytestmark = pytest.mark.usefixtures("bundled_weights")


def test_masks_are_png_stems_and_the_summary_line_has_counts_time_and_rate(tmp_path: Path) -> None:
    photos(tmp_path / "in", ["one.jpg", "two.png", "three.webp"])
    result = segment(tmp_path / "in", "-o", tmp_path / "out", data=tmp_path / "d")
    assert result.returncode == 0, err(result)
    assert files_in(tmp_path / "out") == ["one.png", "three.png", "two.png"]
    assert mask(tmp_path / "out" / "one.png").shape == (72, 96)
    assert re.search(r"segmented 3/3 images with u2netp on cpu \(onnxruntime\) in [0-9.]+ s, [0-9.]+ images/s",
                     err(result)), err(result)


def test_out_folder_is_created_and_long_option_works(tmp_path: Path) -> None:
    photos(tmp_path, ["a.png"])
    result = segment(tmp_path / "a.png", "--out", tmp_path / "new" / "deep", data=tmp_path / "d")
    assert result.returncode == 0, err(result)
    assert files_in(tmp_path / "new" / "deep") == ["a.png"]


def test_cutout_and_no_mask(tmp_path: Path) -> None:
    photos(tmp_path / "in", ["a.jpg"])
    both = segment(tmp_path / "in", "-o", tmp_path / "both", "--cutout", "--edges", "hard", data=tmp_path / "d")
    assert both.returncode == 0, err(both)
    assert files_in(tmp_path / "both") == ["a.png", "a_cutout.png"]
    with Image.open(tmp_path / "both" / "a_cutout.png") as cut:
        assert cut.mode == "RGBA" and cut.size == (96, 72)
    only = segment(tmp_path / "in", "-o", tmp_path / "only", "--no-mask", data=tmp_path / "d")
    assert only.returncode == 0, err(only)
    assert files_in(tmp_path / "only") == ["a_cutout.png"]


def test_refined_cutouts_agree_with_the_model_s_grid(tmp_path: Path) -> None:
    """The soft mask is the model's 320×320 map scaled up, so the refined cutout is told that grid."""
    from u2studio.core.cutout import CutoutSettings, render_cutout
    from u2studio.core.imageio import load_image

    photos(tmp_path / "in", ["a.png"], size=(640, 480))
    result = segment(tmp_path / "in", "-o", tmp_path / "o", "--cutout", data=tmp_path / "d")
    assert result.returncode == 0, err(result)
    rgb, soft = load_image(tmp_path / "in" / "a.png").rgb, mask(tmp_path / "o" / "a.png")
    alpha = load_image(tmp_path / "o" / "a_cutout.png").alpha
    told = render_cutout(rgb, soft, CutoutSettings(mask_grid=(320, 320)))
    assert np.array_equal(alpha, told[..., 3])
    assert not np.array_equal(alpha, render_cutout(rgb, soft)[..., 3])


@pytest.mark.parametrize(("fmt", "mode", "extra"), [("webp", "RGBA", []), ("jpg", "RGB", []),
                                                    ("png", "RGB", ["--bg-color", "#00ff00"])])
def test_cutout_formats_and_background(tmp_path: Path, fmt: str, mode: str, extra: list[str]) -> None:
    photos(tmp_path / "in", ["a.png"])
    result = segment(tmp_path / "in", "-o", tmp_path / "o", "--cutout", "--format", fmt, *extra, data=tmp_path / "d")
    assert result.returncode == 0, err(result)
    with Image.open(tmp_path / "o" / f"a_cutout.{fmt}") as cut:
        assert cut.mode == mode
        pixels = np.asarray(cut.convert("RGB"))
    if extra:  # flattened on green: the corner (background) is green
        assert tuple(pixels[0, 0]) == (0, 255, 0)
    if fmt == "jpg":  # JPEG is flattened on white by default
        assert pixels[0, 0].min() > 235
    assert mask(tmp_path / "o" / "a.png").shape == (72, 96)  # masks stay 8-bit PNG


def test_format_without_cutout_is_a_usage_error(tmp_path: Path) -> None:
    photos(tmp_path, ["a.png"])
    result = segment(tmp_path / "a.png", "-o", tmp_path / "o", "--format", "jpg", data=tmp_path / "d")
    assert result.returncode == 2 and "add --cutout" in err(result)
    assert not (tmp_path / "o").exists()


def test_threshold_writes_binary_masks(tmp_path: Path) -> None:
    photos(tmp_path / "in", ["a.png"])
    soft = segment(tmp_path / "in", "-o", tmp_path / "soft", data=tmp_path / "d")
    hard = segment(tmp_path / "in", "-o", tmp_path / "hard", "--threshold", "0.5", data=tmp_path / "d")
    assert soft.returncode == hard.returncode == 0, err(hard)
    soft_mask, hard_mask = mask(tmp_path / "soft" / "a.png"), mask(tmp_path / "hard" / "a.png")
    assert len(np.unique(soft_mask)) > 2
    assert set(np.unique(hard_mask)) <= {0, 255}
    assert np.array_equal(hard_mask == 255, soft_mask >= 128)
    bad = segment(tmp_path / "in", "-o", tmp_path / "x", "--threshold", "7", data=tmp_path / "d")
    assert bad.returncode == 2 and "within 0..1" in err(bad)


def test_an_existing_output_is_refused_by_name_unless_asked(tmp_path: Path) -> None:
    photos(tmp_path / "in", ["a.png", "b.png"])
    out = tmp_path / "out"
    out.mkdir()
    (out / "b.png").write_bytes(b"keep me")
    refused = segment(tmp_path / "in", "-o", out, data=tmp_path / "d")
    assert refused.returncode == 2
    assert f"{out / 'b.png'} exists already" in err(refused) and "Traceback" not in err(refused)
    assert files_in(out) == ["b.png"] and (out / "b.png").read_bytes() == b"keep me"  # nothing written

    kept = segment(tmp_path / "in", "-o", out, "--skip-existing", data=tmp_path / "d")
    assert kept.returncode == 0, err(kept)
    assert (out / "b.png").read_bytes() == b"keep me" and files_in(out) == ["a.png", "b.png"]
    assert "1 skipped" in err(kept)

    replaced = segment(tmp_path / "in", "-o", out, "--overwrite", data=tmp_path / "d")
    assert replaced.returncode == 0, err(replaced)
    assert mask(out / "b.png").shape == (72, 96)


def test_overwrite_and_skip_existing_exclude_each_other(tmp_path: Path) -> None:
    photos(tmp_path, ["a.png"])
    result = segment(tmp_path / "a.png", "-o", tmp_path / "o", "--overwrite", "--skip-existing", data=tmp_path / "d")
    assert result.returncode == 2 and "not allowed with" in err(result)


def test_stdin_to_stdout_mask_and_cutout(tmp_path: Path) -> None:
    photos(tmp_path, ["a.png"])
    data = (tmp_path / "a.png").read_bytes()
    result = segment("-", "-o", "-", data=tmp_path / "d", stdin=data)
    assert result.returncode == 0, err(result)
    with Image.open(io.BytesIO(result.stdout)) as img:
        assert img.mode == "L" and img.size == (96, 72)
    both = segment("-", "-o", "-", "--cutout", data=tmp_path / "d", stdin=data)
    assert both.returncode == 0, err(both)
    with Image.open(io.BytesIO(both.stdout)) as img:  # both asked: stdout takes the cutout
        assert img.mode == "RGBA" and img.size == (96, 72)


def test_stdin_to_a_folder_and_a_file_to_stdout(tmp_path: Path) -> None:
    photos(tmp_path, ["a.png"])
    into = segment("-", "-o", tmp_path / "o", data=tmp_path / "d", stdin=(tmp_path / "a.png").read_bytes())
    assert into.returncode == 0, err(into)
    assert files_in(tmp_path / "o") == ["stdin.png"]
    out = segment(tmp_path / "a.png", "-o", "-", data=tmp_path / "d")
    assert out.returncode == 0 and out.stdout.startswith(b"\x89PNG"), err(out)
    two = segment(tmp_path / "a.png", tmp_path / "a.png", "-o", "-", data=tmp_path / "d")
    assert two.returncode == 2 and "exactly one input" in err(two)


def test_corrupt_stdin_is_a_clear_failure(tmp_path: Path) -> None:
    result = segment("-", "-o", "-", data=tmp_path / "d", stdin=b"not an image at all")
    assert result.returncode == 1 and result.stdout == b""
    assert "standard input: not an image file" in err(result) and "Traceback" not in err(result)


def test_corrupt_files_are_reported_skipped_and_counted(tmp_path: Path) -> None:
    photos(tmp_path / "in", ["good.png"])
    (tmp_path / "in" / "broken.jpg").write_bytes(b"\xff\xd8\xff garbage")
    result = segment(tmp_path / "in", "-o", tmp_path / "o", data=tmp_path / "d")
    assert result.returncode == 1
    assert "segmented 1/2 images (1 failed)" in err(result)
    assert f"failed: {tmp_path / 'in' / 'broken.jpg'}" in err(result)
    assert files_in(tmp_path / "o") == ["good.png"]


def test_no_images_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = segment(tmp_path / "empty", "-o", tmp_path / "o", data=tmp_path / "d")
    assert result.returncode == 2 and "no images found" in err(result)
