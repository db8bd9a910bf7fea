"""Fidelity row of issue 14: the fast CPU path of ``u2studio segment`` against the fp32 torch path.

Per image the mask may differ by at most 2/255 and the masks at 0.5 must agree with IoU ≥ 0.999 (generated
scenes; the same check runs on the dev photos in bench/bench_segment.py --fidelity).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from segment_util import err, mask, segment

from u2studio.core.imageio import load_image, to_uint8_mask
from u2studio.core.synthetic import scene


def test_segment_matches_the_fp32_torch_path(tmp_path: Path, bundled_weights: Path) -> None:
    from u2studio.inference.predictor import Predictor

    folder = tmp_path / "in"
    folder.mkdir()
    sizes = [(481, 321), (320, 320), (97, 203), (2400, 1600)]
    for i, (width, height) in enumerate(sizes):
        Image.fromarray(scene(width, height, seed=20 + i)[0]).save(folder / f"s{i}.jpg", quality=92)
    result = segment(folder, "-o", tmp_path / "out", "--device", "cpu", data=tmp_path / "d")
    assert result.returncode == 0, err(result)
    reference = Predictor("u2netp", device="cpu", backend="torch")
    for i, (width, height) in enumerate(sizes):
        expected = to_uint8_mask(reference.predict(load_image(folder / f"s{i}.jpg").rgb)).astype(np.int16)
        got = mask(tmp_path / "out" / f"s{i}.png").astype(np.int16)
        assert got.shape == (height, width)
        assert np.abs(got - expected).max() <= 2, i
        a, b = got >= 128, expected >= 128
        assert np.logical_and(a, b).sum() / max(1, np.logical_or(a, b).sum()) >= 0.999, i
