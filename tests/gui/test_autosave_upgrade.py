"""An autosave session written by the previous release (f74108f) is still offered and recovered after the
mask-model and house changes (fixture: tests/fixtures/upgrade-0.1/autosave, made by make_session.py there)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from u2studio.core.imageio import load_mask

pytestmark = pytest.mark.gui
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "upgrade-0.1" / "autosave"


def _install_old_session(tmp_path: Path) -> Path:
    """Lay the old session out as if its photo lived at a path of this test (the key hashes that path)."""
    from u2studio.core.editing.autosave import session_key, sessions_dir

    meta = json.loads((FIXTURE / "session.json").read_text("utf-8"))
    photo = tmp_path / "photo.png"
    shutil.copy(FIXTURE / "photo.png", photo)
    os.utime(photo, ns=(meta["image_stat"]["mtime_ns"], meta["image_stat"]["mtime_ns"]))  # the same file, unchanged
    folder = sessions_dir() / session_key(photo, tuple(meta["image_size"]))
    folder.mkdir(parents=True)
    shutil.copy(FIXTURE / meta["mask_file"], folder / meta["mask_file"])
    meta["image_path"] = str(photo)
    (folder / "session.json").write_text(json.dumps(meta), "utf-8")
    return photo


def test_an_old_release_session_is_offered_and_recovered_pixel_identical(window, qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    photo = _install_old_session(tmp_path)
    window.editing.offer_recovery()
    banner = window.editing.banner
    assert banner.isVisible() and len(banner.rows) == 1
    session = window.editing.edits.recoverable()[0]
    banner.button(session, "Recover").click()
    doc = window.controller.doc
    assert doc is not None and doc.path.resolve() == photo.resolve()
    want = load_mask(FIXTURE / "mask-000001.png")
    np.testing.assert_array_equal(doc.mask, want)
    assert doc.has_edits and window.editing.edits.unsaved() == [doc]
    qtbot.waitUntil(lambda: doc.prediction is not None and not doc.running, timeout=60_000)
    np.testing.assert_array_equal(doc.mask, want)  # the model's rerun keeps the recovered corrections
    assert doc.status.value == "edited"
