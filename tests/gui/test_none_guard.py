"""The studio survives PySide6 6.12's leak of a reference to None per void Qt call on Python 3.11 (a 50-photo
session aborted with "none_dealloc" without the guard)."""

from __future__ import annotations

import sys

import pytest

pytestmark = pytest.mark.gui


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12 on")
def test_void_qt_calls_can_no_longer_exhaust_the_references_to_none(qtbot) -> None:  # noqa: ANN001
    from PySide6.QtWidgets import QGraphicsRectItem

    from u2studio.gui.app import application
    from u2studio.gui.common import none_guard

    application()  # what the studio and the benchmarks start with
    assert getattr(none_guard.install, "done", False)
    item = QGraphicsRectItem()
    before = sys.getrefcount(None)
    for _ in range(1000):
        item.update()  # a void method: each call may drop one reference to None it never took
    after = sys.getrefcount(None)
    assert after <= before  # (the leak itself, where this PySide has it, or no change once it is fixed)
    assert after > none_guard.HEADROOM // 2  # far from zero whatever the leak


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="True and False are immortal from Python 3.12 on")
def test_true_and_false_have_the_same_headroom(qtbot) -> None:  # noqa: ANN001
    from u2studio.gui.app import application
    from u2studio.gui.common import none_guard

    application()
    # a torch-free studio aborted with "bool_dealloc" after 50 photos' brush strokes before True was guarded too
    assert sys.getrefcount(True) > none_guard.HEADROOM // 2
    assert sys.getrefcount(False) > none_guard.HEADROOM // 2
