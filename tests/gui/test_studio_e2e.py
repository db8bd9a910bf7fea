"""End to end: open a generated image, run the real bundled model through the worker, view, save."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from u2studio.core.document import DocStatus
from u2studio.core.imageio import load_image, load_mask
from u2studio.core.mask_metrics import iou

pytestmark = pytest.mark.gui


def test_open_run_toggle_every_overlay_and_save(window, qtbot, scene_files, tmp_path: Path) -> None:  # noqa: ANN001
    from u2studio.gui.canvas.view_options import ViewMode

    image, reference, true_mask = scene_files
    c = window.controller
    window.open_paths([str(image)])
    doc = c.doc
    assert doc is not None and doc.rgb is not None and doc.rgb.shape == (240, 320, 3)
    assert window.canvas.layer_visible("base")

    with qtbot.waitSignal(c.client.result, timeout=60_000) as blocker:
        c.run_current()
    assert blocker.args[0].doc_key == str(image)
    assert doc.status is DocStatus.PREDICTED
    assert doc.mask is not None and doc.mask.dtype == np.uint8 and doc.mask.shape == (240, 320)
    assert iou(doc.mask, true_mask) > 0.6, "the bundled model should find the ball and the cube (0.76 measured)"
    assert len(doc.sides) == len(doc.side_names) >= 6
    assert "last run" in window.status.time_label.text()

    a = window.actions_
    for mode in ViewMode:
        a.by_mode[mode].trigger()
        assert c.presenter.options.mode is mode
        shown = window.canvas.layer_visible("overlay")
        assert shown == (mode is not ViewMode.IMAGE), mode
        assert window.canvas.layer_visible("base") == (mode in (ViewMode.IMAGE, ViewMode.TINT)), mode
    assert window.canvas.layer_visible("contour")  # on by default
    a["contour"].trigger()
    assert not window.canvas.layer_visible("contour")
    a["contour"].trigger()
    assert window.canvas.layer_visible("contour")
    a["relaxed"].trigger()
    assert window.canvas.layer_visible("relaxed")  # prediction vs current mask needs no reference

    assert c.load_reference(str(reference))
    assert c.presenter.options.compare.name == "PRED_VS_GT"  # switched to the reference on load
    # the panel greys numbers that are being recomputed: wait for fresh ones (the prediction-vs-mask result
    # computed before the reference loaded could otherwise still be on screen)
    qtbot.waitUntil(lambda: window.metrics.labels["IoU"].text() != "—" and window.metrics.labels["IoU"].isEnabled()
                    and window.metrics.caption.text() == "Prediction vs reference", timeout=5000)
    shown_iou = float(window.metrics.labels["IoU"].text())
    assert shown_iou == pytest.approx(iou(doc.prediction, true_mask), abs=1e-4)

    window.view_panel.soft.setChecked(True)
    assert 0 < np.count_nonzero((doc.mask > 0) & (doc.mask < 255))
    window.view_panel.soft.setChecked(False)
    assert set(np.unique(doc.mask)) <= {0, 255}

    mask_path = c.save_mask(tmp_path / "out" / "scene_mask.png")
    assert mask_path is not None
    np.testing.assert_array_equal(load_mask(mask_path), doc.mask)
    window.cutout_panel.edges.setCurrentIndex(window.cutout_panel.edges.findData("hard"))
    with qtbot.waitSignal(c.cutout_saved, timeout=30_000) as saved:
        assert c.save_cutout(tmp_path / "out" / "scene_cutout.png") is not None
    cutout = load_image(saved.args[0])
    assert cutout.alpha is not None
    np.testing.assert_array_equal(cutout.alpha > 127, doc.mask > 127)  # hard edges: the mask's own outline
    assert doc.status is DocStatus.SAVED
    with qtbot.waitSignal(c.cutout_copied, timeout=30_000):
        assert window.copy_cutout()


def test_a_corrupt_file_shows_an_error_notification_and_the_studio_goes_on(window, scene_files, tmp_path: Path) -> None:  # noqa: ANN001
    from u2studio.gui.common.notifications import Level

    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n this is not really a png")
    image, _, _ = scene_files
    window.open_paths([str(broken), str(image)])
    c = window.controller
    errors = [n for n in window.notes.history if n.level is Level.ERROR]
    assert errors and "broken.png" in errors[-1].text
    assert any("broken.png" in text for text in window.toasts.visible_texts())
    assert window.toasts.column.isVisible() and window.toasts.column.height() > 20
    assert c.documents[0].status is DocStatus.FAILED
    c.step(1)
    assert c.doc is not None and c.doc.rgb is not None  # the next image still opens


def test_run_all_reports_progress_and_predicts_every_image(window, qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    from u2studio.core.imageio import save_png
    from u2studio.core.synthetic import scene

    for seed in range(3):
        save_png(tmp_path / "batch" / f"s{seed}.png", scene(160, 120, seed=seed)[0])
    window.open_paths([str(tmp_path / "batch")])
    c = window.controller
    assert len(c.documents) == 3
    assert c.documents[2].rgb is None  # not shown yet: the worker will read it
    seen: list[tuple[int, int]] = []
    c.client.progress.connect(lambda done, total: seen.append((done, total)))
    with qtbot.waitSignal(c.client.idle, timeout=90_000):
        c.run_all()
    assert seen[-1] == (3, 3)
    assert all(d.status is DocStatus.PREDICTED for d in c.documents)
    assert all(d.rgb is not None and d.prediction.shape == d.rgb.shape[:2] for d in c.documents)
    window.actions_["next"].trigger()
    assert c.current == 1
    assert c.doc.mask is not None and c.doc.mask.shape == c.doc.rgb.shape[:2]  # derived when shown


def test_a_worker_notice_such_as_a_cpu_fallback_becomes_a_warning_toast(window, qtbot) -> None:  # noqa: ANN001
    from u2studio.gui.common.notifications import Level

    window.controller.client.worker.notice.emit("CUDA ran out of memory; this image runs on the CPU instead")
    qtbot.waitUntil(lambda: any(n.level is Level.WARNING for n in window.notes.history), timeout=2000)
    assert "on the CPU" in window.notes.history[-1].text
