"""The window appears before torch is imported: the worker imports inference lazily."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.gui
ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
from u2studio.gui.app import application, create_window
window = create_window([])
print("visible", window.isVisible())
print("torch", "torch" in sys.modules)
print("models", any(m.startswith("u2studio.models") for m in sys.modules))
from PySide6.QtCore import QEventLoop, QTimer
loop = QEventLoop()
window.controller.client.catalog.connect(lambda catalog: loop.quit())
QTimer.singleShot(60_000, loop.quit)
loop.exec()
print("models listed", window.picker.models.count(), window.picker.models.itemText(0))
print("torch later", "torch" in sys.modules)
window.close()
"""


def test_the_main_window_shows_without_importing_torch(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen", U2STUDIO_DATA_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120, check=True)
    assert "visible True" in out.stdout
    assert "torch False" in out.stdout, out.stdout
    assert "models False" in out.stdout, out.stdout
    # the worker imported the inference code once the event loop ran, and listed the bundled model
    assert "models listed 1 u2netp" in out.stdout or "u2netp" in out.stdout.split("models listed")[1]
    assert "torch later True" in out.stdout
