"""Memory within a budget: compact model results, a bounded model cache, and LRU eviction of decoded pixels
that never loses a correction (real window, real model, real files; byte counts, not RSS)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from u2studio.core.imageio import load_image, save_png
from u2studio.core.synthetic import scene

from tests.gui.edit_helpers import correct_box

pytestmark = pytest.mark.gui


def _digest(array: np.ndarray) -> str:
    return hashlib.sha1(np.ascontiguousarray(array).tobytes()).hexdigest()


@pytest.fixture
def three_images(tmp_path: Path) -> list[Path]:
    """Three different generated scenes on disk."""
    return [save_png(tmp_path / f"s{i}.png", scene(360, 240, seed=i)[0]) for i in range(3)]


def _run_all(window, qtbot, paths: list[Path]) -> list:  # noqa: ANN001
    c = window.controller
    window.open_paths([str(p) for p in paths])
    c.run_all()
    qtbot.waitUntil(lambda: all(d.prediction is not None and not d.running for d in c.documents), timeout=120_000)
    return c.documents


def test_results_arrive_compact_side_outputs_at_model_size(window, qtbot, three_images) -> None:  # noqa: ANN001
    doc = _run_all(window, qtbot, three_images[:1])[0]
    assert doc.prediction.dtype == np.uint8 and doc.prediction.shape == (240, 360)
    assert len(doc.sides) == 7 and all(s.shape == (320, 320) and s.dtype == np.uint8 for s in doc.sides)
    # whatever the photo's size: 7 × 100 kB (they were seven float32 maps at the photo's size, 670 MB at 24 MP)
    assert sum(s.nbytes for s in doc.sides) == 7 * 320 * 320


def test_a_result_for_an_image_off_screen_derives_its_mask_only_when_shown(window, qtbot, three_images) -> None:  # noqa: ANN001
    """No 24-MP pass on the UI thread for a result nobody looks at yet; showing it gives the model's base."""
    c = window.controller
    docs = _run_all(window, qtbot, three_images)
    assert docs[0].mask is not None  # on screen: derived at once
    assert docs[1].mask is None and docs[2].mask is None and docs[1].status.value == "predicted"
    c.select(2)
    assert docs[2].mask is not None and np.array_equal(docs[2].mask, docs[2].base())
    assert not window.canvas.layer_image("overlay").isNull()


def test_the_side_view_stretches_the_model_size_map_over_the_image(window, qtbot, three_images) -> None:  # noqa: ANN001
    from u2studio.gui.canvas.view_options import ViewMode

    _run_all(window, qtbot, three_images[:1])
    window.set_mode(ViewMode.SIDE, side_index=0)
    canvas = window.canvas
    layer = canvas.layer_image("overlay")
    assert (layer.width(), layer.height()) == (320, 320)  # never upscaled in memory
    item = canvas._layers["overlay"]
    rect = item.sceneBoundingRect()
    assert (round(rect.width()), round(rect.height())) == (360, 240)  # but drawn over the whole image
    shot = canvas.viewport().grab().toImage()
    assert not shot.isNull()


def test_the_worker_keeps_a_bounded_number_of_models(bundled_weights) -> None:  # noqa: ANN001
    from u2studio.gui.inference.worker import InferenceWorker

    worker = InferenceWorker()
    worker.predictor_limit = 1
    worker.warm_up("u2netp", "cpu")
    worker.warm_up("u2netp", "auto")
    assert worker.loaded_models() == [("u2netp", "auto")]
    worker.warm_up("u2netp", "cpu")
    assert worker.loaded_models() == [("u2netp", "cpu")]
    engine = worker._predictor("u2netp", "cpu").onnx_engine  # noqa: SLF001
    assert engine is None or engine.lean  # the studio's runs plan no onnxruntime memory pattern


