"""Screenshots of a correction in progress: strokes painted, relaxed zone against the prediction, brush outline, metrics.

    xvfb-run -a -s "-screen 0 1600x1000x24" python bench/screenshots_edit.py OUT_DIR [IMAGE]
Without an image it uses a generated scene. Saves the window at fit and zoomed in.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QPointF
from PySide6.QtTest import QTest


def main() -> int:
    """Run the model, correct the mask with a few tools, and grab the window."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("image", nargs="?")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.gui.edit_helpers import click, drag, view_point
    from u2studio.core.imageio import save_png
    from u2studio.core.synthetic import scene
    from u2studio.gui.app import create_window
    from u2studio.gui.editing.tools import Tool

    if args.image:
        image = Path(args.image)
    else:
        image = save_png(Path(tempfile.mkdtemp(prefix="u2edit-")) / "scene.png", scene(1280, 960, seed=11)[0])
    window = create_window([])
    window.resize(1600, 1000)
    window.open_paths([str(image)])
    QTest.qWait(300)
    c, edits = window.controller, window.editing.edits
    with_idle = []
    c.client.idle.connect(lambda: with_idle.append(1))
    c.run_current()
    while not with_idle:
        QTest.qWait(100)
    window.actions_["relaxed"].setChecked(True)
    doc = c.doc
    h, w = doc.rgb.shape[:2]
    canvas = window.canvas
    canvas.fit()
    QTest.qWait(200)
    window.grab().save(str(args.out / "e00_predicted.png"))
    # a few corrections: add a blob on the right, erase a bite, lasso a patch, cut with the polygon
    edits.set_settings(tool=Tool.BRUSH, size=w * 0.05, hardness=0.7)
    drag(canvas, [(w * 0.70, h * 0.30), (w * 0.78, h * 0.34), (w * 0.84, h * 0.42)])
    edits.set_settings(tool=Tool.ERASER, size=w * 0.04)
    drag(canvas, [(w * 0.40, h * 0.45), (w * 0.46, h * 0.52)])
    edits.set_settings(tool=Tool.LASSO)
    drag(canvas, [(w * 0.15, h * 0.75), (w * 0.25, h * 0.70), (w * 0.28, h * 0.85), (w * 0.17, h * 0.88)])
    edits.set_settings(tool=Tool.BRUSH, size=w * 0.06)
    QTest.mouseMove(canvas.viewport(), view_point(canvas, w * 0.60, h * 0.62))
    QTest.qWait(400)
    window.grab().save(str(args.out / "e01_editing_fit.png"))
    # zoom onto the edited blob's edge, brush outline over it
    point = canvas.mapFromScene(QPointF(w * 0.78, h * 0.36))
    canvas.set_zoom(4.0, QPointF(point))
    QTest.qWait(100)
    edits.set_settings(size=w * 0.02)
    drag(canvas, [(w * 0.76, h * 0.38), (w * 0.79, h * 0.40)])
    QTest.mouseMove(canvas.viewport(), view_point(canvas, w * 0.775, h * 0.345))
    QTest.qWait(400)
    window.grab().save(str(args.out / "e02_editing_zoom4.png"))
    edits.set_settings(tool=Tool.POLYGON)
    canvas.fit()
    for x, y in [(0.30, 0.20), (0.45, 0.18), (0.40, 0.32)]:
        click(canvas, w * x, h * y)
    QTest.mouseMove(canvas.viewport(), view_point(canvas, w * 0.33, h * 0.33))
    QTest.qWait(200)
    window.grab().save(str(args.out / "e03_polygon_in_progress.png"))
    panel = window.editing.show_help()
    QTest.qWait(200)
    panel.grab().save(str(args.out / "e04_shortcuts.png"))
    panel.close()
    edits.shutdown(discard_unsaved=True)
    window.controller.shutdown()
    print(f"screenshots in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
