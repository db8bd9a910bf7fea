"""The self-test: each check on real data, a failing check, and the whole run from source."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from u2studio import selftest
from u2studio.core.synthetic import scene

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def state_with_truth() -> selftest.State:
    """A state whose 'prediction' is the scene's own mask, for the checks after segmentation."""
    image, truth = scene(*selftest.SCENE_SIZE)
    return selftest.State(image=image, truth=truth, prob=(truth / 255.0).astype(np.float32))


def test_ball_mask_is_the_scenes_ball() -> None:
    _image, truth = scene(*selftest.SCENE_SIZE)
    ball = selftest.ball_mask(*selftest.SCENE_SIZE)
    assert (truth[ball] == 255).all()
    assert 0.4 < ball.sum() / (truth > 0).sum() < 0.95  # the cube is the rest


def test_overlay_canvas_package_and_png_checks_pass_on_a_good_mask(state_with_truth: selftest.State) -> None:
    assert "contour px" in selftest.check_overlays(state_with_truth)
    assert state_with_truth.zone_rgba is not None and state_with_truth.contour_rgba is not None
    assert selftest.check_canvas(state_with_truth) == "6 views"
    assert selftest.check_package(state_with_truth) == "u2studio.training"
    assert selftest.check_unicode_png(state_with_truth) == "ok"


def test_canvas_check_catches_a_view_drawn_wrong(state_with_truth: selftest.State) -> None:
    """The canvas check compares the studio's drawing with the overlay pictures: a wrong one fails it."""
    selftest.check_overlays(state_with_truth)
    assert state_with_truth.contour_rgba is not None
    state_with_truth.contour_rgba = np.roll(state_with_truth.contour_rgba, 3, axis=1)  # not what the canvas draws
    with pytest.raises(selftest.SelfTestError, match="contour"):
        selftest.check_canvas(state_with_truth)


def test_overlays_check_fails_on_an_empty_mask(state_with_truth: selftest.State) -> None:
    assert state_with_truth.prob is not None
    state_with_truth.prob = np.zeros_like(state_with_truth.prob)
    with pytest.raises(selftest.SelfTestError, match="contour"):
        selftest.check_overlays(state_with_truth)


def test_cpu_check_says_why_it_skips_once_torch_is_loaded() -> None:
    import torch  # noqa: F401  (pytest has loaded it already; make that explicit)

    assert selftest.check_cpu_without_torch(selftest.State()) == "skipped: torch was loaded before this check"


class _Inverted:
    """A predictor that gets the scene exactly backwards: the segmentation check must catch it."""

    def predict(self, image: np.ndarray) -> np.ndarray:
        _, truth = scene(image.shape[1], image.shape[0])
        return (truth == 0).astype(np.float32)


def test_segmentation_check_rejects_a_wrong_mask() -> None:
    with pytest.raises(selftest.SelfTestError, match="IoU"):
        selftest.check_segmentation(selftest.State(predictor=_Inverted()))


def test_run_names_the_failed_check(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def broken(_state: selftest.State) -> str:
        raise selftest.SelfTestError("no pixels")

    monkeypatch.setattr(selftest, "CHECKS", [("overlays", broken), ("unicode-png", lambda _s: "ok")])
    assert selftest.run() == 1
    err = capsys.readouterr().err
    assert "FAILED" in err and "overlays: SelfTestError: no pixels" in err


@pytest.mark.slow
def test_self_test_from_source_passes(bundled_weights: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-m", "u2studio", "--self-test"], capture_output=True, text=True, env=env, timeout=600
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("u2studio self-test passed (source")
    for name, _check in selftest.CHECKS:
        assert name in lines[0]
    # run first in a fresh process, the torch-free check either passes or says that this build has no such path
    assert any(f"cpu-without-torch ({detail}" in lines[0] for detail in (
        "onnxruntime without torch", "skipped: this build has no torch-free", "skipped: no verified ONNX export"))
