"""The cutout stage on small synthetic scenes whose alpha is known exactly."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageCms

from u2studio.core.cutout import CutoutSettings, encode_cutout, flatten, parse_bg_color, preview, render_cutout
from u2studio.core.imageio import load_image_info
from u2studio.core.synthetic import backdrop, composite, hair_scene


def low_res(alpha: np.ndarray, factor: int) -> np.ndarray:
    """What a model sees: the true alpha at 1/factor resolution, scaled back up."""
    h, w = alpha.shape
    small = cv2.resize(alpha, (w // factor, h // factor), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def disc_scene(size: int = 160, fg=(230, 200, 60), bg=(20, 200, 40)) -> tuple[np.ndarray, np.ndarray]:
    """A yellow disc with a feathered edge over a green background: (RGB uint8, true alpha)."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    d = np.hypot(xx - size / 2, yy - size / 2)
    alpha = np.clip((size * 0.3 - d) / 3.0 + 0.5, 0, 1).astype(np.float32)
    fg_img = np.broadcast_to(np.array(fg, np.float32), (size, size, 3))
    return composite(fg_img, alpha, np.broadcast_to(np.array(bg, np.uint8), (size, size, 3))), alpha


def sad(rgba: np.ndarray, alpha: np.ndarray) -> float:
    return float(np.abs(rgba[..., 3] / 255.0 - alpha).sum())


def test_hard_cutout_has_two_alpha_values_and_photo_colours() -> None:
    image, alpha = disc_scene()
    out = render_cutout(image, low_res(alpha, 4), CutoutSettings(edges="hard"))
    assert set(np.unique(out[..., 3])) == {0, 255}
    assert np.array_equal(out[..., :3], image)


def test_feather_softens_the_hard_edge_by_its_radius() -> None:
    image, alpha = disc_scene()
    narrow = render_cutout(image, alpha, CutoutSettings(edges="feather", feather_radius=1.0, decontaminate=False))
    wide = render_cutout(image, alpha, CutoutSettings(edges="feather", feather_radius=4.0, decontaminate=False))
    partial = lambda a: int(((a > 0) & (a < 255)).sum())  # noqa: E731
    assert partial(wide[..., 3]) > 2 * partial(narrow[..., 3]) > 0


def test_refined_feathered_disc_beats_the_low_res_mask() -> None:
    image, alpha = disc_scene()
    mask = low_res(alpha, 8)
    out = render_cutout(image, mask)
    assert sad(out, alpha) < 0.5 * float(np.abs(mask - alpha).sum())
    assert out[80, 80, 3] == 255 and out[2, 2, 3] == 0  # confident interior and exterior


def test_refined_recovers_thin_strands_the_mask_cannot_see() -> None:
    image, alpha, _fg = hair_scene(480, 320)
    mask = low_res(alpha, 12)
    out = render_cutout(image, mask)
    hard = render_cutout(image, mask, CutoutSettings(edges="hard"))
    assert sad(out, alpha) < 0.75 * min(sad(hard, alpha), float(np.abs(mask - alpha).sum()))
    strands = (alpha > 0.3) & (alpha < 0.95) & (mask < 0.5)
    assert strands.sum() > 100 and (out[..., 3][strands] > 40).mean() > 0.5


def test_background_colour_does_not_survive_decontamination() -> None:
    image, alpha = disc_scene(fg=(230, 200, 60), bg=(20, 200, 40))
    mask = low_res(alpha, 4)
    kept = render_cutout(image, mask, CutoutSettings(decontaminate=False))
    clean = render_cutout(image, mask)
    edge = (clean[..., 3] > 20) & (clean[..., 3] < 235)
    assert edge.sum() > 50
    # green-ness (G minus the mean of R and B... the foreground has G = 200 too, so compare to pure yellow)
    error = lambda rgba: np.abs(rgba[..., :3][edge].astype(float) - (230, 200, 60)).mean()  # noqa: E731
    assert error(clean) < 12 < error(kept)
    half = render_cutout(image, mask, CutoutSettings(decontaminate_amount=0.5))
    assert error(clean) < error(half) < error(kept)


