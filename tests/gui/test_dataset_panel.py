"""The studio's dataset side with real widgets and real files: export, update, filter, review, re-edit, locks."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from u2studio.core.dataset import Dataset
from u2studio.core.document import DocStatus
from u2studio.core.imageio import load_image, load_mask, save_png
from u2studio.core.synthetic import scene

from tests.gui.edit_helpers import correct_box

pytestmark = pytest.mark.gui


def _notes(window, level: str) -> list[str]:  # noqa: ANN001
    return [n.text for n in window.notes.history if n.level.value == level]


def _export(window, qtbot, action: str = "export"):  # noqa: ANN001, ANN202
    """Trigger an export action and wait for the worker thread's answer."""
    with qtbot.waitSignal(window.dataset.session.exported, timeout=30_000) as blocker:
        window.dataset.actions[action].trigger()
    return blocker.args[0]


def _filled_dataset(tmp_path: Path) -> Dataset:
    """Four pairs written by the core: two corrected (with predictions), one approved import, one rejected."""
    ds = Dataset.create(tmp_path / "filled", val_ratio=0.5)
    for seed in range(4):
        rgb, mask = scene(96, 72, seed=seed)
        path = save_png(tmp_path / "src" / f"shot{seed}.png", rgb)
        prediction = np.roll(mask, 6 * seed, axis=1) if seed < 2 else None
        ds.add(path, mask, prediction=prediction, model="u2netp" if seed < 2 else "", annotator="test")
    ds.set_state("shot2", "approved")
    ds.set_state("shot3", "rejected")
    return ds


def test_export_from_the_studio_adds_then_updates_with_a_backup(  # noqa: PLR0915
    window, qtbot, scene_files, tmp_path: Path, bundled_weights: Path  # noqa: ANN001
) -> None:
    image, _, _ = scene_files
    session, panel = window.dataset.session, window.dataset.panel
    assert session.create(tmp_path / "ds", 0.0)
    panel.annotator.setText("ana")
    c = window.controller
    window.open_paths([str(image)])
    with qtbot.waitSignal(c.client.result, timeout=60_000):
        c.run_current()
    doc = c.doc
    predicted = doc.mask.copy()
    correct_box(window, (10, 10, 90, 60))  # a correction: paint a block in
    assert doc.status is DocStatus.EDITED

    report = _export(window, qtbot)
    assert report.error is None and [o.action for o in report.outcomes] == ["added"]
    assert any(t.startswith("Added scene.png") for t in _notes(window, "info"))
    assert doc.status is DocStatus.EXPORTED
    assert window.editing.edits.unsaved() == []  # exported work no longer asks on close
    ds = Dataset.open(tmp_path / "ds")
    assert ds.check() == []
    (rec,) = ds.records()
    assert (rec.stem, rec.state, rec.split, rec.annotator, rec.model) == ("scene", "corrected", "train", "ana", "u2netp")
    assert rec.source == str(image.resolve())
    assert rec.checkpoint_sha256 == hashlib.sha256(bundled_weights.read_bytes()).hexdigest()
    assert np.array_equal(load_mask(ds.mask_path(rec)), doc.mask)
    assert load_image(ds.image_path(rec)).rgb.shape == (240, 320, 3)
    changed = np.count_nonzero((predicted >= 128) != (doc.mask >= 128)) / doc.mask.size
    assert rec.correction.changed == pytest.approx(changed, abs=1e-5) and changed > 0.01
    assert rec.correction.iou is not None and rec.correction.iou < 1.0
    assert rec.correction.relax_f is not None
    assert panel.visible_stems() == ["scene"]
    assert panel.stats.values["count"].text() == "1"

    first = doc.mask.copy()
    correct_box(window, (200, 100, 260, 140), None)  # a second correction: flip a block
    report = _export(window, qtbot, "export_all")
    assert [o.action for o in report.outcomes] == ["updated"]
    assert any(t.startswith("Updated scene") for t in _notes(window, "info"))
    ds = Dataset.open(tmp_path / "ds")
    assert ds.check() == []
    (rec,) = ds.records()
    assert rec.revision == 2 and len(rec.backups) == 1
    backup = load_mask(ds.root / rec.backups[0])
    assert np.array_equal(backup, first)  # the first export's mask is kept
    assert np.array_equal(load_mask(ds.mask_path(rec)), doc.mask)
    assert not _notes(window, "error")
    c.documents_changed.emit()
    panel.open_stem("scene")  # the original is open with the dataset's mask: it is re-edited in place
    assert c.documents == [doc] and c.doc is doc


