"""The studio's cutouts: edge modes, decontamination, preview backgrounds, save and copy off the UI thread."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QGuiApplication

from u2studio.core.imageio import load_image, save_png
from u2studio.gui.canvas.view_options import CutoutChoice, ViewMode

from tests.gui.edit_helpers import correct_box

pytestmark = pytest.mark.gui


def _ready(window, qtbot, scene_files):  # noqa: ANN001, ANN202
    window.open_paths([str(scene_files[0])])
    with qtbot.waitSignal(window.controller.client.result, timeout=60_000):
        window.controller.run_current()
    return window.controller, window.controller.doc


def _save(window, qtbot, path: Path, **choice: object) -> Path:  # noqa: ANN001
    window.update_options(cutout=CutoutChoice(**choice))  # type: ignore[arg-type]
    with qtbot.waitSignal(window.controller.cutout_saved, timeout=30_000) as saved:
        assert window.controller.save_cutout(path) is not None
    return Path(saved.args[0])


def test_each_edge_mode_saves_a_full_resolution_cutout_in_the_background(window, qtbot, scene_files, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    import u2studio.gui.canvas.cutout_jobs as jobs

    threads: list[str] = []
    real = jobs.render
    monkeypatch.setattr(jobs, "render", lambda *a: (threads.append(threading.current_thread().name), real(*a))[1])
    c, doc = _ready(window, qtbot, scene_files)
    alphas = {}
    for mode in ("hard", "feather", "refined"):
        out = load_image(_save(window, qtbot, tmp_path / f"{mode}.png", edges=mode))
        assert out.rgb.shape == doc.rgb.shape and out.alpha is not None
        alphas[mode] = out.alpha
    assert set(np.unique(alphas["hard"])) <= {0, 255}
    edge = (alphas["hard"] > 0) != (np.roll(alphas["hard"], 1, axis=1) > 0)
    for soft in ("feather", "refined"):  # the edge is no longer a one-pixel staircase
        assert ((alphas[soft] > 0) & (alphas[soft] < 255)).sum() > edge.sum()
        assert (alphas[soft][doc.mask == 0] < 128).mean() > 0.99  # and it stays where the mask is
    assert threads and threading.main_thread().name not in threads  # rendered off the UI thread


def test_corrections_are_never_moved_by_refinement(window, qtbot, scene_files, tmp_path: Path) -> None:  # noqa: ANN001
    c, doc = _ready(window, qtbot, scene_files)
    correct_box(window, (30, 30, 90, 80), 255)  # painted by the user: it stays exactly as painted
    alpha = load_image(_save(window, qtbot, tmp_path / "r.png", edges="refined")).alpha
    assert alpha is not None and (alpha[30:80, 30:90] == 255).all()


def test_formats_follow_the_extension_and_never_overwrite_the_photo(window, qtbot, scene_files, tmp_path: Path) -> None:  # noqa: ANN001
    c, doc = _ready(window, qtbot, scene_files)
    jpg = _save(window, qtbot, tmp_path / "flat.jpg", edges="hard")
    assert jpg.read_bytes()[:2] == b"\xff\xd8" and load_image(jpg).alpha is None
    webp = _save(window, qtbot, tmp_path / "c.webp", edges="hard")
    assert webp.read_bytes()[8:12] == b"WEBP"
    before = doc.path.read_bytes()
    assert c.save_cutout(doc.path) is None  # refused with a message
    assert doc.path.read_bytes() == before
    assert any("photo itself" in n.text for n in window.notes.history)


def test_copy_hands_an_encoded_png_to_the_clipboard(window, qtbot, scene_files) -> None:  # noqa: ANN001
    c, doc = _ready(window, qtbot, scene_files)
    with qtbot.waitSignal(c.cutout_copied, timeout=30_000):
        assert window.copy_cutout()
    data = QGuiApplication.clipboard().mimeData()
    png = bytes(data.data("image/png"))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    path = Path(qtbot._request.getfixturevalue("tmp_path")) / "pasted.png"  # noqa: SLF001
    path.write_bytes(png)
    pasted = load_image(path)
    assert pasted.rgb.shape == doc.rgb.shape and pasted.alpha is not None


def test_the_cutout_view_swaps_in_the_refined_render_and_previews_on_a_colour(window, qtbot, scene_files) -> None:  # noqa: ANN001
    c, doc = _ready(window, qtbot, scene_files)
    preview = c.presenter.cutout_preview
    window.set_mode(ViewMode.CUTOUT)
    assert window.canvas.layer_visible("overlay")
    with qtbot.waitSignal(preview.ready, timeout=30_000):
        pass
    assert c.presenter._keys["overlay"][0] == "cutout-render"  # noqa: SLF001 (the finished render is shown)
    window.update_options(cutout=CutoutChoice(background="white"))
    qtbot.waitUntil(lambda: c.presenter._keys["overlay"][0] == "cutout-render" and c.presenter._keys["overlay"][2].background == "white", timeout=30_000)  # noqa: SLF001
    layer = window.canvas.layer_image("overlay")
    assert layer.pixelColor(2, 2).alpha() == 255  # flattened onto white: opaque
    assert layer.pixelColor(2, 2).red() == 255 if doc.mask[2, 2] == 0 else True


def test_the_panel_drives_the_view_options(window) -> None:  # noqa: ANN001
    panel = window.cutout_panel
    panel.edges.setCurrentIndex(panel.edges.findData("feather"))
    panel.radius.setValue(4.5)
    panel.decontaminate.setChecked(False)
    choice = window.controller.presenter.options.cutout
    assert (choice.edges, choice.feather_radius, choice.decontaminate) == ("feather", 4.5, False)
    assert not panel.amount.isEnabled() and panel.radius.isEnabled()


def test_decontamination_removes_a_coloured_background_from_the_edge(window, qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    """A grey disc on saturated green, with a soft reference mask: the saved edge carries no green."""
    yy, xx = np.mgrid[:160, :200]
    dist = np.hypot(xx - 100, yy - 80)
    alpha = np.clip((45 - dist) / 6 + 0.5, 0, 1)
    rgb = (alpha[..., None] * 128 + (1 - alpha[..., None]) * np.array([0, 255, 0])).astype(np.uint8)
    image = save_png(tmp_path / "disc.png", rgb)
    window.open_paths([str(image)])
    doc = window.controller.doc
    doc.set_prediction(alpha.astype(np.float32), (), (), threshold=None)
    out = {}
    for on in (False, True):
        path = _save(window, qtbot, tmp_path / f"d{on}.png", edges="refined", decontaminate=on)
        out[on] = load_image(path)
    band = (out[True].alpha > 20) & (out[True].alpha < 235)
    assert band.sum() > 50
    green = lambda im: (im.rgb[..., 1].astype(int) - im.rgb[..., 0].astype(int))[band].mean()  # noqa: E731
    assert green(out[True]) < 0.5 * green(out[False])


def test_soft_mask_cutouts_agree_with_the_model_s_own_grid(window, qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    """Viewing the soft mask, the refined cutout is told the model's map size (its mask is that map scaled up);
    at a threshold the mask is no scaled-up map, and no grid is used."""
    import cv2

    from u2studio.core.cutout import CutoutSettings, render_cutout
    from u2studio.core.prediction_source import PredictionSource
    from u2studio.core.synthetic import hair_scene
    from u2studio.gui.canvas.cutout_jobs import mask_grid

    rgb, alpha, _fg = hair_scene(480, 360)
    image = save_png(tmp_path / "hair.png", rgb)
    window.open_paths([str(image)])
    doc = window.controller.doc
    source = PredictionSource(cv2.resize(alpha, (120, 90), interpolation=cv2.INTER_AREA), 480, 360)
    doc.set_prediction(source.enlarge(), (), (), threshold=None, source=source)
    assert mask_grid(doc) == (120, 90)
    soft = load_image(_save(window, qtbot, tmp_path / "soft.png", edges="refined")).alpha
    told = render_cutout(rgb, doc.mask, CutoutSettings(mask_grid=(120, 90)))[..., 3]
    assert np.array_equal(soft, told)
    assert not np.array_equal(soft, render_cutout(rgb, doc.mask)[..., 3])
    window.view_panel.soft.setChecked(True)
    window.view_panel.soft.setChecked(False)  # back to the threshold slider's value
    assert doc.threshold is not None and mask_grid(doc) is None
    hard = load_image(_save(window, qtbot, tmp_path / "hard.png", edges="refined")).alpha
    assert np.array_equal(hard, render_cutout(rgb, doc.mask)[..., 3])