def test_feather_decontamination_pulls_edge_colours_to_the_interior() -> None:
    image, alpha = disc_scene()
    plain = render_cutout(image, alpha, CutoutSettings(edges="feather", feather_radius=3, decontaminate=False))
    clean = render_cutout(image, alpha, CutoutSettings(edges="feather", feather_radius=3))
    edge = (clean[..., 3] > 10) & (clean[..., 3] < 245)
    green = lambda rgba: (rgba[..., 1].astype(float) - rgba[..., 0])[edge].mean()  # noqa: E731
    assert green(clean) < green(plain) - 20


@pytest.mark.parametrize("edges", ["hard", "feather", "refined"])
def test_locked_pixels_never_move(edges: str) -> None:
    image, alpha = disc_scene()
    mask = (low_res(alpha, 8) * 255).astype(np.uint8)
    locked = np.zeros(mask.shape, bool)
    locked[70:90, 20:140] = True  # a stripe across the edge the user painted by hand
    mask[locked] = 255
    out = render_cutout(image, mask, CutoutSettings(edges=edges), locked=locked)  # type: ignore[arg-type]
    assert (out[..., 3][locked] == 255).all()
    assert np.array_equal(out[..., :3][locked], image[locked])
    unlocked = render_cutout(image, mask, CutoutSettings(edges=edges))  # type: ignore[arg-type]
    assert edges == "hard" or not np.array_equal(unlocked[..., 3][locked], out[..., 3][locked])


def test_bad_inputs_raise_clear_errors() -> None:
    image, alpha = disc_scene()
    with pytest.raises(ValueError, match="differ in size"):
        render_cutout(image, alpha[:-1])
    with pytest.raises(ValueError, match="edges must be"):
        CutoutSettings(edges="blurry")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="0..1"):
        CutoutSettings(decontaminate_amount=2)


def test_parse_bg_color() -> None:
    assert parse_bg_color("#FF8000") == (255, 128, 0)
    assert parse_bg_color("ff8000") == (255, 128, 0)
    assert parse_bg_color(" 1, 2 ,3 ") == (1, 2, 3)
    for bad in ("red", "1,2", "1,2,300", "#12345", "-1,0,0"):
        with pytest.raises(ValueError, match="R,G,B"):
            parse_bg_color(bad)


def test_flatten_and_preview() -> None:
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[..., :3] = (200, 100, 0)
    rgba[:2, :, 3] = 255
    rgba[2:, :, 3] = 128
    flat = flatten(rgba, (0, 0, 255))
    assert tuple(flat[0, 0]) == (200, 100, 0) and tuple(flat[3, 0]) == (100, 50, 127)
    assert np.array_equal(preview(rgba, "black"), flatten(rgba, (0, 0, 0)))
    assert preview(rgba, "checkerboard", scale=0.5).shape == (2, 2, 3)
    # premultiplied scaling: a half-transparent red row next to transparent pixels keeps its red
    edge = np.zeros((2, 2, 4), np.uint8)
    edge[0, 0] = (255, 0, 0, 255)
    assert tuple(preview(edge, "white", scale=0.5)[0, 0]) == (255, 191, 191)


def test_encode_formats_and_icc_profile_carried() -> None:
    image, alpha = disc_scene(64)
    rgba = render_cutout(image, alpha)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    for fmt, mode in (("png", "RGBA"), ("webp", "RGBA"), ("jpg", "RGB")):
        with Image.open(io.BytesIO(encode_cutout(rgba, fmt, None, icc))) as img:  # type: ignore[arg-type]
            assert img.mode == mode and img.info.get("icc_profile") == icc
    with Image.open(io.BytesIO(encode_cutout(rgba, "png", None))) as img:
        assert np.array_equal(np.asarray(img), rgba)
    with Image.open(io.BytesIO(encode_cutout(rgba, "png", (0, 0, 0)))) as img:
        assert img.mode == "RGB"
    with Image.open(io.BytesIO(encode_cutout(rgba, "jpg", None))) as img:
        assert np.asarray(img)[0, 0].min() > 240  # jpg flattens on white by default


