"""docs/cutout_edges.png: the same synthetic hair edge at 100 % in each cutout mode, on white and on black.

    .venv/bin/python bench/make_cutout_figure.py [--out docs/cutout_edges.png]

Project-made pixels only (u2studio.core.synthetic): golden strands with exact alpha over a generated blue
backdrop; the mask is the true alpha seen at a quarter of the resolution, as a model would deliver it. The
last column is told that native 300×200 grid (``mask_grid``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from u2studio.core.cutout import CutoutSettings, preview, render_cutout
from u2studio.core.imageio import save_png
from u2studio.core.synthetic import hair_scene

MODES = [
    ("hard", CutoutSettings(edges="hard")),
    ("feathered 2 px", CutoutSettings(edges="feather", decontaminate=False)),
    ("refined", CutoutSettings(decontaminate=False)),
    ("refined + decontaminate", CutoutSettings()),
    ("+ mask grid 300x200", CutoutSettings(mask_grid=(300, 200))),  # the mask's native size (below)
]
CROP = (slice(150, 330), slice(250, 490))  # rows, columns of a 1200×800 scene: the upper-left hair edge


def label(tile: np.ndarray, text: str, dark_text: bool) -> np.ndarray:
    """``text`` written in the tile's top-left corner."""
    out = tile.copy()
    colour = (20, 20, 20) if dark_text else (235, 235, 235)
    cv2.putText(out, text, (6, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.45, colour, 1, cv2.LINE_AA)
    return out


def figure() -> np.ndarray:
    """The grid: one column per mode, rows on white and on black, 100 % pixels, 4-px gutters."""
    image, alpha, _fg = hair_scene(1200, 800)
    small = cv2.resize(alpha, (300, 200), interpolation=cv2.INTER_AREA)
    mask = cv2.resize(small, (1200, 800), interpolation=cv2.INTER_LINEAR)
    rows = []
    for background, dark in (("white", True), ("black", False)):
        tiles = []
        for name, settings in MODES:
            cut = render_cutout(image, mask, settings)[CROP]
            tiles.append(label(preview(np.ascontiguousarray(cut), background), name, dark))
            tiles.append(np.full((tiles[-1].shape[0], 4, 3), 128, np.uint8))
        rows.append(np.hstack(tiles[:-1]))
        rows.append(np.full((4, rows[-1].shape[1], 3), 128, np.uint8))
    return np.vstack(rows[:-1])


def main() -> None:
    """Write the figure."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "docs" / "cutout_edges.png")
    args = parser.parse_args()
    print(save_png(args.out, figure()))


if __name__ == "__main__":
    main()
