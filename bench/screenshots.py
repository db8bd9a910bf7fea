"""Drive the real studio and save screenshots of every overlay at fit and at high zoom.

Run under a display, e.g.:
    xvfb-run -a -s "-screen 0 1600x1000x24" python bench/screenshots.py OUT_DIR [IMAGE_OR_FOLDER ...]
Without images it uses generated scenes only.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QEventLoop, QPointF, QTimer


def wait_for(signal, timeout_ms: int = 120_000) -> None:  # noqa: ANN001
    """Run the event loop until ``signal`` fires."""
    loop = QEventLoop()
    signal.connect(lambda *_: loop.quit())
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()


def settle(ms: int = 150) -> None:
    """Let pending paints and timers run."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def main() -> int:
    """Open images, run the model, and grab the window in each view."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("images", nargs="*")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    from u2studio.core.imageio import save_png
    from u2studio.core.synthetic import scene
    from u2studio.gui.app import create_window
    from u2studio.gui.canvas.view_options import ViewMode

    scratch = Path(tempfile.mkdtemp(prefix="u2shots-"))
    rgb, mask = scene(1280, 960, seed=11)
    generated = save_png(scratch / "scene.png", rgb)
    reference = save_png(scratch / "scene_gt.png", mask)
    for seed in (2, 5):
        save_png(scratch / f"scene_{seed}.png", scene(800, 600, seed=seed)[0])
    window = create_window([])
    window.resize(1600, 1000)
    paths = [str(generated), str(scratch / "scene_2.png"), str(scratch / "scene_5.png"), *args.images]
    window.open_paths(paths)
    settle(300)
    window.grab().save(str(args.out / "00_opened.png"))
    c = window.controller
    window.actions_["run_all"].trigger()
    wait_for(c.client.idle)
    c.select(0)
    c.load_reference(str(reference))
    settle()
    shots = [("tint", ViewMode.TINT, {}), ("cutout", ViewMode.CUTOUT, {}), ("mask", ViewMode.MASK, {}),
             ("side", ViewMode.SIDE, {"side": 2}), ("image_contour", ViewMode.IMAGE, {"contour": True}),
             ("relaxed", ViewMode.TINT, {"relaxed": True, "rho": 5})]
    a = window.actions_
    for index, (name, mode, extra) in enumerate(shots, start=1):
        a.by_mode[mode].trigger()
        for toggle in ("contour", "relaxed"):
            if a[toggle].isChecked() != extra.get(toggle, toggle == "contour" and mode is ViewMode.TINT):
                a[toggle].trigger()
        window.view_panel.rho.setValue(extra.get("rho", 3))
        if "side" in extra:
            window.view_panel.sides.setCurrentIndex(extra["side"])
            window.view_panel.side_chosen.emit(extra["side"])
        window.canvas.fit()
        settle()
        window.grab().save(str(args.out / f"{index:02d}_{name}_fit.png"))
        # zoom 8× onto the ball's upper-left edge
        window.canvas.fit()
        point = window.canvas.mapFromScene(QPointF(1280 * 0.42 - 960 * 0.26 * 0.7, 960 * 0.55 - 960 * 0.26 * 0.7))
        window.canvas.set_zoom(8.0, QPointF(point))
        settle()
        window.grab().save(str(args.out / f"{index:02d}_{name}_zoom8.png"))
    for row in range(3, len(c.documents)):
        c.select(row)
        window.set_mode(ViewMode.TINT, contour=True, relaxed=False)
        settle()
        window.grab().save(str(args.out / f"{row + 10:02d}_extra_{c.documents[row].path.stem}.png"))
    window.notes.error("Example error toast: cannot open broken.png")
    settle()
    window.grab().save(str(args.out / "99_toast.png"))
    window.close()
    print(f"screenshots in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
