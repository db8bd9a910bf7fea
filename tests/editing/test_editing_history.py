"""Undo and redo restore the mask bit for bit; records hold only their box; the history keeps to its caps."""

from __future__ import annotations

import numpy as np
import pytest

from u2studio.core.editing import BrushParams, EditRecord, History, MaskEditor, Rect
from u2studio.core.synthetic import scene


def random_edit(editor: MaskEditor, rng: np.random.Generator) -> None:
    """One of the editor's operations with random parameters."""
    h, w = editor.shape
    kind = rng.integers(0, 7)
    if kind <= 2:
        editor.begin_stroke(BrushParams(
            radius=float(rng.uniform(1, 12)), hardness=float(rng.uniform(0, 1)),
            opacity=float(rng.uniform(0.1, 1)), mode="add" if kind < 2 else "erase",
        ))
        for _ in range(int(rng.integers(1, 8))):
            editor.add_point(*rng.uniform(-5, [w + 5, h + 5]), float(rng.uniform(0, 1)))
        editor.end_stroke()
    elif kind == 3:
        editor.fill_polygon(rng.uniform(0, [w, h], (5, 2)), erase=bool(rng.integers(0, 2)))
    elif kind == 4:
        x0, y0 = int(rng.integers(0, w - 10)), int(rng.integers(0, h - 10))
        editor.grow(int(rng.integers(1, 4)), Rect(x0, y0, x0 + 30, y0 + 30))
    elif kind == 5:
        editor.flood_fill(*rng.uniform(0, [w, h]), tolerance=15, erase=bool(rng.integers(0, 2)))
    else:
        editor.smooth(2)


def test_undo_and_redo_are_bit_exact_over_random_edits() -> None:
    image, truth = scene(160, 120, seed=3)
    editor = MaskEditor(truth, image=image)
    rng = np.random.default_rng(0)
    states = [editor.mask.copy()]
    for _ in range(40):
        random_edit(editor, rng)
        if editor.history.can_undo and len(editor.history) == len(states):
            states.append(editor.mask.copy())
    assert len(states) > 30
    for expected in reversed(states[:-1]):
        assert editor.undo() is not None
        assert np.array_equal(editor.mask, expected)
    assert editor.undo() is None
    for expected in states[1:]:
        assert editor.redo() is not None
        assert np.array_equal(editor.mask, expected)
    assert editor.redo() is None
    for _ in range(5):
        editor.undo()
    random_edit(editor, rng)
    assert not editor.history.can_redo


def test_a_record_holds_only_its_bounding_box() -> None:
    editor = MaskEditor(np.zeros((2000, 3000), np.uint8))
    editor.begin_stroke(BrushParams(radius=5, hardness=1.0))
    editor.add_point(100.0, 100.0)
    editor.add_point(140.0, 110.0)
    record = editor.end_stroke()
    assert record is not None and not record.compressed
    assert record.rect.width <= 52 and record.rect.height <= 22
    assert record.nbytes < 3000


def test_large_operations_are_compressed_and_still_exact() -> None:
    _, truth = scene(1200, 900)
    editor = MaskEditor(truth)
    record = editor.invert()
    assert record is not None and record.compressed
    assert record.nbytes < truth.nbytes / 20
    assert np.array_equal(editor.mask, 255 - truth)
    editor.undo()
    assert np.array_equal(editor.mask, truth)


def test_the_memory_cap_drops_the_oldest_steps() -> None:
    editor = MaskEditor(np.zeros((200, 200), np.uint8), history=History(max_bytes=40_000))
    states = [editor.mask.copy()]
    for i in range(30):
        editor.begin_stroke(BrushParams(radius=6, hardness=0.5))
        editor.add_point(10.0 + 6 * i, 20.0)
        editor.add_point(10.0 + 6 * i, 180.0)
        editor.end_stroke()
        states.append(editor.mask.copy())
        assert editor.history.nbytes <= 40_000
    kept = len(editor.history)
    assert 0 < kept < 30 and editor.history.dropped == 30 - kept
    for _ in range(kept):
        editor.undo()
    assert editor.undo() is None
    assert np.array_equal(editor.mask, states[30 - kept])


def test_a_gui_undo_stack_can_drive_records_itself() -> None:
    editor = MaskEditor(np.zeros((50, 50), np.uint8), record_history=False)
    record = editor.fill_polygon(np.array([[5.0, 5.0], [40.0, 8.0], [20.0, 45.0]]))
    assert record is not None and not editor.history.can_undo
    after = editor.mask.copy()
    assert editor.undo_record(record) == record.rect and not editor.mask.any()
    editor.redo_record(record)
    assert np.array_equal(editor.mask, after) and editor.revision == 3


