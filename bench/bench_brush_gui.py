"""Brush latency in the real studio window on a 24-megapixel image: one dab through the canvas's mouse-event path
(scene mapping, tool input, MaskEditor, region repaint of tint, contour and the incremental relaxed zone) plus a
synchronous viewport repaint.

    QT_QPA_PLATFORM=offscreen python bench/bench_brush_gui.py [--width 6000 --height 4000 --size 80 --dabs 200]
(or under xvfb-run). Goal: median ≤ 16 ms per dab.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np


def main() -> int:
    """Open a large generated image with a prediction, show the relaxed zone, and time brush dabs at fit and at 100 %."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--width", type=int, default=6000)
    parser.add_argument("--height", type=int, default=4000)
    parser.add_argument("--size", type=float, default=80.0, help="brush diameter in image pixels")
    parser.add_argument("--dabs", type=int, default=200)
    args = parser.parse_args()

    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtTest import QTest

    from u2studio.core.document import ImageDocument
    from u2studio.core.synthetic import scene
    from u2studio.gui.app import create_window
    from u2studio.gui.editing.tools import Tool

    rgb, truth = scene(args.width, args.height)
    window = create_window([])
    window.resize(1600, 1000)
    c = window.controller
    doc = ImageDocument(Path("big.png").resolve(), rgb=rgb)
    c.documents.append(doc)
    c.documents_changed.emit()
    begin = time.perf_counter()
    c.select(0)
    doc.set_prediction(truth.astype(np.float32) / 255.0, (), (), 0.5)
    window.update_options(relaxed=True)
    window.editing.edits.set_settings(tool=Tool.BRUSH, size=args.size, hardness=0.8)
    window.editing.edits.session()  # the editor and its first full overlay are built when an image is opened for editing
    QTest.qWait(200)
    setup = time.perf_counter() - begin
    canvas = window.canvas
    viewport = canvas.viewport()
    results = {}
    for label, zoom in (("fit", None), ("100%", 1.0)):
        if zoom is None:
            canvas.fit()
        else:
            canvas.set_zoom(zoom)
            canvas.centerOn(QPointF(args.width / 2, args.height * 0.45))
        QTest.qWait(50)
        centre = canvas.mapToScene(viewport.rect().center())
        times = []
        span = 600.0 / canvas.zoom if zoom is None else 500.0
        xs = np.linspace(centre.x() - span / 2, centre.x() + span / 2, args.dabs)
        start = canvas.mapFromScene(QPointF(xs[0], centre.y()))
        QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
        for i, x in enumerate(xs[1:]):
            y = centre.y() + 40 * np.sin(i / 9)
            point = canvas.mapFromScene(QPointF(x, y))
            t0 = time.perf_counter()
            QTest.mouseMove(viewport, point)
            viewport.repaint()
            times.append((time.perf_counter() - t0) * 1000)
        QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
        results[label] = times
    print(f"{args.width}x{args.height}, brush {args.size:.0f} px, tint + contour + relaxed zone; setup {setup:.1f} s")
    for label, times in results.items():
        arr = np.array(times)
        print(f"  {label:>4}: dab + repaint median {statistics.median(times):.1f} ms, "
              f"p95 {np.percentile(arr, 95):.1f} ms, max {arr.max():.1f} ms over {len(times)} dabs (goal ≤ 16 ms)")
    window.editing.edits.shutdown(discard_unsaved=True)
    window.controller.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