def test_load_image_info_carries_rgb_profiles_and_converts_cmyk(tmp_path) -> None:
    rgb = backdrop(64, 48)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.fromarray(rgb).save(tmp_path / "tagged.png", icc_profile=icc)
    info = load_image_info(tmp_path / "tagged.png")
    assert info.icc_profile == icc and info.converted_from is None and np.array_equal(info.rgb, rgb)
    Image.fromarray(rgb).save(tmp_path / "plain.png")
    assert load_image_info(tmp_path / "plain.png").icc_profile is None


CMYK_PROFILE = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")


@pytest.mark.skipif(not CMYK_PROFILE.is_file(), reason="needs a CMYK ICC profile (ghostscript's) on this system")
def test_cmyk_goes_through_its_embedded_profile_to_tagged_srgb(tmp_path) -> None:
    rgb = backdrop(64, 48)
    rgb[:16] = (250, 30, 30)  # a saturated red, where profile and naive conversions differ most
    icc = CMYK_PROFILE.read_bytes()
    cmyk = Image.fromarray(rgb).convert("CMYK")
    cmyk.save(tmp_path / "print.jpg", icc_profile=icc, quality=100)
    info = load_image_info(tmp_path / "print.jpg")
    with Image.open(tmp_path / "print.jpg") as img:
        naive = np.asarray(img.convert("RGB"))
        managed = np.asarray(ImageCms.profileToProfile(img, ImageCms.ImageCmsProfile(io.BytesIO(icc)),
                                                       ImageCms.createProfile("sRGB"), outputMode="RGB"))
    assert info.converted_from == "CMYK"
    assert np.abs(info.rgb.astype(int) - managed).max() <= 1
    assert np.abs(info.rgb.astype(int) - naive).mean() > 5
    description = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(info.icc_profile)))
    assert "sRGB" in description


def test_pymatting_is_benchmark_only() -> None:
    """docs/cutout.md promises the app never needs pymatting: no module of the package imports it."""
    package = Path(__file__).resolve().parents[1] / "u2studio"
    users = [p for p in package.rglob("*.py") if "pymatting" in p.read_text(encoding="utf-8")]
    assert users == []


def test_low_confidence_haze_far_from_the_edge_is_dropped() -> None:
    image, alpha = disc_scene()
    mask = low_res(alpha, 4)
    mask[:30, :30] = 0.3  # a faint smudge in the background, far from the subject
    mask[130:, 130:] = 0.45
    out = render_cutout(image, mask)
    assert (out[:30, :30, 3] == 0).all() and (out[130:, 130:, 3] == 0).all()
    naive = (mask * 255).astype(np.uint8)
    assert (naive[:30, :30] > 0).all()  # the naive cutout would keep it


