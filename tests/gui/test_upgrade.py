"""Upgrades: a data folder written by the previous release (before the house renames) keeps working.

The fixture (tests/fixtures/upgrade-0.1, made by its make_fixture.py with that release's code) holds the
studio's QSettings INI and the installed models' metadata as that release wrote them.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from u2studio.models.checkpoint import save_weights
from u2studio.models.registry import create_model
from u2studio.models.store import list_models, resolve_model

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "upgrade-0.1"


@pytest.fixture
def old_data_dir() -> Path:
    """The isolated user-data folder filled as the previous release left it."""
    data = Path(os.environ["U2STUDIO_DATA_DIR"])
    shutil.copy(FIXTURE / "studio.ini", data / "studio.ini")
    for meta_file in sorted((FIXTURE / "models").glob("*.json")):
        metadata = json.loads(meta_file.read_text(encoding="utf-8"))
        save_weights(data / "models" / f"{meta_file.stem}.safetensors", create_model(metadata["arch"]).state_dict(), metadata)
    return data


@pytest.mark.slow
def test_models_installed_by_the_previous_release_load(old_data_dir: Path, bundled_weights: Path) -> None:
    entries = {e.name: e for e in list_models()}
    assert entries["u2netp"].source == "bundled"
    assert entries["my-model"].arch == "u2netp"
    assert entries["my-model"].origin == "imported from /tmp/oldrel-src/my-model.pth"
    assert entries["isnet-general-use"].arch == "isnet"
    # the old release installed isnet-general-use.pth under its stem; `--model isnet` finds it
    assert resolve_model("isnet").path == old_data_dir / "models" / "isnet-general-use.safetensors"
    from u2studio.inference.predictor import Predictor

    mask = Predictor("my-model", device="cpu").predict(np.full((48, 64, 3), 90, np.uint8))
    assert mask.shape == (48, 64)


def test_settings_written_by_the_previous_release_load(old_data_dir: Path, qtbot, bundled_weights: Path) -> None:  # noqa: ANN001
    from PySide6.QtWidgets import QDockWidget

    from u2studio.gui.dataset.prefs import annotator, default_val_ratio, recent_datasets
    from u2studio.gui.shell.main_window import MainWindow
    from u2studio.gui.shell.settings import recent_files

    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    try:
        assert win.controller.model == "my-model"
        assert recent_files(win.settings) == ["/photos/shoe.png", "/photos/bag.png"]
        assert recent_datasets(win.settings) == ["/datasets/shoes"]
        assert annotator(win.settings) == "Ada"
        assert default_val_ratio(win.settings) == pytest.approx(0.2)
        view = win.findChild(QDockWidget, "view")
        assert {"fine-tune", "dataset"} <= {d.objectName() for d in win.tabifiedDockWidgets(view)}
    finally:
        win.close()
