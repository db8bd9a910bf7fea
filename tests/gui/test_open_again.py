"""Opening an image that is already open shows it instead of warning (a recovered session started with the
same photo on the command line used to toast "No new images to open")."""

from __future__ import annotations

from pathlib import Path

import pytest

from u2studio.core.imageio import save_png
from u2studio.core.synthetic import scene

pytestmark = pytest.mark.gui


def test_opening_an_open_image_again_selects_it_without_a_warning(window, tmp_path: Path) -> None:  # noqa: ANN001
    paths = [save_png(tmp_path / f"p{i}.png", scene(96, 80, seed=i)[0]) for i in range(2)]
    controller = window.controller
    window.open_paths([str(p) for p in paths])
    controller.select(1)
    warnings_before = len(controller.notes.history)
    window.open_paths([str(paths[0])])
    assert controller.current == 0 and len(controller.documents) == 2
    assert len(controller.notes.history) == warnings_before
    empty = tmp_path / "empty"
    empty.mkdir()
    window.open_paths([str(empty)])  # a folder without images still says so
    assert controller.notes.history[-1].text == f"No images to open in {empty}."
