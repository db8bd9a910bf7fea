"""Lasso, flood fill, morphology, invert/clear/reset and edge refinement on generated scenes."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from u2studio.core.boundary import disk
from u2studio.core.editing import MaskEditor, Rect, RefineError
from u2studio.core.editing.refine import guided_filter
from u2studio.core.synthetic import scene

SQUARE = np.array([[10.0, 10.0], [50.0, 10.0], [50.0, 50.0], [10.0, 50.0]])


def iou(mask: np.ndarray, truth: np.ndarray) -> float:
    a, b = mask >= 128, truth >= 128
    return float((a & b).sum() / (a | b).sum())


def test_lasso_fills_and_cuts_the_polygon() -> None:
    editor = MaskEditor(np.zeros((64, 64), np.uint8))
    editor.fill_polygon(SQUARE, antialias=False)
    assert set(np.unique(editor.mask)) == {0, 255}
    # OpenCV fills the closed polygon, edge pixels included: at most one extra row and column
    assert 40 * 40 <= np.count_nonzero(editor.mask) <= 41 * 41
    assert editor.mask[10, 10] == 255 and editor.mask[51, 51] == 0 and editor.mask[9, 30] == 0
    editor.fill_polygon(SQUARE + 20, erase=True, antialias=False)
    assert editor.mask[35, 35] == 0 and editor.mask[25, 25] == 255
    soft = MaskEditor(np.zeros((64, 64), np.uint8))
    soft.fill_polygon(np.array([[10.3, 10.0], [50.0, 14.0], [30.0, 50.7]]))
    assert len(np.unique(soft.mask)) > 10
    with pytest.raises(ValueError, match="3 points"):
        soft.fill_polygon(SQUARE[:2])


def test_flood_fill_on_the_image_takes_the_cube_only() -> None:
    image, truth = scene(320, 240)
    cube = np.zeros_like(truth)
    cv2.fillPoly(cube, [np.array([[218, 108], [269, 101], [275, 173], [224, 182]], np.int32)], 255)
    editor = MaskEditor(np.zeros_like(truth), image=image)
    editor.flood_fill(245.0, 140.0, tolerance=25, connectivity=8)
    filled = editor.mask > 0
    assert (filled & (truth == 0)).sum() < 0.01 * filled.sum()
    assert iou(editor.mask, cube) > 0.9
    region = Rect(240, 100, 300, 200)
    limited = MaskEditor(np.zeros_like(truth), image=image)
    limited.flood_fill(245.0, 140.0, tolerance=25, region=region)
    outside = limited.mask.copy()
    outside[region.slices] = 0
    assert limited.mask.any() and not outside.any()
    with pytest.raises(ValueError, match="outside the fill region"):
        limited.flood_fill(5.0, 5.0, region=region)
    with pytest.raises(ValueError, match="needs the image"):
        MaskEditor(truth).flood_fill(5.0, 5.0)


def test_flood_fill_on_the_mask_fills_a_hole() -> None:
    mask = np.zeros((40, 40), np.uint8)
    cv2.circle(mask, (20, 20), 15, 255, -1)
    cv2.circle(mask, (20, 20), 5, 0, -1)
    editor = MaskEditor(mask)
    editor.flood_fill(20.5, 20.5, source="mask", tolerance=0)
    assert editor.mask[20, 20] == 255 and editor.mask[0, 0] == 0
    assert np.count_nonzero(editor.mask) == np.count_nonzero(cv2.circle(np.zeros_like(mask), (20, 20), 15, 255, -1))


def test_grow_shrink_and_smooth() -> None:
    _, truth = scene(200, 150)
    editor = MaskEditor(truth)
    editor.grow(3)
    assert np.array_equal(editor.mask, cv2.dilate(truth, disk(3), borderType=cv2.BORDER_REPLICATE))
    editor.shrink(6)
    assert np.count_nonzero(editor.mask) < np.count_nonzero(truth)
    editor.reset_to_prediction()
    assert np.array_equal(editor.mask, truth)
    region = Rect(0, 0, 100, 150)
    editor.grow(4, region)
    full = cv2.dilate(truth, disk(4), borderType=cv2.BORDER_REPLICATE)
    assert np.array_equal(editor.mask[:, :100], full[:, :100])
    assert np.array_equal(editor.mask[:, 100:], truth[:, 100:])
    noisy = truth.copy()
    noisy[5:7, 5:7] = 255  # a speck
    noisy[75:77, 80:82] = 0  # a pinhole inside the ball
    smoothed = MaskEditor(noisy)
    smoothed.smooth(2)
    assert smoothed.mask[5, 5] == 0 and smoothed.mask[75, 80] == 255
    with pytest.raises(ValueError, match="whole number"):
        editor.grow(0)


def test_invert_clear_and_reset_in_a_region() -> None:
    _, truth = scene(120, 90)
    editor = MaskEditor(truth)
    editor.invert()
    assert np.array_equal(editor.mask, 255 - truth)
    editor.clear(Rect(0, 0, 60, 90))
    assert not editor.mask[:, :60].any() and np.array_equal(editor.mask[:, 60:], 255 - truth[:, 60:])
    editor.reset_to_prediction(Rect(0, 0, 60, 90))
    assert np.array_equal(editor.mask[:, :60], truth[:, :60])
    with pytest.raises(ValueError, match="outside"):
        editor.clear(Rect(500, 500, 600, 600))


def test_refine_snaps_a_sloppy_mask_to_the_object() -> None:
    image, truth = scene(320, 240, seed=5)
    sloppy = cv2.dilate(truth, disk(6))
    sloppy[:, 120:140] = cv2.erode(truth, disk(5))[:, 120:140]  # too tight here, too loose elsewhere
    editor = MaskEditor(sloppy, image=image)
    edge = cv2.morphologyEx(sloppy, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    band = cv2.dilate(edge, disk(10)) > 0
    record = editor.refine(band)
    assert record is not None
    outside = ~band
    assert np.array_equal(editor.mask[outside], sloppy[outside])
    assert iou(sloppy, truth) < 0.85 and iou(editor.mask, truth) > 0.97
    assert len(np.unique(editor.mask[band])) > 10  # soft alpha from the guided filter
    editor.undo()
    assert np.array_equal(editor.mask, sloppy)


def test_refine_along_a_stroke_and_its_errors() -> None:
    image, truth = scene(320, 240, seed=5)
    sloppy = cv2.dilate(truth, disk(6))
    editor = MaskEditor(sloppy, image=image)
    ys = np.linspace(90, 175, 12)
    ball_left = 320 * 0.42 - np.sqrt(np.clip((240 * 0.26) ** 2 - (ys - 240 * 0.55) ** 2, 0, None))
    before = iou(sloppy[:, :134], truth[:, :134])
    editor.refine_along(np.stack([ball_left, ys], 1), width=24)
    assert iou(editor.mask[:, :134], truth[:, :134]) > before
    with pytest.raises(RefineError, match="both foreground and background"):
        editor.refine(np.ones_like(truth, bool))
    with pytest.raises(ValueError, match="needs the image"):
        MaskEditor(truth).refine(np.ones_like(truth, bool))


def test_guided_filter_keeps_constants_and_follows_edges() -> None:
    guide = np.zeros((40, 40), np.float32)
    guide[:, 20:] = 1.0
    flat = np.full_like(guide, 0.3)
    assert np.allclose(guided_filter(guide, flat, 4, 1e-3), 0.3, atol=1e-5)
    noisy_step = guide + np.random.default_rng(0).normal(0, 0.05, guide.shape).astype(np.float32)
    out = guided_filter(guide, noisy_step, 4, 1e-3)
    assert np.abs(out - guide).mean() < np.abs(noisy_step - guide).mean() / 2
    assert out[:, 18].max() < 0.2 and out[:, 21].min() > 0.8  # the edge stays sharp


def test_a_prediction_given_as_a_function_is_made_only_when_reset_needs_it() -> None:
    _, truth = scene(120, 90)
    calls: list[int] = []

    def base() -> np.ndarray:
        calls.append(1)
        return truth

    editor = MaskEditor(np.zeros_like(truth), prediction=base)
    editor.invert()
    assert not calls  # not at creation, not for other tools
    editor.reset_to_prediction()
    assert calls == [1] and np.array_equal(editor.mask, truth)


def test_refining_on_crops_equals_refining_the_whole_picture() -> None:
    from u2studio.core.editing.refine import band_from_polyline, polyline_crop, refine_band, refine_polyline_crop

    image, truth = scene(320, 240, seed=5)
    sloppy = cv2.dilate(truth, disk(6))
    ys, xs = np.nonzero(truth)
    rows = list(range(int(ys.min()) + 10, int(ys.max()) - 10, 8))
    points = np.array([(float(xs[ys == r].min()), float(r)) for r in rows if (ys == r).any()])
    whole = refine_band(image, sloppy, band_from_polyline(sloppy.shape, points, 24.0))
    box = polyline_crop(sloppy.shape, points, 24.0)
    assert box.area < sloppy.size / 2  # a crop, not the picture
    cropped = refine_polyline_crop(image[box.slices], sloppy[box.slices].copy(), (box.x0, box.y0), points, 24.0)
    assert whole is not None and cropped is not None
    assert cropped[0] == whole[0] and np.array_equal(cropped[1], whole[1])  # same box, same values
    editor = MaskEditor(sloppy)
    record = editor.apply_change(cropped, "Refine edge")
    assert record is not None and np.array_equal(editor.mask[whole[0].slices], whole[1])
