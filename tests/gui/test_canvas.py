"""The canvas: zoom toward the cursor, pixel-exact magnification, region repaint, settings persistence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.gui


@pytest.fixture
def canvas(qtbot):  # noqa: ANN001, ANN201
    from u2studio.gui.canvas.canvas import Canvas

    view = Canvas()
    view.resize(400, 300)
    qtbot.addWidget(view)
    view.show()
    return view


def _image(width: int = 64, height: int = 48):  # noqa: ANN202
    from u2studio.gui.common.qimage import rgb_to_qimage

    rgb = np.zeros((height, width, 3), np.uint8)
    rgb[::2, ::2] = 255
    return rgb_to_qimage(rgb)


def test_wheel_zoom_keeps_the_point_under_the_cursor_fixed(canvas) -> None:  # noqa: ANN001
    from PySide6.QtCore import QPointF

    canvas.set_image(_image())
    anchor = QPointF(150, 100)
    before = canvas.mapToScene(anchor.toPoint())
    canvas.zoom_by(3, anchor)
    after = canvas.mapToScene(anchor.toPoint())
    assert abs(before.x() - after.x()) < 1.5 / canvas.zoom + 0.05
    assert abs(before.y() - after.y()) < 1.5 / canvas.zoom + 0.05
    canvas.set_zoom(8.0)
    assert canvas.zoom == pytest.approx(8.0)
    assert canvas.pixel_exact()
    canvas.fit()
    assert canvas.zoom == pytest.approx(min(400 / 80, 300 / 64), rel=0.1)


def test_high_zoom_is_pixel_exact(canvas, qtbot) -> None:  # noqa: ANN001
    canvas.set_image(_image(8, 8))
    canvas.set_zoom(16.0)
    grabbed = canvas.viewport().grab().toImage()
    # at 16× each image pixel is a 16×16 block of one colour: no smoothing between black and white
    values = {grabbed.pixelColor(x, y).red() for x in range(grabbed.width()) for y in range(grabbed.height())}
    assert values <= {0, 255, 0x17}  # black, white, and the canvas surround (#17191b)


def test_mask_edit_in_a_region_repaints_only_that_region(canvas) -> None:  # noqa: ANN001
    from u2studio.core.document import ImageDocument
    from u2studio.gui.canvas.overlay_presenter import OverlayPresenter

    doc = ImageDocument(Path("r.png"), rgb=np.full((40, 50, 3), 90, np.uint8))
    doc.set_prediction(np.zeros((40, 50), np.float32), (), (), 0.5)
    presenter = OverlayPresenter(canvas)
    presenter.show_document(doc)
    before = canvas.layer_image("overlay").copy()
    assert before.pixelColor(15, 12).alpha() == 0
    doc.mask[10:20, 10:30] = 255
    doc.mask_changed((10, 10, 30, 20))
    after = canvas.layer_image("overlay")
    assert after.pixelColor(15, 12).alpha() == 255
    assert after.pixelColor(5, 5).alpha() == 0
    assert presenter._keys["overlay"][1][1] == doc.mask_version  # noqa: SLF001 (the cache knows it is current)


def test_geometry_and_recent_files_persist(qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    from u2studio.core.imageio import save_png
    from u2studio.gui.shell.main_window import MainWindow
    from u2studio.gui.shell.settings import open_settings, recent_files

    image = save_png(tmp_path / "p.png", np.zeros((10, 10, 3), np.uint8))
    first = MainWindow()
    qtbot.addWidget(first)
    first.resize(760, 540)
    first.show()
    first.open_paths([str(image)])
    size = (first.width(), first.height())  # at least the docks' minimum size
    first.close()
    assert recent_files(open_settings()) == [str(image.resolve())]
    second = MainWindow()
    qtbot.addWidget(second)
    assert (second.width(), second.height()) == size
    assert second.recent_menu.actions()[0].text() == str(image.resolve())
    second.close()
