"""An autosave that cannot write shows a lasting warning in the window, until a later write succeeds."""

from __future__ import annotations

import pytest

from u2studio.core.editing.autosave import find_recoverable, sessions_dir

pytestmark = pytest.mark.gui


def test_an_autosave_write_failure_shows_a_warning_that_lasts_until_a_write_succeeds(window, qtbot, scene_files) -> None:  # noqa: ANN001
    """A real failure (tests run as root, so no permissions trick): a file stands where the sessions folder goes."""
    image, _, _ = scene_files
    root = sessions_dir()
    root.parent.mkdir(parents=True, exist_ok=True)
    root.write_text("not a folder")
    edits = window.editing.edits
    edits.autosave_interval = 0.05
    window.open_paths([str(image)])
    bar = window.editing.autosave_warning
    assert not bar.isVisible()
    edits.invert()  # one real edit: the autosave thread tries to write it
    qtbot.waitUntil(bar.isVisible, timeout=5000)
    text = bar.label.text()
    assert "Autosave is failing" in text and "scene.png" in text and "Not a directory" in text
    saver = edits.session().autosaver
    failed_at = saver.last_error
    qtbot.waitUntil(lambda: saver.last_error is not failed_at, timeout=15_000)  # a retry (every 2 s) failed again (slow when busy)
    assert bar.isVisible() and saver.failing, "the bar stays while the failure lasts; it has no timeout"
    root.unlink()  # space again: the autosaver's retry succeeds without a new edit
    qtbot.waitUntil(lambda: not bar.isVisible(), timeout=10_000)
    assert [s.image_path.name for s in find_recoverable()] == ["scene.png"]