def test_filter_by_state_and_split_and_sort_by_iou(window, qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    ds = _filled_dataset(tmp_path)
    panel = window.dataset.panel
    assert window.dataset.session.open(ds.root)
    assert sorted(panel.visible_stems()) == ["shot0", "shot1", "shot2", "shot3"]
    assert panel.model.thumbnail_count() == 0  # nothing made while the dock is behind the View tab
    window.dataset.show_panel()
    panel.set_filter(state="approved")
    assert panel.visible_stems() == ["shot2"]
    assert panel.count.text() == "1 of 4"
    panel.set_filter(state="corrected")
    assert sorted(panel.visible_stems()) == ["shot0", "shot1"]
    splits = {r.stem: r.split for r in ds.records()}
    for split in ("train", "val"):
        panel.set_filter(split=split)
        assert sorted(panel.visible_stems()) == sorted(s for s, v in splits.items() if v == split)
    panel.set_filter(state="rejected", split="train" if splits["shot3"] == "val" else "val")
    assert panel.visible_stems() == []
    assert panel.stack.currentWidget() is panel.placeholder and "No pairs match" in panel.placeholder.text()
    panel.set_filter()
    from PySide6.QtCore import Qt

    panel.table.sortByColumn(3, Qt.SortOrder.AscendingOrder)
    assert panel.visible_stems()[0] == "shot1"  # the worse prediction (shifted by 6 px) comes first
    worst = panel.stats.worst
    assert [worst.topLevelItem(i).text(0) for i in range(worst.topLevelItemCount())] == ["shot1", "shot0"]
    qtbot.waitUntil(lambda: panel.model.thumbnail_count() == 4, timeout=5000)  # made lazily, off the UI thread


def test_approve_and_reject_change_the_manifest(window, qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    ds = _filled_dataset(tmp_path)
    session, panel = window.dataset.session, window.dataset.panel
    assert session.open(ds.root)
    assert not panel.approve_button.isEnabled()
    assert panel.select_stem("shot0")
    assert panel.approve_button.isEnabled()
    with qtbot.waitSignal(session.state_changed, timeout=10_000):
        window.dataset.actions["approve"].trigger()
    assert Dataset.open(ds.root).get("shot0").state == "approved"
    assert panel.selected_stem() == "shot0"  # the refresh keeps the selection
    with qtbot.waitSignal(session.state_changed, timeout=10_000):
        panel.reject_button.click()
    assert Dataset.open(ds.root).get("shot0").state == "rejected"
    assert panel.stats.values["state"].text() == "1 / 1 / 2"


def test_open_a_pair_to_re_edit_and_export_it_again(window, qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    ds = _filled_dataset(tmp_path)
    session, panel = window.dataset.session, window.dataset.panel
    assert session.open(ds.root)
    before = ds.get("shot1")
    worst = panel.stats.worst.topLevelItem(0)
    assert worst.text(0) == "shot1"
    panel.stats.worst.itemClicked.emit(worst, 0)  # the worst image is clickable and opens the pair
    assert panel.selected_stem() == "shot1"
    doc = window.controller.doc
    assert doc is not None and doc.path == ds.image_path(before)
    assert np.array_equal(doc.rgb, load_image(ds.image_path(before)).rgb)
    assert np.array_equal(doc.mask, load_mask(ds.mask_path(before)))
    assert window.canvas.layer_visible("overlay")
    correct_box(window, (0, 0, 20, 20))
    report = _export(window, qtbot)
    assert [o.action for o in report.outcomes] == ["updated"]
    after = Dataset.open(ds.root).get("shot1")
    assert after.revision == before.revision + 1 and after.source == before.source and after.model == "u2netp"
    assert np.array_equal(load_mask(ds.mask_path(after)), doc.mask)
    assert Dataset.open(ds.root).check() == []
    panel.open_stem("shot1")  # opening it again selects the open document instead of a second copy
    assert sum(d.path == doc.path for d in window.controller.documents) == 1


def test_a_locked_dataset_gives_a_notification_not_a_crash(window, qtbot, scene_files, tmp_path: Path) -> None:  # noqa: ANN001
    from u2studio.core.dataset.lock import DatasetLock

    image, reference, _ = scene_files
    session = window.dataset.session
    session.lock_timeout = 0.3
    assert session.create(tmp_path / "locked", 0.1)
    window.open_paths([str(image)])
    doc = window.controller.doc
    doc.mask = load_mask(reference)  # a mask without running the model
    with DatasetLock(tmp_path / "locked" / ".lock", timeout=1.0):
        report = _export(window, qtbot)
    assert report.outcomes == [] and "locked" in (report.error or "")
    errors = _notes(window, "error")
    assert errors and "locked by another program" in errors[-1]
    assert any("locked" in t for t in window.toasts.visible_texts())
    assert Dataset.open(tmp_path / "locked").records() == []
    report = _export(window, qtbot)  # the lock is free again: the same export now works
    assert [o.action for o in report.outcomes] == ["added"]


def test_a_damaged_manifest_is_reported_and_no_export_happens_without_a_dataset(window, tmp_path: Path) -> None:  # noqa: ANN001
    session = window.dataset.session
    window.dataset.actions["export"].trigger()
    assert "Choose a dataset first" in _notes(window, "warning")[-1]
    ds = Dataset.create(tmp_path / "bad")
    (ds.root / "manifest.jsonl").write_text("{not json\n")
    assert not session.open(ds.root)
    assert "damaged" in _notes(window, "error")[-1]
    assert window.dataset.panel.placeholder.text().startswith("No dataset open")


def test_recent_datasets_and_the_annotator_persist(window, qtbot, tmp_path: Path, bundled_weights: Path) -> None:  # noqa: ANN001
    from u2studio.gui.shell.main_window import MainWindow

    ds = _filled_dataset(tmp_path)
    window.dataset.session.open(ds.root)
    window.dataset.panel.annotator.setText("bo")
    window.close()
    again = MainWindow()
    qtbot.addWidget(again)
    try:
        assert again.dataset.session.ds is not None and again.dataset.session.ds.root.resolve() == ds.root.resolve()
        assert again.dataset.panel.annotator.text() == "bo"
        assert again.dataset.panel.picker.currentData() == str(ds.root.resolve())
    finally:
        again.close()


def test_a_full_disk_and_other_os_errors_read_as_sentences() -> None:
    import errno

    from u2studio.gui.dataset.jobs import describe_error

    assert describe_error(OSError(errno.ENOSPC, "No space left on device")) == "the disk is full; nothing was written"
    assert describe_error(PermissionError(errno.EACCES, "Permission denied", "/x/gt")) == "cannot write: Permission denied (/x/gt)"
