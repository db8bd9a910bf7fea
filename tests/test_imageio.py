"""The one decode path: odd modes and formats, orientation, corrupt files, the bomb limit, atomic writes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from odd_images import write_corrupt_images, write_odd_images
from u2studio.core.atomic import WriteError, atomic_write_bytes
from u2studio.core.imageio import ImageLoadError, load_image, load_mask, make_cutout, save_png


def test_every_odd_kind_decodes_to_upright_rgb(tmp_path: Path) -> None:
    for name, (path, (height, width)) in write_odd_images(tmp_path).items():
        loaded = load_image(path)
        assert loaded.rgb.dtype == np.uint8, name
        assert loaded.rgb.shape == (height, width, 3), name
        assert loaded.rgb.std() > 5, f"{name} decoded flat"


def test_sixteen_bit_keeps_the_picture(tmp_path: Path) -> None:
    files = write_odd_images(tmp_path)
    reference = load_image(files["plain.png"][0]).rgb.astype(int)
    for name in ("rgb16.tiff",):
        assert np.abs(load_image(files[name][0]).rgb.astype(int) - reference).max() <= 1
    gray = load_image(files["gray16.png"][0]).rgb
    assert np.abs(gray[..., 0].astype(int) - load_image(files["gray.png"][0]).rgb[..., 0].astype(int)).max() <= 1


def test_alpha_is_kept_separately(tmp_path: Path) -> None:
    loaded = load_image(write_odd_images(tmp_path)["alpha.png"][0])
    assert loaded.alpha is not None and loaded.alpha.shape == loaded.rgb.shape[:2]


def test_exif_rotation_is_applied(tmp_path: Path) -> None:
    files = write_odd_images(tmp_path)
    upright = load_image(files["plain.png"][0]).rgb
    rotated = load_image(files["rotated.jpg"][0]).rgb
    # orientation 6 means "rotate 90° clockwise to display"
    expected = np.rot90(upright, k=-1)
    assert rotated.shape == expected.shape
    assert np.abs(rotated.astype(int) - expected.astype(int)).mean() < 6


@pytest.mark.parametrize("index", [0, 1, 2])
def test_corrupt_files_raise_a_clear_error_naming_the_file(tmp_path: Path, index: int) -> None:
    path = write_corrupt_images(tmp_path)[index]
    with pytest.raises(ImageLoadError) as info:
        load_image(path)
    assert str(path) in str(info.value)


def test_decompression_bomb_is_refused_with_a_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.png"
    Image.new("L", (2000, 1500)).save(path)
    monkeypatch.setenv("U2STUDIO_MAX_PIXELS", "1000000")
    with pytest.raises(ImageLoadError, match="decompression bombs"):
        load_image(path)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ImageLoadError, match="file not found"):
        load_image(tmp_path / "nope.png")


def test_masks_and_cutouts_round_trip(tmp_path: Path) -> None:
    mask = (np.arange(60 * 80).reshape(60, 80) % 256).astype(np.uint8)
    save_png(tmp_path / "m.png", mask)
    assert np.array_equal(load_mask(tmp_path / "m.png"), mask)
    rgb = np.full((60, 80, 3), 200, np.uint8)
    cut = make_cutout(rgb, mask)
    save_png(tmp_path / "c.png", cut)
    back = np.asarray(Image.open(tmp_path / "c.png"))
    assert back.shape == (60, 80, 4) and np.array_equal(back[..., 3], mask)


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "keep.bin"
    atomic_write_bytes(target, b"old")

    def explode(handle) -> None:  # type: ignore[no-untyped-def]
        handle.write(b"partial")
        raise OSError(28, "No space left on device")

    from u2studio.core.atomic import atomic_write

    with pytest.raises(WriteError, match="No space left"):
        atomic_write(target, explode)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.bin"]


def test_jpeg_pixels_and_every_orientation_match_pillow(tmp_path: Path) -> None:
    """RGB JPEGs take OpenCV's decoder (fewer copies of a big photo): the pixels must be Pillow's, upright."""
    from PIL import ImageOps

    from u2studio.core.synthetic import scene

    rgb = scene(67, 41, seed=5)[0]  # odd sizes: a wrong turn changes the shape or the pixels
    for orientation in range(1, 9):
        for progressive in (False, True):
            path = tmp_path / f"o{orientation}{'p' if progressive else ''}.jpg"
            exif = Image.Exif()
            exif[0x0112] = orientation
            Image.fromarray(rgb).save(path, quality=90, exif=exif, progressive=progressive, subsampling=2)
            with Image.open(path) as img:
                expected = np.asarray(ImageOps.exif_transpose(img).convert("RGB"))
            got = load_image(path).rgb
            assert got.shape == expected.shape and np.array_equal(got, expected), (orientation, progressive)
