"""Every shortcut of the real main window is unique: Qt runs neither of two actions that share one."""

from __future__ import annotations

from collections import defaultdict

import pytest

pytestmark = pytest.mark.gui


def _shortcut_owners(window) -> dict[str, list[str]]:  # noqa: ANN001
    """Each key sequence of the window (menus, toolbars, docks, editing, dataset) -> the actions bound to it."""
    from PySide6.QtGui import QAction, QKeySequence, QShortcut

    owners: dict[str, list[str]] = defaultdict(list)
    actions = {id(a): a for a in window.findChildren(QAction)}
    for menu_action in window.menuBar().actions():
        menu = menu_action.menu()
        if menu is not None:
            for a in menu.findChildren(QAction):
                actions.setdefault(id(a), a)
    for action in actions.values():
        if action.shortcutContext().name == "WidgetShortcut":
            continue  # only active while its own widget has focus
        for seq in action.shortcuts():
            if not seq.isEmpty():
                owners[seq.toString(QKeySequence.SequenceFormat.PortableText)].append(action.text())
    for shortcut in window.findChildren(QShortcut):
        if not shortcut.key().isEmpty():
            owners[shortcut.key().toString(QKeySequence.SequenceFormat.PortableText)].append(f"QShortcut {shortcut.objectName()}")
    return owners


def test_no_two_actions_of_the_window_share_a_shortcut(window) -> None:  # noqa: ANN001
    owners = _shortcut_owners(window)
    assert len(owners) > 40, "the walk should reach the file, view, editing and dataset actions"
    assert "Ctrl+E" in owners and "Ctrl+Shift+A" in owners, "dataset actions are walked too"
    assert "B" in owners and "Ctrl+Z" in owners, "editing actions are walked too"
    clashes = {key: names for key, names in owners.items() if len(names) > 1}
    assert not clashes, f"ambiguous shortcuts: {clashes}"


def test_ctrl_shift_r_resets_to_the_prediction_and_reject_has_its_own_key(window, qtbot, scene_files) -> None:  # noqa: ANN001
    import numpy as np
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    image, _, _ = scene_files
    c = window.controller
    window.open_paths([str(image)])
    with qtbot.waitSignal(c.client.result, timeout=60_000):
        c.run_current()
    doc = c.doc
    predicted = doc.mask.copy()
    window.editing.edits.clear()
    assert not doc.mask.any()
    window.activateWindow()
    QTest.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: bool(doc.mask.any()), timeout=3000)
    np.testing.assert_array_equal(doc.mask, predicted)
    reject = window.dataset.actions["reject"].shortcut().toString()
    assert reject and reject != "Ctrl+Shift+R"
    assert reject in window.dataset.panel.reject_button.toolTip()
