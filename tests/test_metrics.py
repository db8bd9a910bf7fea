"""Hand-worked relaxed boundary F cases, input checks and degenerate inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest

import u2studio.core.metrics as U


def square(shift: int = 0) -> np.ndarray:
    """A 20×20 square at rows 20..39, columns 20+shift..39+shift in a 64×64 frame (uint8 0/255)."""
    m = np.zeros((64, 64), np.uint8)
    m[20:40, 20 + shift : 40 + shift] = 255
    return m


def f(p: float, r: float) -> float:
    return 0.0 if p + r == 0 else 1.3 * p * r / (0.3 * p + r)


@pytest.mark.parametrize(
    ("shift", "rho", "matched"),
    [(2, 0, 36), (2, 1, 40), (2, 3, 76), (5, 0, 30), (5, 1, 34), (5, 3, 42)],
)
def test_relaxed_f_for_a_shifted_square(shift: int, rho: int, matched: int) -> None:
    """The square's boundary is its 76-pixel ring; ``matched`` is the count reasoned out below."""
    # Predicted ring: top row y=20 and bottom row y=39 span x in [20+s, 39+s] (20 px each); the left and
    # right columns x=20+s and x=39+s span y in [21, 38] (18 px each): 76 px. The reference ring is the same
    # with s=0. Symmetric shift ⇒ precision = recall. A predicted pixel matches when a reference ring pixel
    # lies within Euclidean distance ρ.
    # - top/bottom row pixels at column x: the reference row pixel (x, y) exists when x ≤ 39, distance 0;
    #   for x > 39 the nearest reference pixel is the corner (39, y) at distance x - 39.
    #   So of 20 row pixels, 20 - s are at 0 and the others at 1..s.
    # - left column pixel (20+s, y), y in 21..38: the reference column x=20 is s away, and the reference
    #   top/bottom rows (which span x=20..39) are y-20 and 39-y away. So it matches when s ≤ ρ, or else
    #   when it is within ρ rows of the top or bottom: 2ρ of the 18 pixels.
    # - right column pixel (39+s, y): the reference column x=39 is s away; the reference rows end at x=39,
    #   so they are farther than s. It matches only when s ≤ ρ.
    def matched_pixels(s: int, r: int) -> int:
        rows = 2 * ((20 - s) + min(s, r))  # distance-0 ones plus those at 1..min(s, ρ)
        cols = 2 * 18 if s <= r else 2 * r
        return rows + cols

    assert matched_pixels(shift, rho) == matched
    p = matched / 76
    m = U.RelaxedBoundaryF(rho)
    m.step(square(shift), square(0))
    got_f, got_p, got_r = m.fs[0], m.precision[0], m.recall[0]
    assert got_p == pytest.approx(p)
    assert got_r == pytest.approx(p)
    assert got_f == pytest.approx(f(p, p))
    # spot values worked out by hand: shift 2 at ρ=0 → 2·18/76; at ρ=3 → everything matches
    if (shift, rho) == (2, 0):
        assert p == pytest.approx(36 / 76)
    if (shift, rho) == (2, 3):
        assert p == 1.0
    if (shift, rho) == (5, 3):
        assert p == pytest.approx((2 * (15 + 3) + 6) / 76)


def test_relaxed_metric_accumulates_per_image_lists() -> None:
    m = U.RelaxedBoundaryF(rho=3)
    m.step(square(0), square(0))
    m.step(square(5), square(0))
    res = m.results()
    assert res["precision"][0] == 1.0 and res["recall"][0] == 1.0
    assert res["precision"][1] == pytest.approx(42 / 76)
    assert res["relaxF"] == pytest.approx((1.0 + 42 / 76) / 2)


def test_size_mismatch_and_dtype_are_named() -> None:
    with pytest.raises(U.MetricInputError, match="differ in size"):
        U.validate_pair(np.zeros((4, 5), np.uint8), np.zeros((5, 4), np.uint8))
    with pytest.raises(U.MetricInputError, match="int32"):
        U.validate_pair(np.zeros((4, 4), np.int32), np.zeros((4, 4), np.uint8))
    with pytest.raises(U.MetricInputError, match=r"\[0, 1\]"):
        U.validate_pair(np.full((4, 4), 2.0), np.zeros((4, 4), np.uint8))
    with pytest.raises(U.MetricInputError, match="NaN"):
        U.validate_pair(np.full((4, 4), np.nan), np.zeros((4, 4), np.uint8))


@pytest.mark.parametrize("gt_value", [0, 255])
@pytest.mark.parametrize("pred_value", [0, 128, 255])
def test_constant_inputs_give_finite_results(gt_value: int, pred_value: int) -> None:
    suite = U.MetricSuite()
    suite.step(np.full((16, 16), pred_value, np.uint8), np.full((16, 16), gt_value, np.uint8))
    res = suite.results()
    assert set(res) == set(U.SUMMARY_KEYS)
    assert all(math.isfinite(v) for v in res.values())
    if gt_value == 255 and pred_value == 255:
        assert res["MAE"] == 0.0 and res["IoU"] == 1.0 and res["HCE"] == 0.0


def test_empty_suite_reports_zeros_not_nan() -> None:
    res = U.MetricSuite().results()
    assert res["n"] == 0 and all(math.isfinite(v) for v in res.values())


def test_perfect_prediction_scores_best() -> None:
    suite = U.MetricSuite()
    suite.step(square(0), square(0))
    res = suite.results()
    assert res["maxF"] == pytest.approx(1.0) and res["MAE"] == 0.0 and res["relaxF"] == 1.0
    assert res["Sm"] == pytest.approx(1.0, abs=1e-6) and res["HCE"] == 0.0


@pytest.mark.parametrize("rho", [0, 1, 3, 5])
def test_relaxed_metric_equals_the_studio_overlay_numbers(rho: int) -> None:
    """The box-cropped, buffer-reusing metric gives exactly u2studio.core.boundary.relaxed_f, objects at the frame included."""
    from u2studio.core.boundary import relaxed_f

    rng = np.random.default_rng(rho)
    m = U.RelaxedBoundaryF(rho)
    for i in range(12):
        h, w = (int(v) for v in rng.integers(5, 70, 2))
        gt = (rng.random((h, w)) > 0.7).astype(np.uint8) * 255
        gt[: h // 2, : w // 3] = 255  # touches the frame
        pred = rng.random((h, w)) if i % 2 else rng.integers(0, 256, (h, w)).astype(np.uint8)
        if i % 5 == 0:
            gt[:] = 0
        m.step(pred, gt)
        f, p, r = relaxed_f(pred, gt, rho)
        assert (m.fs[-1], m.precision[-1], m.recall[-1]) == pytest.approx((f, p, r), abs=1e-12)
