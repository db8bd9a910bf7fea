"""A brush dab costs what it touches: the first edit of an image keeps the shown mask array and rebuilds no
full-size overlay picture, only the dab's region (real window, real model, real mouse events)."""

from __future__ import annotations

import pytest

from tests.gui.edit_helpers import drag

pytestmark = pytest.mark.gui


def test_the_first_stroke_repaints_only_its_region(window, qtbot, scene_files, monkeypatch) -> None:  # noqa: ANN001
    from u2studio.core import overlays

    c = window.controller
    window.open_paths([str(scene_files[0])])
    with qtbot.waitSignal(c.client.result, timeout=60_000):
        c.run_current()
    doc = c.doc
    shown = doc.mask
    shapes: list[tuple[int, ...]] = []
    original = overlays.tint_rgba

    def recording(mask, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        shapes.append(mask.shape)
        return original(mask, *args, **kwargs)

    monkeypatch.setattr(overlays, "tint_rgba", recording)
    window.editing.edits.set_settings(size=10.0)
    drag(window.canvas, [(30, 30), (60, 40)])
    assert doc.mask is shown  # the editor adopted the array the canvas shows
    assert doc.has_edits and shapes  # painted, through region patches
    assert all(shape != doc.mask.shape for shape in shapes)  # and never a full-size rebuild of the tint
