"""Correction tools in the real studio window: brush, eraser, lasso, polygon, flood fill, commands, undo and redo."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from tests.gui.edit_helpers import click, drag, scene_pos, view_point

pytestmark = pytest.mark.gui


@pytest.fixture
def studio(window, scene_files):  # noqa: ANN001, ANN201
    """The window with the generated scene open (no prediction: the first edit starts from an empty mask)."""
    image, _, _ = scene_files
    window.open_paths([str(image)])
    window.resize(900, 700)
    window.canvas.fit()
    return window


def _tool(window, key: str) -> None:  # noqa: ANN001
    QTest.keyClick(window.canvas, key)


def test_a_brush_stroke_paints_under_the_cursor_and_undo_redo_restore_bit_for_bit(studio) -> None:  # noqa: ANN001
    from u2studio.gui.editing.tools import Tool

    c, e = studio.controller, studio.editing.edits
    _tool(studio, "B")
    assert e.settings.tool is Tool.BRUSH
    e.set_settings(size=20.0, hardness=1.0)
    assert studio.canvas.zoom != pytest.approx(1.0)  # fit: the view is scaled, so mapping matters
    drag(studio.canvas, [(60, 60), (120, 60), (180, 60)])
    mask = c.doc.mask
    assert mask[60, 60] == 255 and mask[60, 120] == 255 and mask[60, 180] == 255  # interpolated between events
    assert mask[60, 100] == 255 and mask[90, 120] == 0 and mask[60, 210] == 0
    after = mask.copy()
    assert e.group.activeStack().count() == 1
    assert c.doc.strokes == 1  # the dataset export records the effort
    studio.editing.actions["undo"].trigger()
    assert not c.doc.mask.any()
    QTest.keyClick(studio.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    np.testing.assert_array_equal(c.doc.mask, after)
    # the same stroke through the engine directly gives the same pixels (the canvas only maps coordinates)
    from u2studio.core.editing import BrushParams, MaskEditor

    reference = MaskEditor(np.zeros_like(after))
    reference.begin_stroke(BrushParams(radius=10.0, hardness=1.0))
    for point in [(60, 60), (120, 60), (180, 60)]:
        reference.add_point(*scene_pos(studio.canvas, *point))
    reference.end_stroke()
    np.testing.assert_array_equal(reference.mask, after)


def test_eraser_removes_what_the_brush_painted(studio) -> None:  # noqa: ANN001
    c, e = studio.controller, studio.editing.edits
    e.set_settings(size=40.0, hardness=1.0)
    _tool(studio, "B")
    drag(studio.canvas, [(100, 100), (200, 100)])
    _tool(studio, "E")
    e.set_settings(size=10.0)
    drag(studio.canvas, [(150, 80), (150, 120)])
    assert c.doc.mask[100, 110] == 255 and c.doc.mask[100, 150] == 0
    assert e.group.activeStack().count() == 2
    studio.editing.actions["undo"].trigger()
    assert c.doc.mask[100, 150] == 255


def test_lasso_fills_the_drawn_shape_and_alt_cuts(studio) -> None:  # noqa: ANN001
    c = studio.controller
    _tool(studio, "L")
    drag(studio.canvas, [(50, 50), (150, 50), (150, 150), (50, 150)])
    mask = c.doc.mask
    assert mask[100, 100] == 255 and mask[30, 100] == 0 and mask[100, 170] == 0
    assert (mask[60:140, 60:140] == 255).all()
    drag(studio.canvas, [(80, 80), (120, 80), (120, 120), (80, 120)], Qt.KeyboardModifier.AltModifier)
    assert c.doc.mask[100, 100] == 0 and c.doc.mask[60, 60] == 255


def test_polygon_closes_with_enter_even_though_shortcuts_use_keys(studio) -> None:  # noqa: ANN001
    c = studio.controller
    _tool(studio, "P")
    for x, y in [(40, 40), (200, 40), (120, 200)]:
        click(studio.canvas, x, y)
    assert not c.doc.mask.any() if c.doc.mask is not None else True
    QTest.keyClick(studio.canvas, Qt.Key.Key_Return)
    assert c.doc.mask[80, 120] == 255 and c.doc.mask[200, 40] == 0


def test_flood_fill_matches_the_engine_and_grow_invert_are_undoable(studio) -> None:  # noqa: ANN001
    from u2studio.core.editing import MaskEditor

    c, e = studio.controller, studio.editing.edits
    _tool(studio, "G")
    e.set_settings(tolerance=30.0)
    click(studio.canvas, 20, 20)
    x, y = scene_pos(studio.canvas, 20, 20)
    reference = MaskEditor(np.zeros(c.doc.rgb.shape[:2], np.uint8), image=c.doc.rgb)
    reference.flood_fill(x, y, tolerance=30.0)
    np.testing.assert_array_equal(c.doc.mask, reference.mask)
    assert c.doc.mask.any()
    e.set_settings(morph_radius=3)
    studio.editing.actions["grow"].trigger()
    reference.grow(3)
    np.testing.assert_array_equal(c.doc.mask, reference.mask)
    studio.editing.actions["invert"].trigger()
    reference.invert()
    np.testing.assert_array_equal(c.doc.mask, reference.mask)
    for _ in range(2):
        studio.editing.actions["undo"].trigger()
    reference.undo()
    reference.undo()
    np.testing.assert_array_equal(c.doc.mask, reference.mask)


def test_brush_size_keys_and_the_outline_follow_in_image_pixels(studio) -> None:  # noqa: ANN001
    e = studio.editing.edits
    e.set_settings(size=20.0)
    QTest.keyClick(studio.canvas, Qt.Key.Key_BracketRight)
    assert e.settings.size == pytest.approx(24.0)
    QTest.keyClick(studio.canvas, Qt.Key.Key_BracketLeft)
    assert e.settings.size == pytest.approx(20.0)
    cursor = studio.editing.input.cursor
    QTest.mouseMove(studio.canvas.viewport(), view_point(studio.canvas, 100, 80))
    assert cursor.isVisible() and cursor.radius == pytest.approx(10.0)
    assert abs(cursor.pos().x() - 100) < 2 / studio.canvas.zoom and abs(cursor.pos().y() - 80) < 2 / studio.canvas.zoom
    # Ctrl+drag to the right makes the brush bigger
    viewport = studio.canvas.viewport()
    start = view_point(studio.canvas, 100, 80)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier, start)
    QTest.mouseMove(viewport, start + QPointF(150, 0).toPoint())
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier, start + QPointF(150, 0).toPoint())
    assert e.settings.size == pytest.approx(40.0, rel=0.05)
    assert studio.controller.doc.mask is None or not studio.controller.doc.mask.any()  # sizing does not paint


def test_switching_images_keeps_each_images_edits_and_undo_stack(window, tmp_path: Path) -> None:  # noqa: ANN001
    from u2studio.core.imageio import save_png
    from u2studio.core.synthetic import scene

    paths = [save_png(tmp_path / f"s{i}.png", scene(200, 150, seed=i)[0]) for i in range(2)]
    window.open_paths([str(p) for p in paths])
    c, e = window.controller, window.editing.edits
    c.select(0)
    e.set_settings(size=10.0, hardness=1.0)
    _tool(window, "B")
    drag(window.canvas, [(50, 50), (60, 50)])
    first = c.doc.mask.copy()
    c.select(1)
    drag(window.canvas, [(120, 100), (130, 100)])
    drag(window.canvas, [(120, 120), (130, 120)])
    second = c.doc.mask.copy()
    assert e.group.activeStack().count() == 2
    c.select(0)
    np.testing.assert_array_equal(c.doc.mask, first)
    assert e.group.activeStack().count() == 1
    window.editing.actions["undo"].trigger()
    assert not c.doc.mask.any()
    c.select(1)
    np.testing.assert_array_equal(c.doc.mask, second)
    window.editing.actions["undo"].trigger()
    assert c.doc.mask[120, 125] == 0 and c.doc.mask[100, 125] == 255


def test_help_lists_every_shortcut_from_the_actions(studio) -> None:  # noqa: ANN001
    panel = studio.editing.show_help()
    rows = dict(panel.rows())
    keys = " | ".join(rows.values())
    for key in ("B", "E", "L", "P", "G", "R", "Ctrl+Z", "Ctrl+Y", "[", "]", "F1", "Ctrl+O"):
        assert key in keys.split(" | ") or any(key in v.split(" or ") for v in rows.values()), key
    assert any(text.startswith("Brush") for text in rows)


def test_refine_edge_runs_off_the_gui_thread_changes_only_the_band_and_is_one_undo_step(studio, scene_files, qtbot, monkeypatch) -> None:  # noqa: ANN001
    import threading

    import cv2

    from u2studio.core.editing import refine as refine_module

    threads: list[threading.Thread] = []
    original = refine_module.refine_band

    def recording(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        threads.append(threading.current_thread())
        return original(*args, **kwargs)

    monkeypatch.setattr(refine_module, "refine_band", recording)

    _, _, truth = scene_files
    c, e = studio.controller, studio.editing.edits
    rough = cv2.dilate(truth, np.ones((13, 13), np.uint8))  # 6 px too wide all round
    c.doc.mask = rough.copy()
    c.doc.edits = np.ones(rough.shape, bool)  # a mask the user made: every pixel is a correction
    c.doc.mask_changed(None, edited=False)
    QTest.keyClick(studio.canvas, "R")
    e.set_settings(refine_width=30.0)
    ys, xs = np.nonzero(truth[:, :160])
    # draw down the object's left edge, row by row
    rows = list(range(int(ys.min()) + 10, int(ys.max()) - 10, 8))
    path = [(float(xs[ys == r].min()), float(r)) for r in rows if (ys == r).any()]
    with qtbot.waitSignal(e.refines.finished, timeout=30_000) as outcome:
        drag(studio.canvas, path)
        assert (c.doc.mask == rough).all()  # nothing yet: GrabCut runs in the background
    assert outcome.args == ["applied"]
    assert threads and all(t is not threading.main_thread() for t in threads)
    assert studio.editing.edits.group.activeStack().count() == 1  # one undo step
    changed = c.doc.mask != rough
    assert changed.any()
    cy, cx = np.nonzero(changed)
    assert cy.min() >= rows[0] - 20 and cy.max() <= rows[-1] + 20 and cx.max() <= max(p[0] for p in path) + 20
    before = np.abs(rough.astype(int) - truth).sum()
    assert np.abs(c.doc.mask.astype(int) - truth).sum() < before  # closer to the truth
    studio.editing.actions["undo"].trigger()
    np.testing.assert_array_equal(c.doc.mask, rough)


def test_a_refine_result_is_dropped_when_an_edit_lands_on_its_area_meanwhile(studio, scene_files, qtbot, monkeypatch) -> None:  # noqa: ANN001
    import threading

    from u2studio.core.editing import refine as refine_module
    from tests.gui.edit_helpers import correct_box

    _, _, truth = scene_files
    c, e = studio.controller, studio.editing.edits
    c.doc.mask = truth.copy()
    c.doc.edits = np.ones(truth.shape, bool)
    c.doc.mask_changed(None, edited=False)
    release = threading.Event()
    original = refine_module.refine_band

    def held(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        release.wait(30)
        return original(*args, **kwargs)

    monkeypatch.setattr(refine_module, "refine_band", held)
    ys, xs = np.nonzero(truth)
    y = int(np.median(ys))
    x = int(xs[ys == y].min())
    with qtbot.waitSignal(e.refines.finished, timeout=30_000) as outcome:
        e.refine_along(np.array([[x, y - 30], [x, y + 30]], np.float64), 30.0)
        correct_box(studio, (x - 5, y - 5, x + 5, y + 5), 0)  # another edit on the same area, while it computes
        after_edit = c.doc.mask.copy()
        release.set()
    assert outcome.args == ["stale"]
    np.testing.assert_array_equal(c.doc.mask, after_edit)  # the stale result changed nothing
    assert e.group.activeStack().count() == 1  # only the box edit is on the undo stack


def test_a_refine_result_waits_for_a_brush_stroke_to_end_and_metrics_wait_too(studio, scene_files, qtbot, monkeypatch) -> None:  # noqa: ANN001
    import threading

    from u2studio.core.editing import BrushParams
    from u2studio.core.editing import refine as refine_module

    _, _, truth = scene_files
    c, e = studio.controller, studio.editing.edits
    c.doc.mask = truth.copy()
    c.doc.edits = np.ones(truth.shape, bool)
    c.doc.mask_changed(None, edited=False)
    release = threading.Event()
    original = refine_module.refine_band
    monkeypatch.setattr(refine_module, "refine_band", lambda *a, **k: (release.wait(30), original(*a, **k))[1])
    from u2studio.gui.inference import metrics_runner

    measured: list[object] = []
    pair = metrics_runner.comparison_pair
    monkeypatch.setattr(metrics_runner, "comparison_pair", lambda *a: (measured.append(a), pair(*a))[1])  # a start
    ys, xs = np.nonzero(truth)
    y = int(np.median(ys))
    x = int(xs[ys == y].min())
    outcomes: list[str] = []
    e.refines.finished.connect(outcomes.append)
    e.refine_along(np.array([[x, y - 30], [x, y + 30]], np.float64), 30.0)
    editor = e.editor()
    editor.begin_stroke(BrushParams(radius=3.0))  # a stroke far from the band, in progress when the result lands
    editor.add_point(5.0, 5.0)
    c.schedule_metrics()
    release.set()
    qtbot.wait(800)
    assert outcomes == [] and e.group.activeStack().count() == 0  # held back while the stroke goes on
    assert measured == []  # and metrics did not start (no mask copy) during the stroke either
    e.finish_stroke()
    qtbot.waitUntil(lambda: outcomes == ["applied"], timeout=5_000)
    assert e.group.activeStack().count() == 2  # the stroke, then the refinement: two undo steps
    qtbot.waitUntil(lambda: bool(measured), timeout=3_000)  # metrics once the stroke ended


def test_a_large_strokes_undo_record_is_compressed_off_the_gui_thread_and_stays_exact(studio, qtbot, monkeypatch) -> None:  # noqa: ANN001
    import threading
    import zlib

    from u2studio.core.editing import history
    from u2studio.gui.editing.undo_command import EditCommand

    threads: list[threading.Thread] = []
    original = zlib.compress

    def recording(data, level=-1):  # noqa: ANN001, ANN202
        threads.append(threading.current_thread())
        return original(data, level)

    monkeypatch.setattr(history.zlib, "compress", recording)
    c, e = studio.controller, studio.editing.edits
    before = c.doc.mask.copy() if c.doc.mask is not None else None
    _tool(studio, "B")
    e.set_settings(size=400.0, hardness=0.5)
    drag(studio.canvas, [(40, 60), (200, 120), (380, 200)])
    after = c.doc.mask.copy()
    session = e.session(c.doc)
    command = session.stack.command(0)
    assert isinstance(command, EditCommand) and command.record.rect.width * command.record.rect.height > history.COMPRESS_ABOVE
    raw_bytes = command.nbytes
    assert session.wait_compacted()
    qtbot.waitUntil(lambda: session.stack.command(0).record.compressed, timeout=10_000)  # adopted on the GUI thread
    assert threads and all(t is not threading.main_thread() for t in threads)  # zlib never ran on the GUI thread
    assert session.stack.command(0).nbytes < raw_bytes / 4
    studio.editing.actions["undo"].trigger()
    if before is None:
        assert not c.doc.mask.any()
    else:
        np.testing.assert_array_equal(c.doc.mask, before)
    studio.editing.actions["redo"].trigger()
    np.testing.assert_array_equal(c.doc.mask, after)


def test_showing_a_photo_prepares_the_brushs_buffers_for_its_first_stroke(studio, qtbot) -> None:  # noqa: ANN001
    from u2studio.core.editing import stroke

    c = studio.controller
    qtbot.waitUntil(lambda: c.doc is not None and c.doc.size is not None, timeout=10_000)
    shape = (c.doc.size[1], c.doc.size[0])
    stroke._scratch.clear()  # noqa: SLF001
    c.current_changed.emit(0)  # the photo is shown (again)
    qtbot.waitUntil(lambda: bool(stroke._scratch) and stroke._scratch[0][0].shape == shape, timeout=10_000)  # noqa: SLF001
    alpha = stroke._scratch[0][0]  # noqa: SLF001
    _tool(studio, "B")
    studio.editing.edits.set_settings(size=30.0, hardness=1.0)
    drag(studio.canvas, [(60, 60), (160, 80)])
    assert c.doc.mask[int(scene_pos(studio.canvas, 60, 60)[1]), int(scene_pos(studio.canvas, 60, 60)[0])] == 255
    assert stroke._scratch[0][0] is alpha and not alpha.any()  # noqa: SLF001 (the first stroke used them, then zeroed them)


def test_the_pixel_readout_follows_an_undo_under_a_still_cursor(studio, qtbot) -> None:  # noqa: ANN001
    from tests.gui.edit_helpers import correct_box

    c = studio.controller
    qtbot.waitUntil(lambda: c.doc is not None and c.doc.rgb is not None, timeout=10_000)
    correct_box(studio, (10, 10, 40, 40), 255)
    studio.canvas.cursor_moved.emit(20, 20)
    assert studio.status.pixel.text().endswith("mask 255")
    studio.editing.actions["undo"].trigger()
    qtbot.waitUntil(lambda: studio.status.pixel.text().endswith(f"mask {int(c.doc.mask[20, 20])}"), timeout=5_000)
    assert int(c.doc.mask[20, 20]) != 255
    studio.canvas.cursor_moved.emit(10**6, 10**6)  # a position from a larger image: no readout, no error
    assert studio.status.pixel.text() == ""
