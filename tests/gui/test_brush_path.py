"""The brush path on a large photo follows the screen: a dab is drawn only into the pyramid level on screen,
at that level's size; the full-resolution tint, contour and relaxed zone catch up later in tile chunks and then
equal a full rebuild; a finished stroke repaints nothing (real canvas, real presenter, real Qt pictures)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.gui

WIDTH, HEIGHT = 2000, 1200  # 2.4 MP: above the size whose pictures are built off the GUI thread


@pytest.fixture
def shown(qtbot):  # noqa: ANN001, ANN201
    """A presenter showing a large document (tint and contour on) on a 500×350 canvas at fit."""
    from u2studio.core.document import ImageDocument
    from u2studio.core.synthetic import scene
    from u2studio.gui.canvas.canvas import Canvas
    from u2studio.gui.canvas.overlay_presenter import OverlayPresenter
    from u2studio.gui.canvas.view_options import ViewOptions

    rgb, truth = scene(WIDTH, HEIGHT, seed=3)[:2]
    canvas = Canvas()
    canvas.resize(500, 350)
    qtbot.addWidget(canvas)
    canvas.show()
    doc = ImageDocument(Path("big.png"), rgb=rgb)
    doc.set_prediction(truth.astype(np.float32) / 255.0, (), (), 0.5)
    presenter = OverlayPresenter(canvas)
    presenter.set_options(ViewOptions(contour=True))
    presenter.show_document(doc)
    qtbot.waitUntil(lambda: all(canvas.layer_visible(n) for n in ("base", "overlay", "contour")), timeout=30_000)
    canvas.fit()
    assert canvas.display_depth() >= 2  # a quarter-size level or smaller is on screen
    yield canvas, presenter, doc
    presenter.jobs.wait()  # pictures still on their way land while the canvas exists
    qtbot.wait(20)


def _full(canvas, name: str):  # noqa: ANN001, ANN202
    """A layer's full-resolution picture as it is, without finishing deferred repaints."""
    return canvas._layers[name]._image  # noqa: SLF001


