"""How smooth the canvas is on a 24-megapixel image: time per zoom step (with repaint) and per layer rebuild
(first show and toggle wait until the pictures built off the UI thread are on the canvas; the UI stays free
meanwhile, see bench_session.py for the stalls).

    xvfb-run -a -s "-screen 0 1600x1000x24" python bench/bench_canvas.py [--width 6000 --height 4000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np


def main() -> int:
    """Open a large generated document with a mask, then zoom and repaint, timing each step."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--width", type=int, default=6000)
    parser.add_argument("--height", type=int, default=4000)
    args = parser.parse_args()

    from PySide6.QtCore import QPointF

    from u2studio.core.document import ImageDocument
    from u2studio.core.synthetic import scene
    from u2studio.gui.app import application
    from u2studio.gui.canvas.canvas import Canvas
    from u2studio.gui.canvas.overlay_presenter import OverlayPresenter
    from u2studio.gui.canvas.view_options import ViewOptions

    app = application()
    rgb, mask = scene(args.width, args.height)
    doc = ImageDocument(Path("big.png"), rgb=rgb)
    canvas = Canvas()
    canvas.resize(1200, 800)
    canvas.show()
    presenter = OverlayPresenter(canvas)
    begin = time.perf_counter()
    presenter.show_document(doc)
    doc.set_prediction(mask.astype(np.float32) / 255.0, (), (), 0.5)

    def settle() -> None:  # large pictures are built on a pool thread: wait until they are on the canvas
        app.processEvents()
        while presenter.jobs.busy:
            app.processEvents()
            time.sleep(0.005)

    settle()
    first = time.perf_counter() - begin
    begin = time.perf_counter()
    presenter.set_options(ViewOptions(relaxed=False, contour=True))
    settle()
    toggles = time.perf_counter() - begin

    steps = []
    anchor = QPointF(600, 400)
    for direction in [1] * 14 + [-1] * 14:
        begin = time.perf_counter()
        canvas.zoom_by(direction, anchor)
        canvas.viewport().repaint()
        steps.append((time.perf_counter() - begin) * 1000)
    begin = time.perf_counter()
    doc.mask[100:300, 100:300] = 255
    doc.mask_changed((100, 100, 300, 300))
    region = (time.perf_counter() - begin) * 1000
    print(f"{args.width}x{args.height}: first show with tint {first:.2f} s, contour toggle {toggles:.2f} s; "
          f"zoom step + repaint median {statistics.median(steps):.1f} ms, max {max(steps):.1f} ms; "
          f"200x200 region update {region:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
