"""Fixtures for the studio tests: a real main window on the offscreen platform, and generated images."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from u2studio.core.imageio import save_png
from u2studio.core.synthetic import scene

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")


@pytest.fixture
def window(qtbot, bundled_weights: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:  # noqa: ANN001
    """The studio's main window, closed (worker thread stopped) after the test.

    Closing with unsaved corrections would ask Save / Discard / Cancel in a modal box: unless a
    test answers itself, the answer is Discard.
    """
    from PySide6.QtWidgets import QMessageBox

    from u2studio.gui.shell.main_window import MainWindow

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)

    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


@pytest.fixture
def scene_files(tmp_path: Path) -> tuple[Path, Path, np.ndarray]:
    """A generated 320×240 scene and its true mask on disk, plus the mask array."""
    rgb, mask = scene(320, 240, seed=3)
    image = save_png(tmp_path / "scene.png", rgb)
    reference = save_png(tmp_path / "scene_gt.png", mask)
    return image, reference, mask


def pytest_collection_modifyitems(items: list) -> None:
    """Every test under tests/gui drives real Qt widgets: mark it ``gui``."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker("gui")
