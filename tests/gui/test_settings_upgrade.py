"""Settings written by the release before the layout change (commit c6cad70) still load.

The fixture is that release's own studio.ini, made by tests/gui/fixtures/make_studio_ini.py run on that
commit: recent files, model and device, dataset preferences, geometry, and a version-3 window state.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.gui
FIXTURE = Path(__file__).parent / "fixtures" / "studio-c6cad70.ini"


def test_settings_of_the_previous_release_load_and_its_old_dock_layout_gives_way_to_the_new_defaults(
    qtbot, isolated_data_dir: Path, bundled_weights: Path  # noqa: ANN001
) -> None:
    from PySide6.QtWidgets import QDockWidget

    from u2studio.gui.dataset.prefs import annotator, default_val_ratio, recent_datasets
    from u2studio.gui.shell.layout import LEFT_WIDTH, RIGHT_WIDTH
    from u2studio.gui.shell.main_window import MainWindow
    from u2studio.gui.shell.settings import open_settings, recent_files

    shutil.copy(FIXTURE, isolated_data_dir / "studio.ini")
    win = MainWindow()
    qtbot.addWidget(win)
    assert (win.width(), win.height()) == (790, 580), "the saved geometry is used"
    win.show()
    qtbot.wait(50)
    assert (win.controller.model, win.controller.device) == ("u2net", "cpu")
    assert [a.text() for a in win.recent_menu.actions()] == ["/photos/2024/garden.jpg", "/photos/2024/portrait.png"]
    assert win.dataset.panel.annotator.text() == "ana"
    settings = win.settings
    assert recent_datasets(settings) == ["/datasets/products"] and default_val_ratio(settings) == pytest.approx(0.2)
    # the old window state (layout version 3, filmstrip 250 px) is not misapplied to the new panels
    images, view = win.findChild(QDockWidget, "images"), win.findChild(QDockWidget, "view")
    assert (images.width(), view.width()) == (LEFT_WIDTH, RIGHT_WIDTH)
    assert {"fine-tune", "dataset"} <= {d.objectName() for d in win.tabifiedDockWidgets(view)}
    win.close()
    kept = open_settings()
    assert recent_files(kept) == ["/photos/2024/garden.jpg", "/photos/2024/portrait.png"]
    assert kept.value("model") == "u2net" and annotator(kept) == "ana"
