"""The incremental relaxed-zone overlay equals a full recomputation after every edit, borders included."""

from __future__ import annotations

import numpy as np
import pytest

from u2studio.core.boundary import relaxed_f, relaxed_zone_overlay
from u2studio.core.editing import BrushParams, MaskEditor, Rect, RelaxedOverlay
from u2studio.core.synthetic import scene


@pytest.mark.parametrize("rho", [0, 3])
def test_incremental_overlay_matches_full_recomputation(rho: int) -> None:
    image, truth = scene(200, 150, seed=2)
    editor = MaskEditor(truth, image=image)
    overlay = RelaxedOverlay(editor.mask, truth, rho)
    editor.add_listener(lambda rect: overlay.update(editor.mask, rect))
    rng = np.random.default_rng(4)
    for i in range(12):
        editor.begin_stroke(BrushParams(radius=float(rng.uniform(2, 9)), mode="erase" if i % 2 else "add"))
        for _ in range(4):
            # strokes run off the edges too: the crop meets the image border there
            editor.add_point(*rng.uniform(-8, [208, 158]))
        editor.end_stroke()
        assert np.array_equal(overlay.rgba, relaxed_zone_overlay(editor.mask, truth, rho))
        assert overlay.scores() == pytest.approx(relaxed_f(editor.mask, truth, rho), abs=1e-12)
    editor.grow(2, Rect(0, 0, 50, 50))
    editor.undo()
    editor.invert()
    assert np.array_equal(overlay.rgba, relaxed_zone_overlay(editor.mask, truth, rho))
    assert overlay.scores() == pytest.approx(relaxed_f(editor.mask, truth, rho), abs=1e-12)


def test_update_reports_the_box_grown_by_rho_plus_one() -> None:
    _, truth = scene(100, 80)
    overlay = RelaxedOverlay(truth.copy(), truth, rho=3)
    assert overlay.update(truth, Rect(40, 30, 45, 35)) == Rect(36, 26, 49, 39)
    assert overlay.update(truth, Rect(0, 0, 2, 2)) == Rect(0, 0, 6, 6)
    with pytest.raises(ValueError, match="differ in size"):
        RelaxedOverlay(truth, truth[:10])
