"""Time from process start to the studio's first window on screen (goal: under 1.5 s).

Each run is a fresh interpreter; the window reports when its first paint event
has happened, measured from just before the interpreter started.
    python bench/bench_startup.py [--runs 5]
Run it under a display (xvfb-run -a) or with QT_QPA_PLATFORM=offscreen.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from u2studio.gui.app import application, create_window

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print(f"shown {time.time():.6f} torch={'torch' in sys.modules}", flush=True)
            QTimer.singleShot(0, application().quit)
            obj.removeEventFilter(self)
        return False

app = application()
window = create_window([])
watch = FirstPaint()
window.installEventFilter(watch)
app.exec()
window.close()
"""


def one_run(data_dir: str) -> tuple[float, bool]:
    """Seconds from launching Python to the window's first paint, and whether torch was loaded by then."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), U2STUDIO_DATA_DIR=data_dir)
    begin = time.time()
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=120, check=True)
    line = next(x for x in out.stdout.splitlines() if x.startswith("shown "))
    stamp, torch_flag = line.split()[1:3]
    return float(stamp) - begin, torch_flag.endswith("True")


def main() -> int:
    """Run the measurement several times and print the median."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        one_run(data_dir)  # warm the file cache
        results = [one_run(data_dir) for _ in range(args.runs)]
    times = [t for t, _ in results]
    print(f"time to first window: median {statistics.median(times):.3f} s, min {min(times):.3f} s, "
          f"max {max(times):.3f} s over {args.runs} runs; torch imported before the window: {any(f for _, f in results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
