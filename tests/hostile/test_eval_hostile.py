"""Item 4, eval --rho, unwritable eval outputs, and the metrics' degenerate cases."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from hostile_util import snapshot, u2

from u2studio.core.boundary import relaxed_f
from u2studio.core.metrics import MetricSuite, validate_pair
from u2studio.core.metrics._input import EPS
from u2studio.core.metrics.region import e_measure_from_counts
from u2studio.core.metrics.relaxed import relaxed_scores
from u2studio.core.synthetic import scene


def _folders(tmp_path: Path, n: int = 3) -> tuple[Path, Path]:
    pred, gt = tmp_path / "pred", tmp_path / "gt"
    pred.mkdir()
    gt.mkdir()
    for i in range(n):
        _, mask = scene(40, 30, seed=i)
        cv2.imwrite(str(gt / f"m{i}.png"), mask)
        cv2.imwrite(str(pred / f"m{i}.png"), np.roll(mask, 2, axis=1))
    return pred, gt


def test_visualize_into_the_reference_folder_is_refused(tmp_path: Path) -> None:
    pred, gt = _folders(tmp_path)
    before = snapshot(gt)
    r = u2("eval", "--pred", pred, "--gt", gt, "--visualize", gt)
    assert r.returncode == 2 and "--visualize" in r.stderr and "Traceback" not in r.stderr
    assert snapshot(gt) == before


def test_predictions_written_into_the_reference_folder_are_refused(tmp_path: Path) -> None:
    _, gt = _folders(tmp_path)
    images = tmp_path / "images"
    images.mkdir()
    for i in range(3):
        rgb, _ = scene(40, 30, seed=i)
        cv2.imwrite(str(images / f"m{i}.png"), rgb[:, :, ::-1])
    before = snapshot(gt)
    r = u2("eval", "--images", images, "--model", "u2netp", "--pred", gt, "--gt", gt)
    assert r.returncode == 2 and "--pred" in r.stderr and "maxF" not in r.stdout
    assert snapshot(gt) == before


def test_scoring_a_folder_against_itself_is_refused(tmp_path: Path) -> None:
    _, gt = _folders(tmp_path)
    r = u2("eval", "--pred", gt, "--gt", gt)
    assert r.returncode == 2 and "same folder" in r.stderr


def test_a_csv_named_like_a_reference_mask_is_refused(tmp_path: Path) -> None:
    pred, gt = _folders(tmp_path)
    before = snapshot(gt)
    r = u2("eval", "--pred", pred, "--gt", gt, "--csv", gt / "m0.png")
    assert r.returncode == 2 and snapshot(gt) == before


@pytest.mark.parametrize("rho", ["-5", "100000"])
def test_rho_out_of_range_is_one_line(tmp_path: Path, rho: str) -> None:
    pred, gt = _folders(tmp_path)
    r = u2("eval", "--pred", pred, "--gt", gt, "--rho", rho, timeout=60)
    assert r.returncode == 2 and "--rho" in r.stderr and "Traceback" not in r.stderr


def test_unwritable_outputs_come_after_the_printed_results(tmp_path: Path) -> None:
    pred, gt = _folders(tmp_path)
    blocker = tmp_path / "a-file"
    blocker.write_text("a file where a folder is expected\n")
    r = u2("eval", "--pred", pred, "--gt", gt, "--json", blocker / "s.json", "--csv", blocker / "s.csv",
           "--plots", blocker / "plots", "--visualize", blocker / "vis")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "maxFβ" in r.stdout  # the scores were printed
    for flag in ("--json", "--csv", "--plots", "--visualize"):
        assert f"could not write {flag}" in r.stderr


def test_a_colour_prediction_is_refused_for_every_metric(tmp_path: Path) -> None:
    pred, gt = _folders(tmp_path, n=1)
    _, mask = scene(40, 30, seed=0)
    red = np.zeros((*mask.shape, 3), np.uint8)
    red[:, :, 2] = mask  # OpenCV writes BGR: a red object
    cv2.imwrite(str(pred / "m0.png"), red)
    r = u2("eval", "--pred", pred, "--gt", gt)
    assert r.returncode == 1 and "colour" in r.stderr and "maxF" not in r.stdout
    grey_as_rgb = np.repeat(mask[:, :, None], 3, axis=2)
    cv2.imwrite(str(pred / "m0.png"), grey_as_rgb)
    assert u2("eval", "--pred", pred, "--gt", gt).returncode == 0


def test_relaxed_f_of_boundaryless_masks_is_1_only_when_they_agree() -> None:
    white, black = np.full((20, 30), 255, np.uint8), np.zeros((20, 30), np.uint8)
    assert relaxed_scores(validate_pair(white, black), 3)[0] == 0.0
    assert relaxed_scores(validate_pair(black, white), 3)[0] == 0.0
    assert relaxed_f(white, black)[0] == 0.0 and relaxed_f(black, white)[0] == 0.0
    assert relaxed_scores(validate_pair(black, black), 3)[0] == pytest.approx(1.0)
    assert relaxed_scores(validate_pair(white, white), 3)[0] == pytest.approx(1.0)
    assert relaxed_f(white, white)[0] == pytest.approx(1.0) and relaxed_f(black, black)[0] == pytest.approx(1.0)


def test_one_pixel_pair_does_not_blow_up_the_e_measure() -> None:
    suite = MetricSuite()
    _, mask = scene(40, 30, seed=1)
    suite.step(np.roll(mask, 2, axis=1), mask)
    normal = suite.results()["maxEm"]
    suite.step(np.array([[0]], np.uint8), np.array([[0]], np.uint8))  # agreeing 1×1 pair: PySOD gives 1/eps
    assert 0.0 <= suite.results()["maxEm"] <= 1.0
    assert normal <= 1.0
    # every n >= 2 keeps PySODMetrics' own value: total / (n - 1 + eps)
    # (an empty reference, 1 of 4 pixels predicted: 3 agreeing pixels over n - 1 = 3)
    assert float(e_measure_from_counts(np.array(0.0), np.array(1.0), 0, 4)) == 3 / (3 + EPS)