def test_images_off_screen_are_evicted_and_come_back_identical(window, qtbot, three_images, monkeypatch) -> None:  # noqa: ANN001
    from u2studio.core import heap

    trims: list[bool] = []
    trim = heap.trim_soon
    monkeypatch.setattr(heap, "trim_soon", lambda: trims.append(True) or trim())
    c = window.controller
    c.memory.budget_bytes = 1  # evict everything that can go
    docs = _run_all(window, qtbot, three_images)
    masks = {d.name: _digest(d.mask if d.mask is not None else d.base()) for d in docs}
    for index in (0, 1, 2):
        c.select(index)
    assert docs[2].rgb is not None and docs[2].mask is not None  # the shown one stays
    assert all(d.rgb is None and d.mask is None for d in docs[:2])  # photo and derived mask both went
    assert trims  # and the freed memory is handed back to the system
    # the full-size prediction went too; its model-size map stays, to re-make the same bytes
    assert not docs[0].prediction_held and docs[0].has_prediction and docs[0].status.value == "predicted"
    assert docs[0].resident_bytes() == docs[0].prediction_source.nbytes + sum(s.nbytes for s in docs[0].sides)
    for index in (0, 1):
        c.select(index)
        doc = docs[index]
        assert _digest(doc.mask) == masks[doc.name]
        assert (doc.rgb == load_image(doc.path).rgb).all()
        assert not window.canvas.layer_image("base").isNull()


def test_a_corrected_image_keeps_its_mask_and_edit_layer_when_evicted(window, qtbot, three_images) -> None:  # noqa: ANN001
    c = window.controller
    c.memory.budget_bytes = 1
    docs = _run_all(window, qtbot, three_images)
    c.select(0)
    correct_box(window, (10, 10, 90, 70), 255)
    edited = docs[0].mask.copy()
    c.select(1)
    c.select(2)
    assert docs[0].rgb is None  # the photo can be read again
    assert docs[0].mask is not None and docs[0].edits is not None and (docs[0].mask == edited).all()
    assert window.editing.edits.sessions[id(docs[0])].editor.image is None  # released by the editor too
    c.select(0)
    assert (docs[0].mask == edited).all()
    editor = window.editing.edits.editor()
    assert editor is not None and editor.image is docs[0].rgb  # refine and flood fill see the photo again
    window.editing.edits.undo()
    assert not (docs[0].mask == edited).all()  # the history survived the eviction


def test_the_budget_is_a_setting_with_an_environment_override(monkeypatch) -> None:  # noqa: ANN001
    from PySide6.QtCore import QSettings

    from u2studio.gui.inference.memory import DEFAULT_BUDGET_MB, ENV, SETTING, budget_mb

    monkeypatch.delenv(ENV, raising=False)
    assert budget_mb(None) == DEFAULT_BUDGET_MB
    settings = QSettings()
    settings.setValue(SETTING, 900)
    assert budget_mb(settings) == 900
    monkeypatch.setenv(ENV, "300")
    assert budget_mb(settings) == 300
    settings.remove(SETTING)


