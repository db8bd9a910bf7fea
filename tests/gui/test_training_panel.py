"""Fine-tuning from the studio: a real training child through the Fine-tune dialog, cancelling, crashes, the review."""

from __future__ import annotations

from pathlib import Path

import pytest

from u2studio.core.imageio import save_png
from u2studio.core.paths import models_dir
from u2studio.core.synthetic import scene

from tests.gui.fine_tune_helpers import picker_tooltip


def make_dataset(root: Path, count: int = 6) -> Path:
    """A tiny plain dataset of generated scenes (im/ + gt/)."""
    for index in range(count):
        rgb, mask = scene(96, 72, seed=100 + index)
        save_png(root / "im" / f"s{index}.png", rgb)
        save_png(root / "gt" / f"s{index}.png", mask)
    return root


def start_via_dialog(panel, dataset: Path, name: str, epochs: int = 1, batch: int = 2) -> None:  # noqa: ANN001
    """Open the Fine-tune dialog on ``dataset``, set a tiny run and press Start (as a user would)."""
    from PySide6.QtWidgets import QDialogButtonBox

    panel.size_override = (64, 56)
    dialog = panel.open_dialog(str(dataset))
    assert dialog is not None and dialog.dataset.text() == str(dataset)
    dialog.unit.setCurrentText("epochs")
    dialog.length.setValue(epochs)
    dialog.batch_size.setValue(batch)
    dialog.device.setCurrentText("cpu")
    dialog.name.setText(name)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def test_a_trainer_crash_is_a_message_not_a_studio_crash(window, qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    panel = window.training
    empty = tmp_path / "empty"
    empty.mkdir()
    messages: list[tuple[str, bool]] = []
    panel.message.connect(lambda text, bad: messages.append((text, bad)))
    with qtbot.waitSignal(panel.process.finished, timeout=120_000) as done:
        start_via_dialog(panel, empty, "never")
    ok, text = done.args
    assert not ok and text.startswith("training failed")
    assert messages and messages[-1][1] is True
    assert window.isVisible() and not panel.process.running
    assert not panel.results.isVisible() and not (models_dir() / "never.safetensors").exists()


def test_cancel_stops_the_child(window, qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    panel = window.training
    with qtbot.waitSignal(panel.process.finished, timeout=60_000) as done:
        start_via_dialog(panel, make_dataset(tmp_path / "ds", 8), "cancelled", epochs=50)
        qtbot.wait(1500)
        panel.cancel_button.click()
    assert done.args == [False, "training cancelled"]
    assert not panel.process.running and panel.start_button.isEnabled()
    assert not (models_dir() / "cancelled.safetensors").exists()


@pytest.mark.slow
def test_the_loop_dataset_to_dialog_to_before_after_to_picker(window, qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    """A u2studio dataset fine-tunes from the Dataset menu through the dialog in a real training child;
    the review shows the numbers of the run's best.json, and only an accepted model can be installed."""
    import json

    from PySide6.QtWidgets import QDialogButtonBox

    from u2studio.core.dataset import Dataset

    ds = Dataset.create(tmp_path / "curated", val_ratio=0.34)
    for index in range(8):
        rgb, mask = scene(96, 72, seed=200 + index)
        ds.add(rgb, mask, source=f"gen-{index}.png", annotator="test")
    assert window.dataset.session.open(ds.root)
    others = [save_png(tmp_path / "others" / f"o{i}.png", scene(80, 60, seed=300 + i)[0]) for i in range(2)]
    window.open_paths([str(p) for p in others])  # the session's other images: offered for distillation
    panel = window.training
    panel.size_override = (64, 56)
    losses: list[float] = []
    panel.process.step.connect(lambda _e, _s, loss: losses.append(loss))
    shown: list[str] = []  # the progress bar after each step: it names the training it counts
    panel.process.step.connect(lambda *_: shown.append(panel.progress.format()))
    assert window.dataset.fine_tune()
    dialog = panel.dialog
    assert dialog.dataset.text() == str(ds.root)
    assert dialog.offers_others and dialog.use_others.isChecked() and "2 other open images" in dialog.use_others.text()
    dialog.unit.setCurrentText("steps")
    dialog.length.setValue(4)
    dialog.batch_size.setValue(2)
    dialog.device.setCurrentText("cpu")
    dialog.name.setText("from-dataset")
    with qtbot.waitSignal(panel.process.finished, timeout=300_000) as done:
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        assert not panel.start_button.isEnabled() and panel.cancel_button.isEnabled()
    assert done.args[0] is True, done.args
    assert losses and panel.plot.values == losses
    assert shown[0].startswith("fold 1/") and " · step 1/" in shown[0], shown
    assert any(text.startswith("fold 2/") for text in shown), shown
    report = json.loads((panel.run_dir / "best.json").read_text())  # written by the trainer's guard
    view = panel.results
    assert view.isVisible() and panel.report is not None
    rows = {view.table.verticalHeaderItem(r).text(): r for r in range(view.table.rowCount())}
    for name, row in rows.items():
        assert view.table.item(row, 0).text() == f"{report['before'][name]:.3f}"
        assert view.table.item(row, 1).text() == f"{report['after'][name]:.3f}"
        assert view.table.item(row, 3).text() == str(report["n_val"])
    assert {"IoU", "maxF", "relaxF", "MAE"} <= set(rows)
    assert f"trained on {report['n_train']} pairs" in view.counts.text()
    assert report["protocol"]["folds"] == 2 and "cross-validated over 2 folds" in view.counts.text()
    assert view.thumbnail_count() == 3 * len(report["heldout"]) > 0
    assert report["n_unlabeled"] == 2  # the trainer distilled on the two other open images
    if report["accepted"]:
        assert view.install_button.isEnabled()
        with qtbot.waitSignal(panel.model_installed, timeout=10_000) as installed:
            view.install_button.click()
        assert installed.args[0] == "from-dataset"
        qtbot.waitUntil(lambda: "Fine-tuned on" in picker_tooltip(window, "from-dataset"), timeout=60_000)
        assert str(ds.root) in picker_tooltip(window, "from-dataset")
    else:
        assert not view.install_button.isEnabled() and "Declined by the guard" in view.verdict.text()
        qtbot.wait(200)
        assert not (models_dir() / "from-dataset.safetensors").exists()


def test_a_layout_saved_by_an_older_version_is_ignored(qtbot, bundled_weights: Path) -> None:  # noqa: ANN001
    """Docks added since the layout was saved still come up tabbed beside View, not squeezed by old geometry."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QDockWidget

    from u2studio.gui.shell.main_window import MainWindow
    from u2studio.gui.shell.settings import open_settings

    first = MainWindow()
    qtbot.addWidget(first)
    first.show()
    docks = {d.objectName(): d for d in first.findChildren(QDockWidget)}
    # an older release stacked its docks instead of tabbing them
    for name in ("fine-tune", "dataset"):
        first.removeDockWidget(docks[name])
        first.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, docks[name], Qt.Orientation.Vertical)
        docks[name].show()
    qtbot.wait(50)
    assert "fine-tune" not in {d.objectName() for d in first.tabifiedDockWidgets(docks["view"])}
    old_state = first.saveState()  # the previous release saved without a version (0)
    first.close()
    settings = open_settings()
    settings.setValue("window_state", old_state)
    settings.sync()
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    view = win.findChild(QDockWidget, "view")
    tabbed = {d.objectName() for d in win.tabifiedDockWidgets(view)}
    assert {"fine-tune", "dataset"} <= tabbed
    win.close()
