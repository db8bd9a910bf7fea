"""Pool-thread work that must not hold up the event loop: canvas pictures built with numpy/OpenCV instead of
QImage calls (PySide6 holds the GIL through those), and metrics read the live mask in place (no UI-thread copy)
with a result dropped when the mask changed while it was read."""

from __future__ import annotations

import threading

import numpy as np
import pytest

pytestmark = pytest.mark.gui


def _bytes(image) -> np.ndarray:  # noqa: ANN001
    raw = np.frombuffer(image.constBits(), np.uint8, count=image.bytesPerLine() * image.height())
    return raw.reshape(image.height(), image.bytesPerLine())[:, : image.width() * 4].astype(int)


@pytest.mark.parametrize("lines", [False, True])
@pytest.mark.parametrize("channels", [3, 4])
def test_pictures_built_without_qimage_calls_match_qts_own_conversion(qapp, lines: bool, channels: int) -> None:  # noqa: ANN001
    from u2studio.gui.canvas.drawable import drawable
    from u2studio.gui.canvas.layer_item import DRAW_FORMAT, pyramid
    from u2studio.gui.common.qimage import rgb_to_qimage, rgba_to_qimage

    rng = np.random.default_rng(channels + 2 * lines)
    pixels = rng.integers(0, 256, (203, 317, channels), dtype=np.uint8)
    if channels == 4:
        pixels[..., 3] = np.where(rng.random((203, 317)) < 0.3, 0, pixels[..., 3])  # transparent holes as in layers
    image, levels = drawable(pixels, lines, 3)
    reference = (rgba_to_qimage if channels == 4 else rgb_to_qimage)(pixels).convertToFormat(DRAW_FORMAT)
    assert image.format() == DRAW_FORMAT and image.size() == reference.size()
    assert np.abs(_bytes(image) - _bytes(reference)).max() <= 1  # premultiplication rounding only
    expected = pyramid(reference, lines, 3)
    assert [lv.size() for lv in levels] == [lv.size() for lv in expected]  # sizes rounded up, as Qt's
    for mine, qts in zip(levels, expected):
        difference = np.abs(_bytes(mine) - _bytes(qts))
        assert mine.format() == DRAW_FORMAT and difference.mean() < 2.0 and difference.max() <= 8


def test_a_qimage_filled_by_numpy_owns_its_pixels(qapp) -> None:  # noqa: ANN001
    from u2studio.gui.common.qimage import rgba_to_qimage

    pixels = np.arange(5 * 7 * 4, dtype=np.uint8).reshape(5, 7, 4)
    image = rgba_to_qimage(pixels)
    pixels[:] = 0  # the source changing afterwards never shows in the picture
    assert image.pixelColor(3, 2).red() == int(np.arange(5 * 7 * 4).reshape(5, 7, 4)[2, 3, 0])


def test_metrics_read_the_live_mask_in_place_and_drop_a_result_whose_mask_changed_meanwhile(window, scene_files, qtbot, monkeypatch) -> None:  # noqa: ANN001
    from u2studio.gui.inference import metrics_runner

    image, _, truth = scene_files
    window.open_paths([str(image)])
    c = window.controller
    qtbot.waitUntil(lambda: c.doc is not None and c.doc.size is not None, timeout=10_000)
    from dataclasses import replace

    from u2studio.gui.canvas.view_options import Compare

    doc = c.doc
    doc.mask = truth.copy()
    doc.gt = truth.copy()
    c.presenter.options = replace(c.presenter.options, compare=Compare.MASK_VS_GT)
    doc.mask_changed(None, edited=False)
    runner = c.metrics
    qtbot.waitUntil(lambda: not runner.jobs.busy, timeout=10_000)
    gate, inside, seen = threading.Event(), threading.Event(), []
    original = metrics_runner._measure

    def slow(tested, reference, rho, live):  # noqa: ANN001, ANN202
        seen.append((tested is doc.mask or reference is doc.mask, threading.current_thread()))
        inside.set()
        gate.wait(30)
        return original(tested, reference, rho, live)

    monkeypatch.setattr(metrics_runner, "_measure", slow)
    results: list[object] = []
    runner.ready.connect(results.append)
    runner.schedule()
    qtbot.waitUntil(inside.is_set, timeout=5_000)
    assert seen[0][0] and seen[0][1] is not threading.main_thread()  # the live array, read on a pool thread
    doc.mask[:20, :20] = 255 - doc.mask[:20, :20]  # an edit lands while it is being read
    doc.mask_changed((0, 0, 20, 20))
    gate.set()
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=10_000)  # it was asked for again...
    qtbot.waitUntil(lambda: bool(results), timeout=10_000)
    assert len(results) == 1  # ...and only the second, consistent result reached the panel
    from u2studio.core.mask_metrics import compare

    pair = metrics_runner.comparison_pair(doc, c.presenter.options.compare)
    if pair is not None and results[0] is not None:
        fresh = compare(*pair, c.presenter.options.rho)
        assert results[0].mae == pytest.approx(fresh.mae)


def test_the_studio_hands_the_gil_back_to_the_event_loop_within_a_millisecond() -> None:
    import os
    import subprocess
    import sys

    code = "import sys; from u2studio.gui.app import application; application(); print(sys.getswitchinterval())"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120, check=True)
    assert float(out.stdout.strip().splitlines()[-1]) == pytest.approx(0.001)  # Python's default is 0.005
