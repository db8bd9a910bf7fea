"""Never lose work: autosave from the GUI, recovery after SIGKILL (a real subprocess), and the close prompt."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from tests.gui.edit_helpers import drag

pytestmark = pytest.mark.gui
ROOT = Path(__file__).resolve().parents[2]


def _paint(window, image: Path) -> None:  # noqa: ANN001
    window.open_paths([str(image)])
    window.editing.edits.set_settings(size=20.0)
    drag(window.canvas, [(40, 40), (140, 60)])


def test_autosave_writes_the_session_with_the_painted_mask(window, scene_files) -> None:  # noqa: ANN001
    from u2studio.core.editing.autosave import find_recoverable, recover

    image, _, _ = scene_files
    _paint(window, image)
    edits = window.editing.edits
    edits.flush_autosaves()
    sessions = find_recoverable()
    assert len(sessions) == 1 and sessions[0].image_path == image.resolve()
    np.testing.assert_array_equal(recover(sessions[0]), window.controller.doc.mask)
    assert sessions[0].stroke_count == edits.session().editor.revision


def test_recovery_after_sigkill_restores_the_autosaved_mask_pixel_identical(window, scene_files, tmp_path: Path, qtbot) -> None:  # noqa: ANN001
    image, _, _ = scene_files
    expected = tmp_path / "expected.npy"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT), U2STUDIO_AUTOSAVE_S="0.2")
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "gui" / "recovery_driver.py"), str(image), str(expected)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        lines = []
        for line in proc.stdout:  # type: ignore[union-attr]
            lines.append(line)
            if line.strip() in ("READY", "TIMEOUT"):
                break
        assert lines and lines[-1].strip() == "READY", "".join(lines)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    want = np.load(expected)
    assert want.any()

    banner = window.editing.banner
    window.editing.offer_recovery()
    assert banner.isVisible() and len(banner.rows) == 1
    session = window.editing.edits.recoverable()[0]
    banner.button(session, "Recover").click()
    doc = window.controller.doc
    assert doc is not None and doc.path.resolve() == image.resolve()
    np.testing.assert_array_equal(doc.mask, want)
    assert not banner.isVisible()
    assert window.editing.edits.unsaved() == [doc]  # still to be saved by the person
    # the prediction was not autosaved: recovery runs the model again, and the corrections survive it
    qtbot.waitUntil(lambda: doc.prediction is not None and not doc.running, timeout=60_000)
    np.testing.assert_array_equal(doc.mask, want)
    assert doc.side_names and doc.status.value == "edited"
    assert doc.edits is not None and 0 < doc.edits.mean() < 1  # corrections: where the mask differs from the model
    with qtbot.waitSignal(window.controller.metrics_changed, timeout=5_000) as blocker:
        window.controller.schedule_metrics()
    assert blocker.args[0] is not None  # metrics work again (they compare with the prediction)


def test_close_prompt_cancel_keeps_the_window_save_writes_and_cleans(window, scene_files, monkeypatch) -> None:  # noqa: ANN001
    from u2studio.core.editing.autosave import find_recoverable
    from u2studio.core.imageio import load_mask

    image, _, _ = scene_files
    _paint(window, image)
    answers = [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save]
    asked: list[str] = []

    def answer(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        asked.append(args[2])
        return answers.pop(0)

    monkeypatch.setattr(QMessageBox, "question", answer)
    mask = window.controller.doc.mask.copy()
    assert not window.close()
    assert window.isVisible() and "scene.png" in asked[0]
    assert window.close()
    np.testing.assert_array_equal(load_mask(image.with_name("scene_mask.png")), mask)
    assert find_recoverable() == []  # saved: nothing to recover


def test_close_prompt_discard_removes_the_session(window, scene_files, monkeypatch) -> None:  # noqa: ANN001
    from u2studio.core.editing.autosave import sessions_dir

    image, _, _ = scene_files
    _paint(window, image)
    window.editing.edits.flush_autosaves()
    assert any(sessions_dir().iterdir())
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    assert window.close()
    assert not any(sessions_dir().iterdir())
    assert not image.with_name("scene_mask.png").exists()
