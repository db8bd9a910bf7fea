"""Our Zhang–Suen thinning against scikit-image's skeletonize (the one PySODMetrics' HCE uses)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from u2studio.core.metrics.skeleton import _FIRST, _SECOND, skeletonize

sk = pytest.importorskip("skimage.morphology")


def shapes(size: int = 96) -> list[np.ndarray]:
    """Generated masks: random noise, blurred noise, thin strokes, rings, rectangles and text."""
    rng = np.random.default_rng(11)
    out = [rng.random((size, size)) > 0.5, rng.random((size, size // 2)) > 0.8]
    blob = cv2.GaussianBlur(rng.random((size, size)).astype(np.float32), (0, 0), 4)
    out.append(blob > np.median(blob))
    canvas = np.zeros((size, size), np.uint8)
    cv2.circle(canvas, (size // 2, size // 2), size // 3, 1, 7)
    cv2.line(canvas, (2, 5), (size - 3, size - 20), 1, 2)
    cv2.line(canvas, (size - 5, 3), (10, size - 4), 1, 3)
    cv2.rectangle(canvas, (5, size - 30), (40, size - 8), 1, -1)
    out.append(canvas.astype(bool))
    text = np.zeros((size, 2 * size), np.uint8)
    cv2.putText(text, "u2Net", (2, size * 2 // 3), cv2.FONT_HERSHEY_SIMPLEX, 2.0, 1, 5)
    out.append(text.astype(bool))
    out.append(np.ones((9, 13), bool))
    return out


@pytest.mark.parametrize("index", range(6))
def test_skeleton_equals_scikit_image(index: int) -> None:
    mask = shapes()[index]
    np.testing.assert_array_equal(skeletonize(mask), sk.skeletonize(mask))


def test_skeleton_equals_scikit_image_on_many_small_masks() -> None:
    rng = np.random.default_rng(3)
    for _ in range(60):
        mask = rng.random(tuple(rng.integers(3, 30, 2))) > rng.random()
        np.testing.assert_array_equal(skeletonize(mask), sk.skeletonize(mask))


def test_tables_keep_isolated_pixels_and_line_ends() -> None:
    # a lone pixel (code 0) and the end of a horizontal line (only E set, code 4) are never removed
    assert not _FIRST[0] and not _SECOND[0]
    assert not _FIRST[1 << 2] and not _SECOND[1 << 2]
    line = np.zeros((5, 12), bool)
    line[2, 1:11] = True
    np.testing.assert_array_equal(skeletonize(line), line)


def test_empty_mask_stays_empty() -> None:
    assert not skeletonize(np.zeros((7, 9), bool)).any()