def test_bad_records_are_refused() -> None:
    with pytest.raises(ValueError, match="do not fit"):
        EditRecord.capture(Rect(0, 0, 4, 4), np.zeros((3, 4), np.uint8), np.zeros((3, 4), np.uint8), "x")
    with pytest.raises(ValueError):
        History(max_bytes=0)


def test_a_raw_record_compacts_to_the_same_values_in_fewer_bytes() -> None:
    _, truth = scene(1200, 900)
    editor = MaskEditor(truth.copy(), record_history=False)
    editor.begin_stroke(BrushParams(radius=300, hardness=0.5))
    editor.add_point(200.0, 300.0)
    editor.add_point(900.0, 500.0)
    raw = editor.end_stroke(compress=False)
    assert raw is not None and not raw.compressed and raw.compactable
    compact = raw.compacted()
    assert compact.compressed and not compact.compactable and compact.compacted() is compact
    assert compact.rect == raw.rect and compact.label == raw.label and compact.nbytes < raw.nbytes / 4
    np.testing.assert_array_equal(compact.old_values, raw.old_values)
    np.testing.assert_array_equal(compact.new_values, raw.new_values)
    kept = MaskEditor(truth.copy())  # with its own history the record is compressed as before
    kept.begin_stroke(BrushParams(radius=300, hardness=0.5))
    kept.add_point(200.0, 300.0)
    assert kept.end_stroke(compress=False).compressed


def test_a_stroke_reuses_the_last_strokes_buffers_and_paints_exactly_as_with_fresh_ones() -> None:
    from u2studio.core.editing import stroke as stroke_module
    from u2studio.core.editing.stroke import Stroke

    _, truth = scene(900, 600)

    def paint(mask: np.ndarray, points: list[tuple[float, float]], cancel: bool = False) -> tuple[Stroke, object]:
        s = Stroke(mask, BrushParams(radius=40, hardness=0.6))
        for x, y in points:
            s.add_point(x, y)
        return s, (s.cancel() if cancel else s.finish())

    first, second = [(100.0, 100.0), (400.0, 300.0)], [(380.0, 280.0), (700.0, 500.0)]
    stroke_module._scratch.clear()  # noqa: SLF001
    fresh_mask = truth.copy()
    paint(fresh_mask, first)
    stroke_module._scratch.clear()  # noqa: SLF001 (the second stroke gets new buffers)
    _, fresh_record = paint(fresh_mask, second)
    stroke_module._scratch.clear()  # noqa: SLF001
    mask = truth.copy()
    done, _ = paint(mask, first)
    alpha_before = stroke_module._scratch[0][0]  # noqa: SLF001 (kept, zeroed again)
    assert not alpha_before.any()
    again, record = paint(mask, second)
    assert stroke_module._scratch[0][0] is alpha_before  # noqa: SLF001 (the same pages: no faults on the press)
    np.testing.assert_array_equal(mask, fresh_mask)
    np.testing.assert_array_equal(record.old_values, fresh_record.old_values)
    np.testing.assert_array_equal(record.new_values, fresh_record.new_values)
    before_cancel = mask.copy()
    paint(mask, [(50.0, 500.0), (850.0, 60.0)], cancel=True)  # a cancelled stroke restores and leaves zeros too
    np.testing.assert_array_equal(mask, before_cancel)
    assert not stroke_module._scratch[0][0].any()  # noqa: SLF001
    other = np.zeros((50, 70), np.uint8)  # another size: fresh buffers, and they become the kept ones
    paint(other, [(10.0, 10.0)])
    assert stroke_module._scratch[0][0].shape == (50, 70)  # noqa: SLF001


def test_buffers_are_prepared_once_and_not_while_a_stroke_holds_them() -> None:
    from u2studio.core.editing import stroke as stroke_module
    from u2studio.core.editing.stroke import Stroke, prepare_buffers

    stroke_module._scratch.clear()  # noqa: SLF001
    prepare_buffers((60, 80))
    ready = stroke_module._scratch[0]  # noqa: SLF001
    prepare_buffers((60, 80))
    assert stroke_module._scratch[0] is ready  # noqa: SLF001 (already there: nothing new)
    s = Stroke(np.zeros((60, 80), np.uint8), BrushParams(radius=5))
    assert s._alpha is ready[0] and not stroke_module._scratch  # noqa: SLF001
    prepare_buffers((60, 80))  # a stroke holds them: no second pair
    assert not stroke_module._scratch  # noqa: SLF001
    s.add_point(20.0, 20.0)
    s.finish()
    assert stroke_module._scratch[0][0] is ready[0] and not ready[0].any()  # noqa: SLF001
