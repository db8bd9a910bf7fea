"""Quitting the studio ends the process cleanly, also after a cutout was copied to the clipboard."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.gui
ROOT = Path(__file__).resolve().parents[2]

# the studio's own entry point (``run``), driven by timers: run the model, copy the cutout, close the window
SCRIPT = """
import sys
from PySide6.QtCore import QTimer
from u2studio.gui import app as studio

studio.application()
state = {}

def drive():
    window = next(w for w in studio.QApplication.topLevelWidgets() if w.__class__.__name__ == "MainWindow")
    controller = window.controller
    controller.prediction_arrived.connect(lambda doc: print("copy", window.copy_cutout(), flush=True))
    controller.cutout_copied.connect(lambda png: QTimer.singleShot(200, window.close))
    controller.cutout_copied.connect(lambda png: print("copied", len(png), flush=True))
    print("run", controller.run_all(), flush=True)

QTimer.singleShot(500, drive)
QTimer.singleShot(90_000, studio.QApplication.quit)
code = studio.run(sys.argv[1:])
print("returned", code, flush=True)
sys.exit(code)
"""


def test_quitting_after_copying_a_cutout_exits_with_status_0(tmp_path: Path) -> None:
    photo = tmp_path / "photo.png"
    yy, xx = np.mgrid[0:240, 0:320]
    disc = ((yy - 120) ** 2 + (xx - 160) ** 2 < 70**2)[..., None]
    Image.fromarray(np.where(disc, [200, 60, 40], [30, 90, 160]).astype(np.uint8)).save(photo)
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen", U2STUDIO_DATA_DIR=str(tmp_path / "data"),
               XDG_CONFIG_HOME=str(tmp_path / "config"))
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(photo)], env=env, capture_output=True, text=True,
                         timeout=180)
    assert "copy True" in out.stdout and "copied" in out.stdout, out.stdout + out.stderr[-2000:]
    assert "returned 0" in out.stdout, out.stdout + out.stderr[-2000:]
    assert out.returncode == 0, f"exit status {out.returncode} (-11 is the crash on quit)\n{out.stderr[-2000:]}"
