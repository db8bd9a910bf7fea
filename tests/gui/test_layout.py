"""Layout for work, measured on the real main window: canvas share, nothing clipped, dock sizes that
survive a restart, names in the dataset table, brush size per image, empty states, early thumbnails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from u2studio.core.imageio import save_png
from u2studio.core.synthetic import scene
from tests.gui.layout_helpers import clipped_widgets, right_docks

pytestmark = pytest.mark.gui
ROOT = Path(__file__).resolve().parents[2]


def _size(window, qtbot, width: int, height: int) -> None:  # noqa: ANN001
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.width() == width and window.height() == height, timeout=3000)
    qtbot.wait(50)


def _filled_dataset(root: Path):  # noqa: ANN202
    from u2studio.core.dataset import Dataset

    ds = Dataset.create(root / "ds", val_ratio=0.5)
    for seed, name in enumerate(("garden-chair-0412", "portrait-window-light", "shot3")):
        rgb, mask = scene(96, 72, seed=seed)
        ds.add(save_png(root / "src" / f"{name}.png", rgb), mask, prediction=np.roll(mask, 4, axis=1), model="u2netp")
    return ds


def test_the_canvas_gets_at_least_60_percent_of_a_1600_px_window(window, qtbot) -> None:  # noqa: ANN001
    _size(window, qtbot, 1600, 1000)
    share = window.canvas.width() / window.width()
    assert share >= 0.60, f"canvas {window.canvas.width()} px of {window.width()} ({share:.0%})"


def test_no_right_hand_panel_clips_its_controls_at_1280x800(window, qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    """Every dock of the right-hand tabs (View, Fine-tune, Dataset with pairs, and any panel added later),
    every tool's options in View: no control narrower or shorter than its size hint, none sticking out."""
    from PySide6.QtWidgets import QScrollArea

    from u2studio.gui.editing.tools import Tool

    assert window.dataset.session.open(_filled_dataset(tmp_path).root)
    _size(window, qtbot, 1280, 800)
    docks = right_docks(window)
    assert {"view", "fine-tune", "dataset"} <= {d.objectName() for d in docks}
    for dock in docks:
        dock.raise_()
        qtbot.wait(30)
        tools = list(Tool) if dock.objectName() == "view" else [None]
        for tool in tools:
            if tool is not None:
                window.editing.edits.set_tool(tool)
                qtbot.wait(20)
            assert clipped_widgets(dock) == [], (dock.objectName(), tool)
            scroller = dock.widget()
            if isinstance(scroller, QScrollArea) and dock.objectName() == "view":
                needed = scroller.widget().minimumSizeHint().height()
                assert needed <= scroller.viewport().height(), f"View needs {needed} px, shows {scroller.viewport().height()} ({tool})"