def test_mask_grid_makes_the_band_agree_with_a_quarter_resolution_mask() -> None:
    """A ÷4 mask (as a model's 320-px map scaled up): told its grid, the band's alpha error is well below naive."""
    size = 192
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    d = np.hypot(xx - size / 2, (yy - size / 2) * 1.3)
    alpha = cv2.GaussianBlur((d < size * 0.3).astype(np.float32), (0, 0), 1.5)  # a soft, curved true edge
    fg = np.broadcast_to(np.array((230, 170, 60), np.float32), (size, size, 3))
    image = composite(fg, alpha, backdrop(size, size))
    grid = (size // 4, size // 4)
    mask = low_res(alpha, 4)
    band = cv2.dilate(((alpha > 0.01) & (alpha < 0.99)).astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    error = lambda a: float(np.abs(a - alpha)[band].mean())  # noqa: E731
    told = render_cutout(image, mask, CutoutSettings(mask_grid=grid))[..., 3] / 255.0
    unknown = render_cutout(image, mask)[..., 3] / 255.0
    assert error(told) < 0.6 * error(mask)
    assert error(told) < 0.8 * error(unknown)
    locked = np.zeros(mask.shape, bool)
    locked[90:100, 20:170] = True
    painted = render_cutout(image, mask, CutoutSettings(mask_grid=grid), locked=locked)
    assert np.array_equal(painted[..., 3][locked], (mask[locked] * 255 + 0.5).astype(np.uint8))
    with pytest.raises(ValueError, match="mask_grid"):
        CutoutSettings(mask_grid=(0, 10))


def test_matting_on_a_scaled_copy_follows_the_full_resolution_strands() -> None:
    """Above its size cap the alternation runs on a scaled copy; evaluated at full resolution it still finds strands."""
    from u2studio.core.cutout.consistency import matte_band

    image, alpha, _fg = hair_scene(480, 320)
    grid = (120, 80)
    mask = low_res(alpha, 4)
    mask8 = (mask * 255 + 0.5).astype(np.uint8)
    unsure = cv2.dilate(((mask > 0.02) & (mask < 0.98)).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    moving = np.flatnonzero(unsure)
    errors = {}
    for cap in (480 * 320, 480 * 320 // 3):  # full resolution, and a copy scaled by about 1.7
        plane = mask.astype(np.float32).copy()
        matte_band(image, plane, mask8, grid, moving, matte_pixels=cap)
        assert np.array_equal(plane[~unsure], mask[~unsure].astype(np.float32))  # only the band moves
        errors[cap] = float(np.abs(plane - alpha)[unsure].mean())
    baseline = float(np.abs(mask - alpha)[unsure].mean())
    assert max(errors.values()) < 0.7 * baseline, (errors, baseline)


def test_matte_band_given_the_solve_s_pixels_matches_building_them_itself() -> None:
    """The refined path hands matte_band the band's rows, columns, colours and a 0/255 band map it already has
    (so nothing is rebuilt at full resolution); the result must be exactly what matte_band builds on its own."""
    from u2studio.core.cutout.consistency import Known, matte_band

    image, alpha, _fg = hair_scene(480, 320)
    grid = (120, 80)
    mask8 = (low_res(alpha, 4) * 255 + 0.5).astype(np.uint8)
    unsure = cv2.dilate(((mask8 > 5) & (mask8 < 250)).astype(np.uint8), np.ones((5, 5), np.uint8))
    moving = np.flatnonzero(unsure)
    start = np.where(mask8 >= 128, 1.0, 0.0).astype(np.float32)
    start.reshape(-1)[moving] = mask8.reshape(-1)[moving] / 255.0
    own, given = start.copy(), start.copy()
    matte_band(image, own, mask8, grid, moving, matte_pixels=480 * 320 // 3)
    known = Known.of(image, moving, 480)
    known = Known(known.ys, known.xs, known.colour, marks=unsure * np.uint8(255))
    matte_band(image, given, mask8, grid, moving, matte_pixels=480 * 320 // 3, known=known)
    assert not np.array_equal(own, start)  # it did move the band
    assert np.array_equal(own, given)


@pytest.mark.parametrize("grid", [None, (150, 275)])
def test_threads_change_nothing_but_the_time(grid) -> None:
    """Strips, colour fields and the matting filter's row pieces run side by side; the cutout is bit-identical."""
    image, alpha, _fg = hair_scene(600, 1100)  # three strips of rows, and a scaled matting copy with the grid
    mask = low_res(alpha, 4)
    locked = np.zeros(mask.shape, bool)
    locked[500:540, 100:500] = True
    settings = CutoutSettings(mask_grid=grid)
    one = render_cutout(image, mask, settings, locked=locked, threads=1)
    for threads in (2, 3):
        assert np.array_equal(one, render_cutout(image, mask, settings, locked=locked, threads=threads))


def test_split_guided_filter_equals_the_whole_region_filter() -> None:
    """The matting filter cut into row pieces (each with a margin) stitches back into the whole region's filter."""
    from u2studio.core.cutout.consistency import LINE_EPS, LINE_RADIUS, SplitGuide
    from u2studio.core.cutout.fields import guide_stats, guided_with
    from u2studio.core.cutout.parallel import Runner

    image, alpha, _fg = hair_scene(300, 200)
    src = low_res(alpha, 4).astype(np.float32)
    guide = image.astype(np.float32) * np.float32(1.0 / 255.0)  # the conversion SplitGuide makes
    whole = guided_with(guide_stats(guide, LINE_RADIUS, LINE_EPS), src)
    with Runner(2) as run:
        for pieces in (1, 2, 5):
            assert np.array_equal(SplitGuide(image, run, pieces).coefficients(src), whole)