def test_the_budget_counts_the_canvas_pictures_and_releases_the_recent_photo_cache_first(qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    from u2studio.core.document import ImageDocument
    from u2studio.gui.canvas.canvas import Canvas
    from u2studio.gui.canvas.overlay_presenter import OverlayPresenter
    from u2studio.gui.inference.memory import DocumentMemory

    canvas = Canvas()
    qtbot.addWidget(canvas)
    presenter = OverlayPresenter(canvas)
    memory = DocumentMemory(2**40)
    memory.add_holder(presenter.picture_bytes, presenter.release_cache)
    docs = [ImageDocument(tmp_path / f"b{i}.png", rgb=scene(2000, 1200, seed=i)[0]) for i in range(2)]  # 2.4 MP each
    for doc in docs:  # shown in turn: each photo's drawable picture is made off the GUI thread and cached
        presenter.show_document(doc)
        memory.touch(doc)
        qtbot.waitUntil(lambda d=doc: presenter.doc is d and canvas.layer_visible("base") and len(presenter.recent) >= docs.index(d) + 1, timeout=30_000)
    shown_bytes = canvas.picture_bytes()
    assert shown_bytes >= 2000 * 1200 * 4  # the photo at full resolution, in the drawing format
    cached = memory.held() - shown_bytes
    assert cached >= 2000 * 1200 * 4  # the first photo's picture, kept for switching back
    memory.budget_bytes = memory.used(docs) + memory.held() - 1  # one byte over
    freed = memory.enforce(docs, docs[1])
    assert freed == cached and memory.held() == shown_bytes  # the cache went first
    assert docs[0].rgb is not None  # so no photo had to be evicted
    memory.budget_bytes = 1
    memory.enforce(docs, docs[1])
    assert docs[0].rgb is None and docs[1].rgb is not None  # then the photo not shown; never the shown one
    assert memory.held() == shown_bytes  # the picture on screen stays
    presenter.jobs.wait()
    qtbot.wait(20)


@pytest.fixture
def two_big(tmp_path: Path) -> list[Path]:
    """Two 4000×3000 JPEGs: large enough to be decoded (and their predictions re-made) in the background."""
    import cv2

    paths = []
    for i in range(2):
        path = tmp_path / f"big{i}.jpg"
        cv2.imwrite(str(path), cv2.cvtColor(scene(4000, 3000, seed=11 + i)[0], cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 90])
        paths.append(path)
    return paths


def test_a_dropped_large_prediction_is_re_made_off_the_gui_thread_with_the_same_bytes(window, qtbot, two_big, monkeypatch) -> None:  # noqa: ANN001
    import threading

    from u2studio.core.prediction_source import PredictionSource

    c = window.controller
    arrived: dict[str, str] = {}
    c.prediction_arrived.connect(lambda d: arrived.__setitem__(d.name, _digest(d.prediction)))
    c.memory.budget_bytes = 1
    window.open_paths([str(p) for p in two_big])
    c.run_all()
    qtbot.waitUntil(lambda: all(d.has_prediction and not d.running for d in c.documents), timeout=180_000)
    first, second = c.documents
    c.select(1)
    qtbot.waitUntil(lambda: c.presenter.doc is second and window.canvas.layer_visible("base"), timeout=60_000)
    assert first.rgb is None and first.mask is None and not first.prediction_held  # 12 MB of prediction went
    seen: list[threading.Thread] = []
    original = PredictionSource.enlarge
    monkeypatch.setattr(PredictionSource, "enlarge", lambda self: (seen.append(threading.current_thread()), original(self))[1])
    c.select(0)
    qtbot.waitUntil(lambda: c.presenter.doc is first and window.canvas.layer_visible("base"), timeout=60_000)
    assert seen and all(t is not threading.main_thread() for t in seen)
    assert _digest(first.prediction) == arrived[first.name]  # byte for byte what the model's result was
    assert _digest(first.mask) == _digest(first.base())


def test_showing_a_decoded_large_image_derives_its_mask_off_the_gui_thread(window, qtbot, two_big, monkeypatch) -> None:  # noqa: ANN001
    """A result that arrived off screen left the photo decoded and no mask: the mask is derived on a pool thread."""
    import threading

    from u2studio.gui.inference import doc_loader

    c = window.controller
    window.open_paths([str(p) for p in two_big])
    c.run_all()
    qtbot.waitUntil(lambda: all(d.has_prediction and not d.running for d in c.documents), timeout=180_000)
    second = c.documents[1]
    assert second.rgb is not None and second.mask is None  # read by the worker; its mask waits until shown
    seen: list[threading.Thread] = []
    original = doc_loader.mask_from_prediction
    monkeypatch.setattr(doc_loader, "mask_from_prediction", lambda *a: (seen.append(threading.current_thread()), original(*a))[1])
    c.select(1)
    qtbot.waitUntil(lambda: c.presenter.doc is second and window.canvas.layer_visible("base"), timeout=60_000)
    assert seen and all(t is not threading.main_thread() for t in seen)
    assert second.mask is not None and np.array_equal(second.mask, second.base())


def test_the_first_result_of_a_large_photo_on_screen_derives_its_mask_off_the_gui_thread(window, qtbot, two_big, monkeypatch) -> None:  # noqa: ANN001
    import threading

    from u2studio.gui.inference import doc_loader

    c = window.controller
    seen: list[threading.Thread] = []
    original = doc_loader.mask_from_prediction
    monkeypatch.setattr(doc_loader, "mask_from_prediction", lambda *a: (seen.append(threading.current_thread()), original(*a))[1])
    window.open_paths([str(two_big[0])])
    doc = c.doc
    qtbot.waitUntil(lambda: doc.rgb is not None, timeout=60_000)
    with qtbot.waitSignal(c.client.result, timeout=120_000):
        c.run_current()
    qtbot.waitUntil(lambda: doc.mask is not None and window.canvas.layer_visible("overlay"), timeout=60_000)
    assert seen and all(t is not threading.main_thread() for t in seen)
    assert np.array_equal(doc.mask, doc.base()) and doc.status.value == "predicted"