def _driver(data: Path, *args: str) -> dict:
    screen = data / "screen.json"
    screen.write_text(json.dumps({"screens": [{"name": "big", "x": 0, "y": 0, "width": 1920, "height": 1200,
                                               "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    env = dict(os.environ, U2STUDIO_DATA_DIR=str(data), QT_QPA_PLATFORM=f"offscreen:configfile={screen}",
               PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, str(ROOT / "tests" / "gui" / "layout_driver.py"), *args], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_dock_sizes_come_back_after_a_restart(tmp_path: Path) -> None:
    """Two real studio processes share one settings file (a real QSettings round trip)."""
    for window, left, right in (((1600, 1000), 300, 420), ((1280, 800), 180, 300)):
        data = tmp_path / f"{window[0]}"
        data.mkdir()
        saved = _driver(data, "save", str(window[0]), str(window[1]), str(left), str(right))
        assert (saved["images"], saved["view"]) == (left, right)
        again = _driver(data, "load")
        assert again["window"] == list(window)
        assert (again["images"], again["view"]) == (left, right), again
        assert not again["filmstrip_hscroll"]


def test_a_narrow_filmstrip_elides_names_instead_of_scrolling_sideways(window, qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QDockWidget

    path = save_png(tmp_path / "a-rather-long-file-name-from-a-camera-0001.png", scene(64, 48)[0])
    window.open_paths([str(path)])
    window.resizeDocks([window.findChild(QDockWidget, "images")], [160], Qt.Orientation.Horizontal)
    qtbot.wait(50)
    assert window.files.horizontalScrollBar().maximum() == 0


def test_names_show_in_the_dataset_table(window, qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    panel = window.dataset.panel
    assert window.dataset.session.open(_filled_dataset(tmp_path).root)
    _size(window, qtbot, 1600, 1000)
    window.dataset.show_panel()
    qtbot.wait(50)
    table = panel.table
    room = table.columnWidth(0) - table.iconSize().width() - 12
    assert room >= table.fontMetrics().horizontalAdvance("garden-chair-04"), f"{room} px for the name"
    first = panel.proxy.index(0, 0)
    assert first.data().split("\n")[0] in {"garden-chair-0412", "portrait-window-light", "shot3"}
    assert "corrected" in first.data()  # state and split sit under the name


def test_brush_size_is_kept_per_image_and_scaled_to_a_new_one(window, qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    big = save_png(tmp_path / "big.png", scene(1200, 900, seed=1)[0])
    small = save_png(tmp_path / "small.png", scene(300, 225, seed=2)[0])
    window.open_paths([str(big), str(small)])
    c, edits = window.controller, window.editing.edits
    c.select(0)
    edits.set_settings(size=120.0)
    c.select(1)
    assert edits.settings.size == pytest.approx(30.0), "the same share of the longer side (120 * 300 / 1200)"
    assert window.editing.panel.value_labels["size"].text() == "30 px"
    edits.set_settings(size=12.0)
    c.select(0)
    assert edits.settings.size == pytest.approx(120.0)
    c.select(1)
    assert edits.settings.size == pytest.approx(12.0)


def test_the_empty_state_says_what_to_do_first(window, qtbot, scene_files) -> None:  # noqa: ANN001
    hint = window.empty_state
    assert hint.isVisible() and "Open images" in hint.text() and "Ctrl+O" in hint.text()
    image, _, _ = scene_files
    window.open_paths([str(image)])
    assert hint.isVisible() and "Ctrl+Enter" in hint.text()
    viewport = window.canvas.viewport().rect()
    assert viewport.contains(hint.geometry()), "the hint sits inside the canvas"
    with qtbot.waitSignal(window.controller.client.result, timeout=60_000):
        window.controller.run_current()
    qtbot.waitUntil(lambda: not hint.isVisible(), timeout=3000)


def test_thumbnails_appear_without_running_the_model(window, qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    from PIL import Image

    paths = []
    for seed in range(3):
        rgb = scene(2400, 1600, seed=seed)[0]
        path = tmp_path / f"photo{seed}.jpg"
        Image.fromarray(rgb).save(path, quality=90)
        paths.append(str(path))
    window.open_paths(paths)
    qtbot.waitUntil(lambda: window.files.thumbnail_count() == 3, timeout=10_000)
    unseen = window.controller.documents[2]
    assert unseen.rgb is None and unseen.mask is None, "made from the file, without loading or running it"
    icon = window.files.item(2).icon().pixmap(56, 56).toImage()
    centre = icon.pixelColor(28, 28)
    assert centre.alpha() == 255 and (centre.red(), centre.green(), centre.blue()) != (0, 0, 0)


def test_thumbnails_are_decoded_at_reduced_size(tmp_path: Path) -> None:
    from PIL import Image

    from u2studio.core.thumbnail import read_thumbnail

    rgb = scene(4000, 3000, seed=4)[0]
    path = tmp_path / "big.jpg"
    Image.fromarray(rgb).save(path, quality=90)
    with Image.open(path) as img:
        img.draft("RGB", (56, 56))
        assert max(img.size) <= 4000 // 8 + 1, "JPEG draft decoding is what keeps full-resolution pixels away"
    small = read_thumbnail(path, 56)
    assert max(small.shape[:2]) == 56 and small.shape == (42, 56, 3)
    expected = np.asarray(Image.fromarray(rgb).resize((56, 42), Image.Resampling.BOX)).astype(int)
    assert np.abs(small.astype(int) - expected).mean() < 12
