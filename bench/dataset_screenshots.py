"""Drive the studio's dataset side and save screenshots: empty state, after exports, filtered, re-editing.

Run under a display, e.g.:
    xvfb-run -a -s "-screen 0 1600x1000x24" python bench/dataset_screenshots.py OUT_DIR [IMAGE_FOLDER]
Without a folder it uses generated scenes only. Nothing is written outside OUT_DIR and a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from screenshots import settle, wait_for  # bench/ is on sys.path when this script runs


def main() -> int:
    """Export a few corrected images into a new dataset and grab the window at each step."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("folder", nargs="?")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="u2dsshots-"))
    os.environ.setdefault("U2STUDIO_DATA_DIR", str(scratch / "data"))  # fresh settings, no recent datasets

    import numpy as np

    from u2studio.core.imageio import save_png
    from u2studio.core.synthetic import scene
    from u2studio.gui.app import create_window

    for seed in range(5):
        save_png(scratch / "images" / f"scene_{seed}.png", scene(640, 480, seed=seed)[0])
    window = create_window([])
    window.resize(1600, 1000)
    ui = window.dataset
    ui.show_panel()
    settle(400)
    window.grab().save(str(args.out / "d0_no_dataset.png"))
    ui.session.create(scratch / "my-dataset", 0.3)
    ui.panel.annotator.setText("ana")
    settle()
    window.grab().save(str(args.out / "d1_empty_dataset.png"))
    window.open_paths([str(scratch / "images")] + ([args.folder] if args.folder else []))
    c = window.controller
    c.run_all()
    wait_for(c.client.idle)
    rng = np.random.default_rng(0)
    for doc in c.documents:
        if doc.mask is None:
            continue
        h, w = doc.mask.shape
        y, x = int(rng.integers(0, h // 2)), int(rng.integers(0, w // 2))
        doc.mask[y : y + h // 5, x : x + w // 5] = 255 - doc.mask[y : y + h // 5, x : x + w // 5]
        doc.mask_changed((x, y, x + w // 5, y + h // 5))
    ui.actions["export_all"].trigger()
    wait_for(ui.session.exported)
    settle(800)
    window.grab().save(str(args.out / "d2_exported.png"))
    ui.panel.select_stem(ui.panel.visible_stems()[0])
    ui.actions["approve"].trigger()
    wait_for(ui.session.state_changed)
    ui.panel.set_filter(state="corrected")
    settle(500)
    window.grab().save(str(args.out / "d3_filtered.png"))
    ui.panel.set_filter()
    worst = ui.panel.stats.worst.topLevelItem(0)
    if worst is not None:
        ui.panel.stats.worst.itemClicked.emit(worst, 0)
    settle(500)
    window.grab().save(str(args.out / "d4_reedit.png"))
    ui.panel.set_filter(state="rejected")
    settle()
    window.grab().save(str(args.out / "d5_filter_empty.png"))
    window.close()
    print(f"screenshots in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
