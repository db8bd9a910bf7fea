"""The README figure script on generated masks (no dataset, no model): colours, crop choice and PNG size."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import cv2
import numpy as np
import pytest

from u2studio.core.boundary import MATCHED_RGBA, MISSED_RGBA, UNMATCHED_RGBA

pytest.importorskip("matplotlib")
_SPEC = importlib.util.spec_from_file_location("make_relaxed_figure", Path(__file__).parents[1] / "bench" / "make_relaxed_figure.py")
assert _SPEC is not None and _SPEC.loader is not None
fig = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(fig)


def masks() -> tuple[np.ndarray, np.ndarray]:
    gt = np.zeros((120, 160), np.uint8)
    cv2.ellipse(gt, (80, 60), (50, 35), 0, 0, 360, 255, -1)
    pred = np.roll(gt, 2, axis=1)
    pred[20:40, 110:140] = 255  # a false blob far from the reference boundary
    return pred, gt


def test_composite_draws_only_ground_mask_and_boundary_colours() -> None:
    pred, gt = masks()
    rgb = fig.composite(pred, gt, 0)
    colours = {tuple(c) for c in rgb.reshape(-1, 3)}
    assert tuple(fig.GROUND.astype(np.uint8)) in colours
    assert tuple(fig.REFERENCE.astype(np.uint8)) in colours
    for rgba in (MATCHED_RGBA, UNMATCHED_RGBA, MISSED_RGBA):
        assert tuple(np.uint8(v) for v in rgba[:3]) in colours


def test_crop_lands_on_the_false_blob() -> None:
    pred, gt = masks()
    y, x = fig.pick_crop(pred, gt, rho=3, size=32)
    assert y < 40 and y + 32 > 20 and x < 140 and x + 32 > 110  # the window overlaps the blob


def test_figure_is_a_small_png() -> None:
    pred, gt = masks()
    png = fig.draw(pred, gt, "test")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(png) < 400_000
