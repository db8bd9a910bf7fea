"""Run by test_layout in a subprocess, twice, to restart the real studio with the same settings file.

Usage: python layout_driver.py save WIDTH HEIGHT LEFT RIGHT   (lay the window out like that, then close it)
       python layout_driver.py load                           (start again and print the layout as JSON)
"""

from __future__ import annotations

import json
import sys

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QDockWidget


def settle(ms: int) -> None:
    """Run the event loop for ``ms`` milliseconds."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def main() -> int:
    """Save or report the layout."""
    from u2studio.gui.app import create_window

    window = create_window([])
    settle(300)
    images, view = window.findChild(QDockWidget, "images"), window.findChild(QDockWidget, "view")
    if sys.argv[1] == "save":
        width, height, left, right = (int(v) for v in sys.argv[2:6])
        window.resize(width, height)
        settle(200)
        window.resizeDocks([images, view], [left, right], Qt.Orientation.Horizontal)
        settle(200)
    report = {"window": [window.width(), window.height()], "images": images.width(), "view": view.width(),
              "canvas": window.canvas.width(), "filmstrip_hscroll": window.files.horizontalScrollBar().isVisible()}
    print(json.dumps(report), flush=True)
    window.close()
    settle(100)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
