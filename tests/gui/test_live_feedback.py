"""Live feedback while correcting a real prediction: the relaxed zone is updated per region and equals a full recomputation."""

from __future__ import annotations

import numpy as np
import pytest

from tests.gui.edit_helpers import drag

pytestmark = pytest.mark.gui


def _predicted(window, scene_files, qtbot):  # noqa: ANN001, ANN202
    """The scene opened and run through the real model; returns the controller."""
    image, _, _ = scene_files
    window.open_paths([str(image)])
    c = window.controller
    with qtbot.waitSignal(c.client.idle, timeout=90_000):
        c.run_current()
    return c


def test_brush_edits_update_relaxed_zone_and_metrics_against_the_prediction(window, scene_files, qtbot) -> None:  # noqa: ANN001
    from u2studio.core import overlays
    from u2studio.core.mask_metrics import compare
    from u2studio.gui.canvas.layer_item import LayerItem
    from u2studio.gui.common.qimage import rgba_to_qimage

    c = _predicted(window, scene_files, qtbot)
    window.actions_["relaxed"].setChecked(True)
    doc = c.doc
    assert doc.prediction is not None
    shown: list[object] = []
    c.metrics_changed.connect(shown.append)
    window.editing.edits.set_settings(size=24.0)
    drag(window.canvas, [(20, 200), (300, 210)])  # a stroke across the background: new boundary far from the prediction's
    presenter = c.presenter
    assert presenter.live is not None
    full = overlays.relaxed_zone_picture(doc.prediction, doc.mask, 3)
    np.testing.assert_array_equal(presenter.live.rgba, full)
    rebuilt = LayerItem(lines=True)
    rebuilt.set_image(rgba_to_qimage(full))
    assert window.canvas.layer_image("relaxed") == rebuilt.image  # the region repaints put it on the canvas
    qtbot.waitUntil(lambda: bool(shown) and shown[-1] is not None, timeout=2000)
    expected = compare(doc.prediction, doc.mask, 3)
    got = shown[-1]
    assert got.relaxed_f == pytest.approx(expected.relaxed_f) and got.iou == pytest.approx(expected.iou)
    assert got.relaxed_f < 0.999  # the stroke made a difference the panel shows
    assert window.metrics.labels["IoU"].text() == f"{expected.iou:.4f}"
    # undo brings the comparison back to "identical"
    window.editing.actions["undo"].trigger()
    np.testing.assert_array_equal(presenter.live.rgba, overlays.relaxed_zone_picture(doc.prediction, doc.mask, 3))


def test_numbers_being_recomputed_are_greyed_not_passed_off_as_current(window, scene_files, qtbot) -> None:  # noqa: ANN001
    c = _predicted(window, scene_files, qtbot)
    panel = window.metrics
    qtbot.waitUntil(lambda: panel.labels["IoU"].text() == "1.0000" and panel.labels["IoU"].isEnabled(), timeout=5000)
    window.editing.edits.set_settings(size=24.0)
    drag(window.canvas, [(20, 200), (300, 210)])
    # right after the stroke the old numbers are still there, but greyed and said to be updating
    assert not panel.labels["IoU"].isEnabled() and panel.caption.text().endswith("(updating…)")
    qtbot.waitUntil(lambda: panel.labels["IoU"].isEnabled(), timeout=5000)
    assert panel.labels["IoU"].text() != "1.0000" and not panel.caption.text().endswith("(updating…)")
