"""Full-resolution helpers rewritten so pool threads stop holding the GIL (or a core) for tens of milliseconds give
exactly what the numpy one-liners they replaced gave."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest


def test_code_histogram_counts_exactly_past_float32s_integers_and_on_strided_crops() -> None:
    from u2studio.core.editing.overlay import code_histogram

    flat = np.zeros((4100, 4100), np.uint8)  # 16.81 M pixels of one code: above 2**24, where float32 counts stop
    flat[:3, :7] = 9
    assert code_histogram(flat).tolist() == np.bincount(flat.ravel(), minlength=16).tolist()
    assert code_histogram(flat)[0] == 4100 * 4100 - 21
    codes = np.random.default_rng(4).integers(0, 16, (900, 1300), dtype=np.uint8)
    crop = codes[17:850, 33:1201]  # not contiguous: a box of the picture, as the overlay's update counts it
    assert code_histogram(crop).tolist() == np.bincount(crop.ravel(), minlength=16).tolist()
    assert code_histogram(codes[:0]).tolist() == [0] * 16


@pytest.mark.parametrize("threshold", [0.0, 0.3, 0.5, 0.999, 1.0])
def test_thresholded_masks_equal_np_where(threshold: float) -> None:
    from u2studio.core.binarize import prediction_foreground
    from u2studio.core.document import mask_from_prediction

    rng = np.random.default_rng(5)
    for prediction in (rng.integers(0, 256, (70, 90), dtype=np.uint8), rng.random((70, 90)).astype(np.float32)):
        expected = np.where(prediction_foreground(prediction, threshold), 255, 0).astype(np.uint8)
        np.testing.assert_array_equal(mask_from_prediction(prediction, threshold), expected)
    boolean = rng.random((70, 90)) > 0.5
    kept = boolean.copy()
    np.testing.assert_array_equal(mask_from_prediction(boolean, 0.5), np.where(kept, 255, 0).astype(np.uint8))
    np.testing.assert_array_equal(boolean, kept)  # a bool prediction is the caller's: never rewritten in place


def test_the_model_mask_at_a_threshold_equals_np_where() -> None:
    from u2studio.inference.preprocessing import mask_uint8

    prob = np.random.default_rng(6).random((40, 50)).astype(np.float32)
    soft = mask_uint8(prob, 400, 500, True)
    hard = mask_uint8(prob, 400, 500, True, 0.5)
    assert hard.dtype == np.uint8 and set(np.unique(hard)) == {0, 255}
    np.testing.assert_array_equal(hard == 255, soft >= 128)


def test_the_autosave_digest_is_unchanged_by_hashing_the_buffer() -> None:
    from u2studio.core.editing.autosave import mask_digest

    mask = np.random.default_rng(7).integers(0, 256, (30, 40), dtype=np.uint8)
    old = hashlib.sha256(b"30x40:")
    old.update(mask.tobytes())
    assert mask_digest(mask) == old.hexdigest()  # sessions written before still match
    assert mask_digest(mask[:, ::2]) == mask_digest(np.ascontiguousarray(mask[:, ::2]))


def test_a_new_threshold_keeps_the_corrections_and_redoes_the_rest_exactly() -> None:
    from pathlib import Path

    from u2studio.core.document import ImageDocument, mask_from_prediction

    rng = np.random.default_rng(8)
    rgb = rng.integers(0, 256, (300, 400, 3), dtype=np.uint8)
    prediction = rng.random((300, 400)).astype(np.float32)
    doc = ImageDocument(Path("photo.png"), rgb=rgb)
    doc.set_prediction(prediction, (), (), 0.5)
    doc.ensure_layers()
    assert doc.mask is not None and doc.edits is not None
    doc.edits[50:120, 60:300] = True
    doc.mask[50:120, 60:300] = 77  # the user's corrections
    doc.set_threshold(0.3)  # the whole image: OpenCV's masked copy
    expected = mask_from_prediction(doc.prediction, 0.3)
    expected[50:120, 60:300] = 77
    np.testing.assert_array_equal(doc.mask, expected)
    doc.mask[10:20, 10:20] = 5  # a region redone (a view): numpy's copy, in place
    doc.rederive((0, 0, 40, 40))
    np.testing.assert_array_equal(doc.mask, expected)
