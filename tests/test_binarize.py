"""One definition of foreground: references at > 128 of 255, predictions at ≥ 0.5 (or the user's threshold),
and the studio's panel numbers equal eval's on references whose edge pixels are exactly 128."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from u2studio.core.binarize import prediction_foreground, prediction_level, reference_foreground
from u2studio.core.document import mask_from_prediction
from u2studio.core.editing import RelaxedOverlay
from u2studio.core.mask_metrics import compare
from u2studio.core.metrics import MetricSuite


def test_reference_is_foreground_above_128_and_prediction_at_or_above_the_threshold() -> None:
    levels = np.array([[0, 127, 128, 129, 255]], np.uint8)
    assert reference_foreground(levels).tolist() == [[False, False, False, True, True]]
    assert prediction_foreground(levels).tolist() == [[False, False, True, True, True]]
    assert prediction_foreground(levels, 0.6).tolist() == [[False, False, False, False, True]]
    floats = np.array([[0.4999, 0.5, 128 / 255, 0.51]], np.float32)
    assert prediction_foreground(floats).tolist() == [[False, True, True, True]]
    assert reference_foreground(floats).tolist() == [[False, False, False, True]]
    assert prediction_level(0.5) == 128 and prediction_level(0.0) == 0 and prediction_level(1.0) == 255
    # uint8 and float agree on every level and threshold: v is foreground exactly when v / 255 >= t
    every = np.arange(256, dtype=np.uint8)
    for t in (0.01, 0.25, 0.5, 0.502, 0.75, 0.99):
        np.testing.assert_array_equal(prediction_foreground(every, t), every / 255 >= t)
    with pytest.raises(ValueError, match="threshold"):
        prediction_foreground(every, 1.5)


def test_the_threshold_slider_uses_the_same_rule() -> None:
    prob = np.linspace(0, 1, 101, dtype=np.float32)[None]
    for t in (0.3, 0.5, 0.8):
        np.testing.assert_array_equal(mask_from_prediction(prob, t) == 255, prediction_foreground(prob, t))


def edge_at_128(h: int = 96, w: int = 120) -> tuple[np.ndarray, np.ndarray]:
    """A reference whose object is 255 inside a 2-pixel rim of exactly 128, and a prediction of the whole disk."""
    outer = np.zeros((h, w), np.uint8)
    cv2.circle(outer, (w // 2, h // 2), 30, 255, -1)
    inner = np.zeros((h, w), np.uint8)
    cv2.circle(inner, (w // 2, h // 2), 28, 255, -1)
    reference = np.where(inner > 0, 255, np.where(outer > 0, 128, 0)).astype(np.uint8)
    prediction = outer.copy()
    prediction[0, 0] = 0  # a full 0..255 range, so eval's min-max stretch changes nothing
    return prediction, reference


@pytest.mark.parametrize("rho", [0, 1, 3])
def test_studio_panel_equals_eval_on_a_reference_with_values_at_128(rho: int) -> None:
    prediction, reference = edge_at_128()
    studio = compare(prediction, reference, rho)  # what the metrics panel shows (controller._compute_metrics)
    live = RelaxedOverlay(prediction, reference, rho).scores()  # the panel while brushing
    ours = MetricSuite(rho)
    per_image = ours.step(prediction, reference)
    assert studio.relaxed_f == pytest.approx(per_image["relaxF"], abs=1e-12)
    assert (studio.precision, studio.recall) == pytest.approx((per_image["relaxP"], per_image["relaxR"]), abs=1e-12)
    assert live == pytest.approx((studio.relaxed_f, studio.precision, studio.recall), abs=1e-12)
    assert studio.iou == pytest.approx(per_image["IoU"], abs=1e-12)
    # the rim at 128 is background in the reference, so the disk's prediction is not a perfect match
    assert studio.iou < 1.0
    if rho == 0:
        assert studio.relaxed_f < 1.0


def test_binary_metrics_binarise_the_prediction_on_its_own_scale() -> None:
    """IoU, HCE and relaxed F of a soft prediction equal those of its binarisation by the one rule."""
    rng = np.random.default_rng(4)
    _, reference = edge_at_128()
    soft = cv2.GaussianBlur(reference.astype(np.float32), (0, 0), 3) * 0.8  # never reaches 255: no stretch
    soft = np.clip(soft + rng.normal(0, 8, soft.shape), 0, 230).astype(np.uint8)
    binary = np.where(prediction_foreground(soft), 255, 0).astype(np.uint8)
    ref_binary = np.where(reference_foreground(reference), 255, 0).astype(np.uint8)
    a, b = MetricSuite().step(soft, reference), MetricSuite().step(binary, ref_binary)
    for key in ("IoU", "HCE", "relaxF"):
        assert a[key] == pytest.approx(b[key], abs=1e-12), key
    assert compare(soft, reference, 3).iou == pytest.approx(a["IoU"], abs=1e-12)
