"""The self-test's cutout check: passes on a real soft mask, fails when the cutout has no edge."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from u2studio import selftest
from u2studio.core.synthetic import scene


def state(prob: np.ndarray, image: np.ndarray, truth: np.ndarray) -> selftest.State:
    return selftest.State(image=image, truth=truth, prob=prob.astype(np.float32))


def test_cutout_check_passes_on_a_soft_mask() -> None:
    image, truth = scene(*selftest.SCENE_SIZE)
    soft = cv2.GaussianBlur(truth.astype(np.float32) / 255.0, (0, 0), 2.0)
    assert selftest.check_cutout(state(soft, image, truth)).endswith("soft edge px")
    assert ("cutout", selftest.check_cutout) in selftest.CHECKS


def test_cutout_check_fails_on_an_empty_mask() -> None:
    image, truth = scene(*selftest.SCENE_SIZE)
    with pytest.raises(selftest.SelfTestError, match="soft edge"):
        selftest.check_cutout(state(np.zeros(truth.shape), image, truth))
