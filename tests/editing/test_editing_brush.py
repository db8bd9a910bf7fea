"""Brush and eraser strokes on a real MaskEditor: shape, opacity per stroke, spacing, pressure, dirty boxes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from u2studio.core.editing import BrushParams, MaskEditor, Rect
from u2studio.core.editing.brush import MAX_SPACING, dab_centres


def paint(editor: MaskEditor, params: BrushParams, points: list[tuple[float, float, float]]) -> None:
    editor.begin_stroke(params)
    for x, y, p in points:
        editor.add_point(x, y, p)
    editor.end_stroke()


def test_hard_dab_is_an_antialiased_disk_of_the_radius() -> None:
    editor = MaskEditor(np.zeros((64, 64), np.uint8))
    paint(editor, BrushParams(radius=10, hardness=1.0), [(32.0, 32.0, 1.0)])
    area = editor.mask.astype(np.float64).sum() / 255.0
    assert area == pytest.approx(math.pi * 10**2, rel=0.03)
    values = np.unique(editor.mask)
    assert values[0] == 0 and values[-1] == 255 and len(values) > 3  # soft rim
    assert editor.mask[32, 32] == 255 and editor.mask[32, 32 + 11] == 0


def test_overlapping_dabs_in_one_stroke_do_not_exceed_the_opacity() -> None:
    editor = MaskEditor(np.zeros((40, 200), np.uint8))
    back_and_forth = [(x, 20.0, 1.0) for x in (20, 180, 20, 180, 20)]
    paint(editor, BrushParams(radius=8, hardness=1.0, opacity=0.5), back_and_forth)
    assert editor.mask.max() == 128  # 255 · 0.5, however often dabs overlap
    paint(editor, BrushParams(radius=8, hardness=1.0, opacity=0.5), back_and_forth)
    assert editor.mask.max() == 192  # a second stroke composites on top: 128 + 127 · 0.5


def test_eraser_with_opacity_keeps_the_rest() -> None:
    editor = MaskEditor(np.full((40, 40), 200, np.uint8))
    paint(editor, BrushParams(radius=6, hardness=1.0, opacity=0.75, mode="erase"), [(20.0, 20.0, 1.0), (21.0, 20.0, 1.0)])
    assert editor.mask.min() == 50  # 200 · (1 − 0.75)
    assert editor.mask[0, 0] == 200


def test_a_fast_stroke_leaves_no_gap_and_dabs_are_close() -> None:
    editor = MaskEditor(np.zeros((50, 1000), np.uint8))
    paint(editor, BrushParams(radius=4, hardness=1.0), [(5.0, 25.0, 1.0), (995.0, 25.0, 1.0)])
    assert (editor.mask[24:26, 5:995] == 255).all()
    params = BrushParams(radius=8)
    dabs, _ = dab_centres((0.0, 0.0, 1.0), (300.0, 400.0, 1.0), params, 0.0)
    gaps = np.hypot(*np.diff(np.array(dabs)[:, :2], axis=0).T)
    assert gaps.max() <= MAX_SPACING * 8 + 1e-9


def test_pressure_scales_size_or_opacity() -> None:
    light, full = MaskEditor(np.zeros((60, 60), np.uint8)), MaskEditor(np.zeros((60, 60), np.uint8))
    paint(light, BrushParams(radius=10, hardness=1.0), [(30.0, 30.0, 0.3)])
    paint(full, BrushParams(radius=10, hardness=1.0), [(30.0, 30.0, 1.0)])
    assert np.count_nonzero(light.mask) < 0.2 * np.count_nonzero(full.mask)
    faint = MaskEditor(np.zeros((60, 60), np.uint8))
    paint(faint, BrushParams(radius=10, hardness=1.0, pressure_size=False, pressure_opacity=True), [(30.0, 30.0, 0.5)])
    assert faint.mask.max() == 128 and np.count_nonzero(faint.mask) == np.count_nonzero(full.mask)


def test_every_change_lies_inside_the_reported_dirty_box() -> None:
    rng = np.random.default_rng(1)
    editor = MaskEditor(np.zeros((120, 160), np.uint8))
    seen: list[Rect] = []
    editor.add_listener(seen.append)
    editor.begin_stroke(BrushParams(radius=7, hardness=0.3, opacity=0.9))
    for _ in range(15):
        before = editor.mask.copy()
        rect = editor.add_point(*rng.uniform(-10, 170, 2), rng.uniform(0.2, 1.0))
        changed = before != editor.mask
        if rect is None:
            assert not changed.any()
            continue
        outside = changed.copy()
        outside[rect.slices] = False
        assert not outside.any() and rect == seen[-1]
    record = editor.end_stroke()
    assert record is not None and seen[-1] == record.rect


def test_snapshot_leaves_out_the_stroke_in_progress_and_cancel_restores() -> None:
    start = np.zeros((50, 50), np.uint8)
    editor = MaskEditor(start)
    editor.begin_stroke(BrushParams(radius=5))
    editor.add_point(25.0, 25.0)
    assert editor.mask.any()
    snap, revision = editor.snapshot()
    assert not snap.any() and revision == 0
    editor.cancel_stroke()
    assert not editor.mask.any() and not editor.history.can_undo


def test_wrong_use_fails_loudly() -> None:
    editor = MaskEditor(np.zeros((10, 10), np.uint8))
    with pytest.raises(RuntimeError, match="begin_stroke"):
        editor.add_point(1.0, 1.0)
    editor.begin_stroke(BrushParams())
    with pytest.raises(RuntimeError, match="already in progress"):
        editor.begin_stroke(BrushParams())
    with pytest.raises(RuntimeError, match="during a stroke"):
        editor.invert()
    with pytest.raises(ValueError, match="not finite"):
        editor.add_point(float("nan"), 1.0)
    with pytest.raises(ValueError, match="radius"):
        BrushParams(radius=0.1)
    with pytest.raises(ValueError, match="opacity"):
        BrushParams(opacity=0.0)
    with pytest.raises(ValueError):
        BrushParams(mode="smudge")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="uint8"):
        MaskEditor(np.zeros((10, 10), np.float32))
