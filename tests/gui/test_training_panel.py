"""Fine-tuning from the studio: a real training child, its progress, cancelling, crashes, the new model in the picker."""

from __future__ import annotations

from pathlib import Path

import pytest

from u2studio.core.imageio import save_png
from u2studio.core.paths import models_dir
from u2studio.core.synthetic import scene


def make_dataset(root: Path, count: int = 6) -> Path:
    """A tiny plain dataset of generated scenes (im/ + gt/)."""
    for index in range(count):
        rgb, mask = scene(96, 72, seed=100 + index)
        save_png(root / "im" / f"s{index}.png", rgb)
        save_png(root / "gt" / f"s{index}.png", mask)
    return root


def configure(panel, dataset: Path, name: str, epochs: int = 1) -> None:  # noqa: ANN001
    panel.dataset.setText(str(dataset))
    panel.epochs.setValue(epochs)
    panel.name.setText(name)
    panel.size_override = (64, 56)
    panel.batch_size = 2


@pytest.mark.slow
def test_fine_tune_runs_shows_progress_and_installs_the_model(window, qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    panel = window.training
    configure(panel, make_dataset(tmp_path / "ds"), "tiny-run")
    losses: list[float] = []
    panel.process.step.connect(lambda _e, _s, loss: losses.append(loss))
    with qtbot.waitSignal(panel.model_installed, timeout=240_000) as installed:
        panel.start()
        assert not panel.start_button.isEnabled() and panel.cancel_button.isEnabled()
    name, path = installed.args
    assert name == "tiny-run" and Path(path) == models_dir() / "tiny-run.safetensors"
    assert Path(path).with_suffix(".json").is_file()
    assert losses and panel.plot.values == losses
    # the picker learns about it from the worker's catalog
    from PySide6.QtWidgets import QComboBox

    qtbot.waitUntil(lambda: any("tiny-run" in t for c in window.picker.findChildren(QComboBox)
                                for t in (c.itemText(i) for i in range(c.count()))), timeout=60_000)
    assert panel.start_button.isEnabled()


def test_a_trainer_crash_is_a_message_not_a_studio_crash(window, qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    panel = window.training
    empty = tmp_path / "empty"
    empty.mkdir()
    configure(panel, empty, "never")
    messages: list[tuple[str, bool]] = []
    panel.message.connect(lambda text, bad: messages.append((text, bad)))
    with qtbot.waitSignal(panel.process.finished, timeout=120_000) as done:
        panel.start()
    ok, text = done.args
    assert not ok and text.startswith("training failed")
    assert messages and messages[-1][1] is True
    assert window.isVisible() and not panel.process.running
    assert not (models_dir() / "never.safetensors").exists()


def test_cancel_stops_the_child(window, qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    panel = window.training
    configure(panel, make_dataset(tmp_path / "ds", 4), "cancelled", epochs=50)
    with qtbot.waitSignal(panel.process.finished, timeout=60_000) as done:
        panel.start()
        qtbot.wait(1500)
        panel.cancel_button.click()
    assert done.args == [False, "training cancelled"]
    assert not panel.process.running and panel.start_button.isEnabled()


def test_no_dataset_chosen_is_explained(window) -> None:  # noqa: ANN001
    messages: list[tuple[str, bool]] = []
    window.training.message.connect(lambda text, bad: messages.append((text, bad)))
    window.training.start()
    assert messages == [("choose a dataset folder first", True)]
    assert not window.training.process.running


@pytest.mark.slow
def test_the_loop_dataset_panel_to_fine_tune_to_model_picker(window, qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    """A u2studio dataset (manifest with splits) fine-tunes from the Dataset menu and the model comes back."""
    from u2studio.core.dataset import Dataset

    ds = Dataset.create(tmp_path / "curated", val_ratio=0.34)
    for index in range(6):
        rgb, mask = scene(96, 72, seed=200 + index)
        ds.add(rgb, mask, source=f"gen-{index}.png", annotator="test")
    assert window.dataset.session.open(ds.root)
    configure(window.training, tmp_path, "from-dataset")  # dataset path is replaced by the action
    with qtbot.waitSignal(window.training.model_installed, timeout=240_000) as installed:
        assert window.dataset.fine_tune()
    assert window.training.dataset.text() == str(ds.root)
    assert installed.args[0] == "from-dataset"
    assert (models_dir() / "from-dataset.safetensors").is_file()


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
