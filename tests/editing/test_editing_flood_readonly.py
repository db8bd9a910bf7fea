"""Flood fill on a read-only image (load_image can return one): cv2.floodFill needs a writable array."""

from __future__ import annotations

import numpy as np

from u2studio.core.editing import MaskEditor


def test_flood_fill_accepts_a_read_only_image() -> None:
    image = np.zeros((20, 30, 3), np.uint8)
    image[:, 15:] = 200
    image.setflags(write=False)
    editor = MaskEditor(np.zeros((20, 30), np.uint8), image=image)
    record = editor.flood_fill(3.5, 3.5, tolerance=10)
    assert record is not None
    assert (editor.mask[:, :15] == 255).all() and not editor.mask[:, 15:].any()
    assert not image.flags.writeable
