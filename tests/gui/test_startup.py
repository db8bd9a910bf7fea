"""The window appears before torch is imported, and a CPU-only studio with a cached export never imports it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from u2studio.inference.hardware import accelerator_possible

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
    # listing models and devices needs torch only where a GPU could be present
    assert f"torch later {accelerator_possible()}" in out.stdout, out.stdout


RUN = """
import sys
import numpy as np
from PySide6.QtCore import QEventLoop, QTimer
from u2studio.gui.app import create_window
window = create_window([])
loop = QEventLoop()
window.controller.prediction_arrived.connect(lambda doc: loop.quit())
QTimer.singleShot(0, lambda: window.open_paths([sys.argv[1]]))
QTimer.singleShot(500, lambda: print("run", window.controller.run_current(), flush=True))
QTimer.singleShot(120_000, loop.quit)
loop.exec()
doc = window.controller.doc
print("mask", doc.mask is not None and int(doc.mask.max()))
print("torch after a run", "torch" in sys.modules)
print("worker", [type(p).__name__ for p in window.controller.client.worker._predictors.values()])
window.close()
"""


@pytest.mark.skipif(accelerator_possible(), reason="a machine where a GPU could be present opens torch for it")
def test_a_cpu_studio_with_the_export_cached_runs_the_model_without_importing_torch(tmp_path: Path) -> None:
    photo = tmp_path / "photo.png"
    yy, xx = np.mgrid[0:240, 0:320]
    Image.fromarray(np.where(((yy - 120) ** 2 + (xx - 160) ** 2 < 70**2)[..., None], [210, 60, 40], [40, 90, 150])
                    .astype(np.uint8)).save(photo)
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen", U2STUDIO_DATA_DIR=str(tmp_path / "data"))
    first = subprocess.run([sys.executable, "-c", RUN, str(photo)], env=env, capture_output=True, text=True, timeout=180)
    # the first run ever has no export: torch opens the model and makes it
    assert "torch after a run True" in first.stdout and "'Predictor'" in first.stdout, first.stdout + first.stderr[-1500:]
    again = subprocess.run([sys.executable, "-c", RUN, str(photo)], env=env, capture_output=True, text=True, timeout=180)
    assert "torch after a run False" in again.stdout and "'CachedPredictor'" in again.stdout, again.stdout + again.stderr[-1500:]
    assert first.stdout.split("mask ")[1].split()[0] == again.stdout.split("mask ")[1].split()[0] == "255"


FROZEN = """
import gc
from PySide6.QtCore import QEventLoop, QTimer
from u2studio.gui.app import create_window
window = create_window([])
loop = QEventLoop()
window.controller.client.catalog.connect(lambda catalog: QTimer.singleShot(0, loop.quit))
QTimer.singleShot(60_000, loop.quit)
loop.exec()
import time
begin = time.perf_counter()
gc.collect()
print("frozen", gc.get_freeze_count(), "tracked", len(gc.get_objects()), "full collection ms", (time.perf_counter() - begin) * 1000)
window.close()
"""


def test_the_long_lived_objects_are_out_of_the_collectors_walks(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen", U2STUDIO_DATA_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", FROZEN], env=env, capture_output=True, text=True, timeout=120, check=True)
    words = out.stdout.split()
    frozen, tracked = int(words[words.index("frozen") + 1]), int(words[words.index("tracked") + 1])
    # a full collection walks only what was made after the catalog: a few thousand objects, not ~90 000
    assert frozen > 50_000 and tracked < frozen // 5, out.stdout
