"""200 strokes on a 24-megapixel mask keep their undo records well under 300 MB, and undo stays exact."""

from __future__ import annotations

import zlib

import cv2
import numpy as np
import pytest

from u2studio.core.editing import BrushParams, History, MaskEditor
from u2studio.core.synthetic import scene


@pytest.mark.slow
def test_200_strokes_on_24_megapixels_stay_under_300_mb() -> None:
    _, small = scene(1500, 1000)
    mask = cv2.resize(small, (6000, 4000), interpolation=cv2.INTER_LINEAR)
    editor = MaskEditor(mask, history=History(max_bytes=10**12, max_records=10**6))
    rng = np.random.default_rng(5)
    while len(editor.history) < 200:
        editor.begin_stroke(BrushParams(radius=float(rng.uniform(10, 80)), mode="erase" if rng.random() < 0.5 else "add"))
        x, y = rng.uniform([0, 0], [6000, 4000])
        for _ in range(8):
            x, y = x + rng.normal(0, 150), y + rng.normal(0, 150)
            editor.add_point(x, y, float(rng.uniform(0.5, 1)))
        editor.end_stroke()
    assert editor.history.nbytes < 300e6
    assert editor.history.dropped == 0
    after = zlib.crc32(editor.mask)
    for _ in range(200):
        editor.undo()
    assert np.array_equal(editor.mask, mask)
    for _ in range(200):
        editor.redo()
    assert zlib.crc32(editor.mask) == after
