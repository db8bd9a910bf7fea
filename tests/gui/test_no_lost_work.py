"""No action of the user destroys work without asking, and every label tells the truth (real main window).

Each test drives the real studio with the bundled model on a generated scene, one promise per test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from u2studio.core.document import DocStatus

from tests.gui.edit_helpers import correct_box

pytestmark = pytest.mark.gui
BOX = (20, 20, 120, 90)  # x0, y0, x1, y1 of the correction


def _predicted(window, qtbot, image: Path):  # noqa: ANN001, ANN202
    window.open_paths([str(image)])
    with qtbot.waitSignal(window.controller.client.result, timeout=60_000):
        window.controller.run_current()
    return window.controller.doc


def _rerun(window, qtbot, **kwargs: bool) -> None:  # noqa: ANN001
    with qtbot.waitSignal(window.controller.client.result, timeout=60_000):
        window.controller.run_current(**kwargs)


def _region(doc, box=BOX) -> np.ndarray:  # noqa: ANN001
    x0, y0, x1, y1 = box
    return doc.mask[y0:y1, x0:x1]


def test_running_again_keeps_the_corrections_and_undo_brings_back_the_old_prediction(window, qtbot, scene_files) -> None:  # noqa: ANN001
    doc = _predicted(window, qtbot, scene_files[0])
    correct_box(window, BOX, 0)  # erase a block the model called foreground
    assert doc.status is DocStatus.EDITED and not _region(doc).any()
    first_prediction = doc.prediction
    _rerun(window, qtbot)
    assert doc.status is DocStatus.EDITED  # not "predicted": the corrections are still there
    assert not _region(doc).any()
    assert doc.prediction is not first_prediction
    window.editing.edits.undo()  # one step: the new prediction goes, the corrections stay
    assert doc.prediction is first_prediction and not _region(doc).any()
    window.editing.edits.undo()  # the correction itself
    assert _region(doc).any() and doc.status is DocStatus.PREDICTED


def test_replacing_the_corrections_is_one_undo_step(window, qtbot, scene_files) -> None:  # noqa: ANN001
    doc = _predicted(window, qtbot, scene_files[0])
    correct_box(window, BOX, 0)
    corrected = doc.mask.copy()
    _rerun(window, qtbot, replace_edits=True)
    assert _region(doc).any() and doc.status is DocStatus.PREDICTED  # replaced, as asked
    window.editing.edits.undo()
    np.testing.assert_array_equal(doc.mask, corrected)  # the corrections are back, bit for bit
    assert doc.status is DocStatus.EDITED


def test_the_run_action_asks_before_running_an_edited_image(window, qtbot, scene_files) -> None:  # noqa: ANN001
    doc = _predicted(window, qtbot, scene_files[0])
    correct_box(window, BOX, 0)
    seen: list[str] = []

    def answer() -> None:
        box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible())
        seen.append(box.text())
        next(b for b in box.buttons() if b.text() == "Cancel").click()

    QTimer.singleShot(200, answer)
    window.actions_["run"].trigger()
    assert seen and "corrections" in seen[0]
    assert not doc.running and not _region(doc).any()  # cancelled: nothing ran, nothing changed


def test_undoing_every_correction_returns_the_label_to_predicted(window, qtbot, scene_files) -> None:  # noqa: ANN001
    doc = _predicted(window, qtbot, scene_files[0])
    predicted = doc.mask.copy()
    correct_box(window, BOX, 0)
    correct_box(window, (150, 100, 200, 150), 255)
    assert doc.status is DocStatus.EDITED
    window.editing.edits.undo()
    window.editing.edits.undo()
    assert doc.status is DocStatus.PREDICTED
    np.testing.assert_array_equal(doc.mask, predicted)
    assert window.editing.edits.unsaved() == []
    assert window.files.item(0).text().splitlines()[1].startswith("predicted")  # the file list says so too


def test_the_threshold_belongs_to_the_image_and_keeps_corrections(window, qtbot, scene_files, tmp_path: Path) -> None:  # noqa: ANN001
    from u2studio.core.imageio import save_png
    from u2studio.core.synthetic import scene

    doc = _predicted(window, qtbot, scene_files[0])
    correct_box(window, BOX, 0)
    panel = window.view_panel
    panel.threshold.setValue(90)
    panel.threshold.sliderReleased.emit()
    panel._emit()  # noqa: SLF001 (what releasing the handle sends)
    assert doc.threshold == pytest.approx(0.90)
    assert not _region(doc).any()  # the correction stayed
    free = ~doc.edits
    np.testing.assert_array_equal(doc.mask[free], np.where(doc.prediction >= 230, 255, 0)[free])  # uint8: q / 255 >= 0.9
    other, _ = scene(200, 150, seed=9)
    window.open_paths([str(save_png(tmp_path / "other.png", other))])
    assert window.controller.doc.threshold == 0.5 and panel.threshold.value() == 50  # a new image starts fresh
    window.controller.select(0)
    assert panel.threshold.value() == 90  # and the first keeps its own


def test_exporting_clears_the_close_prompt_and_the_autosave(window, qtbot, scene_files, tmp_path: Path) -> None:  # noqa: ANN001
    from u2studio.core.editing.autosave import find_recoverable

    doc = _predicted(window, qtbot, scene_files[0])
    correct_box(window, BOX, 0)
    window.editing.edits.flush_autosaves()
    assert find_recoverable() and window.editing.edits.unsaved() == [doc]
    session = window.dataset.session
    assert session.create(tmp_path / "ds", 0.0)
    with qtbot.waitSignal(session.exported, timeout=30_000):
        session.export_current()
    assert doc.status is DocStatus.EXPORTED
    assert window.editing.edits.unsaved() == []
    qtbot.waitUntil(lambda: find_recoverable() == [], timeout=30_000)  # nothing to offer after a crash: it is exported
    correct_box(window, (150, 100, 200, 150), 255)
    assert doc.status is DocStatus.EDITED and window.editing.edits.unsaved() == [doc]
    window.editing.edits.undo()  # back to exactly what was exported
    assert doc.status is DocStatus.EXPORTED


def test_the_close_prompt_names_where_each_save_goes(window, qtbot, scene_files) -> None:  # noqa: ANN001
    from u2studio.gui.shell.close_prompt import prompt_text

    doc = _predicted(window, qtbot, scene_files[0])
    correct_box(window, BOX, 0)
    text = prompt_text(window.editing.edits)
    assert f"scene.png → {doc.path.with_name('scene_mask.png')}" in text


def test_saving_an_edited_mask_records_the_autosave_off_the_gui_thread(window, qtbot, scene_files, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    """The save marks the autosave clean by copying the mask: the PNG encode of that record runs on the autosave thread."""
    import threading

    from u2studio.core.editing import autosave
    from u2studio.core.editing.autosave import find_recoverable

    doc = _predicted(window, qtbot, scene_files[0])
    correct_box(window, BOX, 0)
    window.editing.edits.flush_autosaves()
    assert find_recoverable()
    writers: list[threading.Thread] = []
    original = autosave.save_png
    monkeypatch.setattr(autosave, "save_png", lambda *a, **k: (writers.append(threading.current_thread()), original(*a, **k))[1])
    window.controller.save_mask(tmp_path / "mask.png", background=True)
    qtbot.waitUntil(lambda: doc.status is DocStatus.SAVED, timeout=30_000)
    qtbot.waitUntil(lambda: find_recoverable() == [], timeout=30_000)
    assert writers and all(t is not threading.main_thread() for t in writers)
