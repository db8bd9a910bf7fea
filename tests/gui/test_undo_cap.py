"""The undo history is capped in bytes across every image's QUndoStack, and the cap never drops the step that
brings corrections back after a rerun replaced them (real window, real model)."""

from __future__ import annotations

import numpy as np
import pytest

from u2studio.core.document import DocStatus
from u2studio.gui.editing.history_cap import history_bytes

from tests.gui.edit_helpers import correct_box

pytestmark = pytest.mark.gui
BOXES = [(10 + 25 * i, 10, 30 + 25 * i, 60) for i in range(8)]


def _predicted(window, qtbot, image):  # noqa: ANN001, ANN202
    window.open_paths([str(image)])
    with qtbot.waitSignal(window.controller.client.result, timeout=60_000):
        window.controller.run_current()
    return window.controller.doc


def _stack(window):  # noqa: ANN001, ANN202
    return window.editing.edits.session().stack


def test_old_steps_go_when_the_history_passes_the_cap(window, qtbot, scene_files) -> None:  # noqa: ANN001
    doc = _predicted(window, qtbot, scene_files[0])
    edits = window.editing.edits
    correct_box(window, BOXES[0], 255)
    one_step = history_bytes(_stack(window))
    edits.history_cap.cap_bytes = 3 * one_step + one_step // 2
    masks = [doc.mask.copy()]
    for box in BOXES[1:]:
        correct_box(window, box, 255)
        masks.append(doc.mask.copy())
    stack = _stack(window)
    assert history_bytes(stack) <= edits.history_cap.cap_bytes
    assert stack.count() == 3 and edits.history_cap.trimmed_bytes > 0
    for expected in reversed(masks[-3:-1]):  # the kept steps still undo bit-exactly
        edits.undo()
        np.testing.assert_array_equal(doc.mask, expected)
    edits.redo()
    edits.redo()
    np.testing.assert_array_equal(doc.mask, masks[-1])


def test_the_cap_keeps_the_saved_state_reachable(window, qtbot, scene_files, tmp_path) -> None:  # noqa: ANN001
    doc = _predicted(window, qtbot, scene_files[0])
    edits = window.editing.edits
    correct_box(window, BOXES[0], 255)
    one_step = history_bytes(_stack(window))
    edits.history_cap.cap_bytes = 4 * one_step
    correct_box(window, BOXES[1], 255)
    window.controller.save_mask(tmp_path / "m.png")
    assert doc.status is DocStatus.SAVED
    for box in BOXES[2:5]:
        correct_box(window, box, 255)
    assert doc.status is DocStatus.EDITED
    edits.undo()
    edits.undo()
    edits.undo()
    assert doc.status is DocStatus.SAVED  # the clean index moved with the trimmed stack


def test_the_cap_never_drops_the_step_that_restores_replaced_corrections(window, qtbot, scene_files) -> None:  # noqa: ANN001
    doc = _predicted(window, qtbot, scene_files[0])
    edits = window.editing.edits
    correct_box(window, BOXES[0], 255)
    corrected = doc.mask.copy()
    with qtbot.waitSignal(window.controller.client.result, timeout=60_000):
        window.controller.run_current(replace_edits=True)
    assert not doc.has_edits
    edits.history_cap.cap_bytes = 1  # as small as it gets
    for box in BOXES[1:5]:
        correct_box(window, box, 255)
    stack = _stack(window)
    texts = [stack.command(i).text() for i in range(stack.count())]
    assert "New prediction, corrections replaced" in texts  # kept, and everything after it
    while stack.canUndo():
        edits.undo()
    np.testing.assert_array_equal(doc.mask, corrected)  # the corrections the rerun replaced are back
    assert doc.status is DocStatus.EDITED
