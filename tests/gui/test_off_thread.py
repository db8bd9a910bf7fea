"""Heavy work runs off the GUI thread: decoding a large photo on selection and encoding a saved mask; stale
decodes are dropped; and the event loop never freezes past a generous bound on a 4000×3000 photo while the
model runs and a mask is saved (real window, real model, real files)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from u2studio.core.synthetic import scene

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def big_photos(tmp_path_factory) -> list[Path]:  # noqa: ANN001
    """Two 4000×3000 JPEGs (large enough to be decoded in the background)."""
    folder = tmp_path_factory.mktemp("big")
    rgb = scene(4000, 3000, seed=5)[0]
    paths = []
    for i in range(2):
        path = folder / f"big{i}.jpg"
        cv2.imwrite(str(path), cv2.cvtColor(np.roll(rgb, 300 * i, axis=1), cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 90])
        paths.append(path)
    return paths


def _record_threads(monkeypatch, module, name: str) -> list[threading.Thread]:  # noqa: ANN001
    seen: list[threading.Thread] = []
    original = getattr(module, name)

    def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        seen.append(threading.current_thread())
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return seen


def _shown(window, doc) -> bool:  # noqa: ANN001
    return window.controller.presenter.doc is doc and window.canvas.layer_visible("base")


def test_a_large_photo_is_decoded_off_the_gui_thread_and_stale_decodes_are_dropped(window, qtbot, big_photos, monkeypatch) -> None:  # noqa: ANN001
    from u2studio.core import imageio

    seen = _record_threads(monkeypatch, imageio, "load_image")
    c = window.controller
    window.open_paths([str(p) for p in big_photos])
    first, second = c.documents
    assert c.doc is first and first.rgb is None  # selected at once, pixels on their way
    c.select(1)  # before the first decode lands
    qtbot.waitUntil(lambda: _shown(window, second), timeout=60_000)
    assert seen and all(t is not threading.main_thread() for t in seen)
    qtbot.waitUntil(lambda: not c.jobs.busy, timeout=60_000)
    assert c.presenter.doc is second and c.jobs.dropped >= 1  # the first image's late pixels were not shown
    assert first.rgb is None


def test_saving_a_mask_encodes_off_the_gui_thread_without_freezing_while_the_model_runs(
    window, qtbot, big_photos, monkeypatch, tmp_path  # noqa: ANN001
) -> None:
    from PySide6.QtCore import QTimer

    from u2studio.core import imageio
    from u2studio.core.document import DocStatus

    from u2studio.core import overlays

    c = window.controller
    tints = _record_threads(monkeypatch, overlays, "tint_rgba")
    contours = _record_threads(monkeypatch, overlays, "contour_rgba")
    window.open_paths([str(big_photos[0])])
    doc = c.documents[0]
    qtbot.waitUntil(lambda: _shown(window, doc), timeout=60_000)
    with qtbot.waitSignal(c.client.result, timeout=120_000):
        c.run_current()
    qtbot.waitUntil(lambda: window.canvas.layer_visible("overlay") and window.canvas.layer_visible("contour"), timeout=60_000)
    assert tints and contours  # tint and contour pictures were built, off the GUI thread
    assert all(t is not threading.main_thread() for t in tints + contours)
    assert len(window.canvas._layers["overlay"]._levels) >= 3  # noqa: SLF001 (reduced copies came with it)
    seen = _record_threads(monkeypatch, imageio, "save_png")
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    timer.start()
    last[0] = time.perf_counter()
    c.run_current()  # the model runs on the 12-MP photo meanwhile
    target = c.save_mask(tmp_path / "mask.png", background=True)
    qtbot.waitUntil(lambda: not c.jobs.busy and not doc.running, timeout=120_000)
    timer.stop()
    assert target is not None and target.exists()
    assert seen and all(t is not threading.main_thread() for t in seen)
    assert len(gaps) > 10 and max(gaps) < 0.5, f"the event loop froze for {max(gaps) * 1000:.0f} ms"
    c.save_mask(tmp_path / "again.png", background=True)  # with nothing changing meanwhile it counts as saved
    qtbot.waitUntil(lambda: doc.status is DocStatus.SAVED, timeout=60_000)
    np.testing.assert_array_equal(imageio.load_mask(tmp_path / "again.png"), doc.mask)


def test_metrics_are_computed_off_the_gui_thread(window, qtbot, scene_files, monkeypatch) -> None:  # noqa: ANN001
    from u2studio.core import mask_metrics

    compares = _record_threads(monkeypatch, mask_metrics, "compare")
    ious = _record_threads(monkeypatch, mask_metrics, "iou")
    c = window.controller
    window.open_paths([str(scene_files[0])])
    with qtbot.waitSignal(c.client.result, timeout=60_000):
        c.run_current()
    with qtbot.waitSignal(c.metrics_changed, timeout=10_000) as blocker:
        c.schedule_metrics()
    assert blocker.args[0] is not None
    assert compares or ious
    assert all(t is not threading.main_thread() for t in compares + ious)


def test_switching_back_to_a_photo_just_shown_puts_it_on_screen_at_once(window, qtbot, big_photos) -> None:  # noqa: ANN001
    c = window.controller
    window.open_paths([str(p) for p in big_photos])
    first, second = c.documents
    base = lambda: window.canvas.layer_image("base").cacheKey()  # noqa: E731
    qtbot.waitUntil(lambda: _shown(window, first) and not c.presenter.previewing, timeout=60_000)
    picture_of_first = base()
    c.select(1)
    qtbot.waitUntil(lambda: _shown(window, second) and base() != picture_of_first, timeout=60_000)
    assert c.presenter.previewing  # on screen at once, as a reduced copy made on the spot
    preview = window.canvas.layer_image("base")
    assert max(preview.width(), preview.height()) <= 2048 and window.canvas.image_rect().width() == 4000
    qtbot.waitUntil(lambda: not c.presenter.previewing, timeout=60_000)
    picture_of_second = base()
    assert window.canvas.layer_image("base").width() == 4000  # then the full picture
    c.select(0)
    assert base() == picture_of_first  # no decode, no conversion: its drawable picture was kept
    c.select(1)
    assert base() == picture_of_second


def test_the_relaxed_zone_of_a_large_photo_is_first_compared_off_the_gui_thread(window, qtbot, big_photos, monkeypatch) -> None:  # noqa: ANN001
    from u2studio.gui.canvas import live_relaxed

    built = _record_threads(monkeypatch, live_relaxed, "RelaxedOverlay")
    c = window.controller
    window.open_paths([str(big_photos[0])])
    doc = c.documents[0]
    qtbot.waitUntil(lambda: _shown(window, doc), timeout=60_000)
    with qtbot.waitSignal(c.client.result, timeout=120_000):
        c.run_current()
    window.actions_["relaxed"].setChecked(True)
    qtbot.waitUntil(lambda: window.canvas.layer_visible("relaxed"), timeout=60_000)
    assert built and all(t is not threading.main_thread() for t in built)
    assert c.presenter.live is not None and c.presenter.live.matches(doc, c.presenter.options.compare, c.presenter.options.rho)
