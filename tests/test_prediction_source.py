"""The model-size source of a prediction re-makes the stored full-size prediction byte for byte."""

from __future__ import annotations

import numpy as np
import pytest

from u2studio.core.document import ImageDocument
from u2studio.core.prediction_source import PredictionSource, compact_prediction


def _small(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(rng.normal(0.5, 0.4, (320, 320)), -0.1, 1.1).astype(np.float32)


def test_enlarging_is_the_full_size_postprocess_and_repeats_exactly() -> None:
    from u2studio.inference.preprocessing import postprocess

    small = _small()
    source = PredictionSource(small, 1517, 1003)  # odd sizes: no shortcut in the resize
    once, twice = source.enlarge(), source.enlarge()
    assert once.dtype == np.uint8 and once.shape == (1003, 1517)
    assert np.array_equal(once, twice)
    # the same values the predictor's full-size path stores (postprocess, then round to 0..255)
    assert np.array_equal(once, compact_prediction(postprocess(small, 1003, 1517, min_max=False)))


def test_a_dropped_prediction_comes_back_identical_and_only_when_nothing_derives_from_it(tmp_path) -> None:  # noqa: ANN001
    source = PredictionSource(_small(1), 600, 400)
    doc = ImageDocument(tmp_path / "a.png")
    doc.set_prediction(source.enlarge(), (), (), source=source)
    stored = doc.prediction.copy()
    assert doc.drop_prediction() == 0  # the mask is derived from it and held
    assert doc.drop_derived_mask() and doc.drop_prediction() == 600 * 400
    assert not doc.prediction_held and doc.has_prediction and doc.size == (600, 400)
    assert doc.resident_bytes() == source.nbytes
    assert np.array_equal(doc.prediction, stored)  # re-made on access
    doc.prediction = stored.copy()  # a prediction without a source is never dropped
    doc.mask = None
    assert doc.drop_prediction() == 0 and doc.prediction_source is None


def test_a_restored_prediction_of_an_older_source_is_refused(tmp_path) -> None:  # noqa: ANN001
    old, new = PredictionSource(_small(2), 60, 40), PredictionSource(_small(3), 60, 40)
    doc = ImageDocument(tmp_path / "b.png")
    doc.set_prediction(old.enlarge(), (), (), source=old)
    doc.drop_derived_mask()
    doc.drop_prediction()
    doc.set_prediction(new.enlarge(), (), (), source=new)
    assert not doc.restore_prediction(old.enlarge(), old)
    assert np.array_equal(doc.prediction, new.enlarge())


def test_a_source_must_be_a_float32_map() -> None:
    with pytest.raises(ValueError, match="float32"):
        PredictionSource(np.zeros((4, 4), np.float64), 8, 8)