def test_a_dab_draws_only_the_level_on_screen_and_the_rest_catches_up_to_a_full_rebuild(shown, qtbot, monkeypatch) -> None:  # noqa: ANN001
    from u2studio.core import overlays
    from u2studio.gui.canvas.layer_item import LayerItem
    from u2studio.gui.common.qimage import rgba_to_qimage

    canvas, presenter, doc = shown
    sizes: list[tuple[int, ...]] = []
    original = overlays.tint_rgba

    def recording(mask, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        sizes.append(mask.shape)
        return original(mask, *args, **kwargs)

    monkeypatch.setattr(overlays, "tint_rgba", recording)
    tint_before, contour_before = _full(canvas, "overlay").copy(), _full(canvas, "contour").copy()
    box = (40, 40, 200, 160)  # a 160×120 dab box in the background
    doc.mask[40:160, 40:200] = 255
    doc.mask_changed(box)
    f = 2 ** canvas.display_depth()
    assert sizes == [(-(-120 // f), -(-160 // f))]  # the tint was made at the size of the level on screen
    assert _full(canvas, "overlay") == tint_before  # the full-resolution tint was not touched
    assert _full(canvas, "contour") == contour_before  # nor the contour
    assert presenter.deferred.pending("overlay") and presenter.deferred.pending("contour")
    assert presenter._keys["overlay"][1][1] == doc.mask_version  # noqa: SLF001 (no full rebuild is due)
    qtbot.waitUntil(lambda: not presenter.deferred.pending(), timeout=5_000)  # the throttled catch-up
    assert all(r[2] - r[0] <= 4 * 256 and r[3] - r[1] <= 256 for _, r in presenter.deferred.repainted)  # in tiles
    sizes.clear()
    monkeypatch.setattr(overlays, "tint_rgba", original)
    for name, rgba in (("overlay", overlays.tint_rgba(doc.mask, 1.0)), ("contour", overlays.contour_rgba(doc.mask))):
        rebuilt = LayerItem(lines=name == "contour")
        rebuilt.set_image(rgba_to_qimage(rgba))
        assert _full(canvas, name) == rebuilt.image, name  # the same picture as a full rebuild


def test_reading_a_layer_finishes_its_deferred_tiles_and_a_finished_stroke_repaints_nothing(shown) -> None:  # noqa: ANN001
    canvas, presenter, doc = shown
    doc.mask[300:340, 500:560] = 255
    doc.mask_changed((500, 300, 560, 340))
    assert canvas.layer_image("overlay").pixelColor(520, 320).alpha() == 255  # read: the tiles were done first
    assert not presenter.deferred.pending("overlay")
    presenter.deferred.flush()
    done = len(presenter.deferred.repainted)
    version = doc.mask_version
    doc.mask_changed((500, 300, 560, 340), shown=True)  # the end of a stroke whose dabs were drawn
    assert not presenter.deferred.pending() and len(presenter.deferred.repainted) == done
    assert presenter._keys["overlay"][1][1] == version + 1  # noqa: SLF001 (still current: no rebuild)
    assert not presenter._pending  # noqa: SLF001


def test_drawing_at_another_zoom_level_first_finishes_the_stale_tiles(shown) -> None:  # noqa: ANN001
    canvas, presenter, doc = shown
    doc.mask[600:640, 900:960] = 255
    doc.mask_changed((900, 600, 960, 640))
    assert presenter.deferred.pending("overlay")
    canvas.set_zoom(1.0)
    canvas.centerOn(930, 620)
    canvas.viewport().repaint()  # drawn from the full-resolution picture now
    assert not presenter.deferred.pending("overlay")
    assert canvas._layers["overlay"]._image.pixelColor(930, 620).alpha() == 255  # noqa: SLF001


@pytest.mark.parametrize("size", [(320, 240), (WIDTH, HEIGHT)])
def test_the_relaxed_zone_is_right_after_edits_made_while_it_was_hidden(qtbot, size) -> None:  # noqa: ANN001
    from u2studio.core import overlays
    from u2studio.core.document import ImageDocument
    from u2studio.core.synthetic import scene
    from u2studio.gui.canvas.canvas import Canvas
    from u2studio.gui.canvas.overlay_presenter import OverlayPresenter
    from u2studio.gui.canvas.view_options import ViewOptions

    rgb, truth = scene(*size, seed=3)[:2]
    canvas = Canvas()
    qtbot.addWidget(canvas)
    doc = ImageDocument(Path("z.png"), rgb=rgb)
    doc.set_prediction(truth.astype(np.float32) / 255.0, (), (), 0.5)
    presenter = OverlayPresenter(canvas)
    presenter.show_document(doc)
    presenter.set_options(ViewOptions(relaxed=True))
    qtbot.waitUntil(lambda: presenter.live is not None, timeout=30_000)
    presenter.set_options(ViewOptions(relaxed=False))
    doc.mask[10:60, 10:80] = 255  # an edit while the zone is hidden
    doc.mask_changed((10, 10, 80, 60))
    presenter.set_options(ViewOptions(relaxed=True))
    qtbot.waitUntil(lambda: presenter.live is not None, timeout=30_000)
    presenter.deferred.flush()
    np.testing.assert_array_equal(presenter.live.rgba, overlays.relaxed_zone_picture(doc.prediction, doc.mask, 3))
    presenter.jobs.wait()
    qtbot.wait(20)


def test_edits_made_while_a_picture_is_built_are_repainted_in_tiles_when_it_arrives(shown, qtbot, monkeypatch) -> None:  # noqa: ANN001
    import threading

    from u2studio.core import overlays
    from u2studio.gui.canvas import overlay_presenter
    from u2studio.gui.canvas.layer_item import LayerItem
    from u2studio.gui.canvas.view_options import ViewMode, ViewOptions
    from u2studio.gui.common.qimage import rgba_to_qimage

    canvas, presenter, doc = shown
    gate, inside = threading.Event(), threading.Event()
    original = overlay_presenter.drawable

    def held(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        inside.set()
        gate.wait(30)
        return original(*args, **kwargs)

    boxes: list[tuple[int, int, int, int]] = []
    repaint = presenter._repaint  # noqa: SLF001

    def recording(layer: str, region) -> None:  # noqa: ANN001
        if layer == "overlay":
            boxes.append(region)
        repaint(layer, region)

    monkeypatch.setattr(overlay_presenter, "drawable", held)
    monkeypatch.setattr(presenter, "_repaint", recording)
    presenter.set_options(ViewOptions(mode=ViewMode.MASK, contour=True))  # a new overlay picture, built on the pool
    qtbot.waitUntil(inside.is_set, timeout=10_000)
    for x0, y0 in ((40, 40), (1700, 1000)):  # two dabs at opposite corners while it is built
        doc.mask[y0 : y0 + 120, x0 : x0 + 160] = 255
        doc.mask_changed((x0, y0, x0 + 160, y0 + 120))
    qtbot.wait(200)  # the throttled catch-up runs meanwhile: the picture is still on its way
    gate.set()
    qtbot.waitUntil(lambda: "overlay" not in presenter._pending and not presenter.deferred.pending(), timeout=10_000)  # noqa: SLF001
    assert boxes and all(r[2] - r[0] <= 4 * 256 and r[3] - r[1] <= 256 for r in boxes)  # tiles, not one union box
    rebuilt = LayerItem()
    rebuilt.set_image(rgba_to_qimage(overlays.mask_rgba(doc.mask)))
    assert _full(canvas, "overlay") == rebuilt.image  # both dabs are in the arrived picture


def test_edits_made_while_the_relaxed_zone_is_built_are_replayed_off_the_gui_thread(shown, qtbot, monkeypatch) -> None:  # noqa: ANN001
    import threading

    from u2studio.gui.canvas import overlay_presenter
    from u2studio.gui.canvas.live_relaxed import LiveRelaxed
    from u2studio.gui.canvas.view_options import ViewOptions

    _, presenter, doc = shown
    gate, inside, threads = threading.Event(), threading.Event(), []

    class Held(LiveRelaxed):
        def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
            inside.set()
            gate.wait(30)
            super().__init__(*args, **kwargs)

    replayed = overlay_presenter._replayed  # noqa: SLF001

    def recording(live, regions):  # noqa: ANN001, ANN202
        threads.append(threading.current_thread())
        return replayed(live, regions)

    monkeypatch.setattr(overlay_presenter, "LiveRelaxed", Held)
    monkeypatch.setattr(overlay_presenter, "_replayed", recording)
    presenter.set_options(ViewOptions(relaxed=True, contour=True))
    qtbot.waitUntil(inside.is_set, timeout=10_000)
    for x0, y0 in ((40, 40), (900, 500), (1700, 1000)):  # a stroke's dabs while the comparison is built
        doc.mask[y0 : y0 + 60, x0 : x0 + 80] = 255 - doc.mask[y0 : y0 + 60, x0 : x0 + 80]
        doc.mask_changed((x0, y0, x0 + 80, y0 + 60))
    gate.set()
    qtbot.waitUntil(lambda: presenter.live is not None, timeout=30_000)
    assert threads and all(t is not threading.main_thread() for t in threads)
    fresh = LiveRelaxed(doc, presenter.options.compare, presenter.options.rho)
    np.testing.assert_array_equal(presenter.live.rgba, fresh.rgba)
    assert presenter.live.scores() == pytest.approx(fresh.scores())


def test_metrics_wait_for_the_relaxed_counts_to_catch_up_instead_of_finishing_them_on_the_gui_thread(shown, qtbot) -> None:  # noqa: ANN001
    from u2studio.gui.canvas.live_relaxed import LiveRelaxed
    from u2studio.gui.canvas.view_options import ViewOptions
    from u2studio.gui.inference.metrics_runner import MetricsRunner

    _, presenter, doc = shown
    presenter.set_options(ViewOptions(relaxed=True, contour=True))
    qtbot.waitUntil(lambda: presenter.live is not None, timeout=30_000)
    chunks: list[str] = []
    presenter.deferred.repainted = []
    runner = MetricsRunner(lambda: doc, presenter)
    results: list[object] = []
    runner.ready.connect(results.append)
    doc.mask[100:1100, 100:1900] = 255 - doc.mask[100:1100, 100:1900]  # the box of a long stroke at fit
    doc.mask_changed((100, 100, 1900, 1100))
    assert presenter.relaxed_catching_up()
    stale = len(presenter.deferred._tiles["relaxed"])  # noqa: SLF001
    assert stale > 20
    runner._start()  # noqa: SLF001 (what the throttle timer calls once the stroke is over)
    chunks.extend(layer for layer, _ in presenter.deferred.repainted)
    assert chunks.count("relaxed") < stale  # it did not finish every stale tile in one go on the GUI thread
    assert presenter.relaxed_catching_up() and not runner.jobs.busy  # and waits for them instead
    qtbot.waitUntil(lambda: bool(results), timeout=30_000)
    assert not presenter.relaxed_catching_up()
    fresh = LiveRelaxed(doc, presenter.options.compare, presenter.options.rho)
    assert (results[0].relaxed_f, results[0].precision, results[0].recall) == pytest.approx(fresh.scores())
    runner.jobs.wait()
