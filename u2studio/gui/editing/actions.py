"""The correction actions: one checkable action per tool (single-key shortcuts), undo/redo, commands, brush size, help."""

from __future__ import annotations

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QWidget

from u2studio.gui.editing.controller import EditController
from u2studio.gui.common.icons import icon
from u2studio.gui.editing.tools import TOOL_INFO, Tool

SIZE_STEP = 1.2

# name: (text, icon, shortcuts)
EDIT_COMMANDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "undo": ("Undo", "undo", ("Ctrl+Z",)),
    "redo": ("Redo", "redo", ("Ctrl+Shift+Z", "Ctrl+Y")),
    "size_down": ("Smaller brush", "minus-circle-outline", ("[",)),
    "size_up": ("Bigger brush", "plus-circle-outline", ("]",)),
    "cut": ("Cut instead of fill (lasso, polygon, flood; or hold Alt)", "content-cut", ("X",)),
    "grow": ("Grow the mask", "arrow-expand-all", ("Shift+G",)),
    "shrink": ("Shrink the mask", "arrow-collapse-all", ("Shift+S",)),
    "smooth": ("Smooth the mask", "blur", ("Shift+M",)),
    "invert": ("Invert the mask", "invert-colors", ("Ctrl+I",)),
    "clear": ("Clear the mask", "delete-sweep-outline", ("Ctrl+Shift+Backspace",)),
    "reset": ("Reset to the prediction", "restore", ("Ctrl+Shift+R",)),
    "help": ("Keyboard shortcuts", "help-circle-outline", ("F1", "?")),
}


def _tooltip(text: str, shortcuts: tuple[str, ...]) -> str:
    keys = " or ".join(QKeySequence(s).toString(QKeySequence.SequenceFormat.NativeText) for s in shortcuts)
    return f"{text}  ({keys})" if keys else text


class EditActions:
    """Creates the editing actions once and connects them to the EditController."""

    def __init__(self, parent: QWidget, edits: EditController) -> None:
        self.edits = edits
        self.tools = QActionGroup(parent)
        self.tools.setExclusive(True)
        self.by_tool: dict[Tool, QAction] = {}
        for tool, (text, icon_name, shortcut) in TOOL_INFO.items():
            action = self._make(parent, text, icon_name, (shortcut,))
            action.setCheckable(True)
            action.setData(tool)
            self.tools.addAction(action)
            self.by_tool[tool] = action
        self.by_tool[edits.settings.tool].setChecked(True)
        self.tools.triggered.connect(lambda action: edits.set_tool(action.data()))
        self.by_name: dict[str, QAction] = {
            name: self._make(parent, text, icon_name, shortcuts) for name, (text, icon_name, shortcuts) in EDIT_COMMANDS.items()
        }
        a = self.by_name
        a["cut"].setCheckable(True)
        a["cut"].toggled.connect(lambda on: edits.set_settings(cut=on))
        a["undo"].triggered.connect(edits.undo)
        a["redo"].triggered.connect(edits.redo)
        a["size_down"].triggered.connect(lambda: edits.scale_size(1 / SIZE_STEP))
        a["size_up"].triggered.connect(lambda: edits.scale_size(SIZE_STEP))
        for name in ("grow", "shrink", "smooth", "invert", "clear", "reset"):
            a[name].triggered.connect(getattr(edits, name))
        a["undo"].setEnabled(False)
        a["redo"].setEnabled(False)
        edits.group.canUndoChanged.connect(a["undo"].setEnabled)
        edits.group.canRedoChanged.connect(a["redo"].setEnabled)
        edits.group.undoTextChanged.connect(lambda text: a["undo"].setText(f"Undo {text}".strip()))
        edits.group.redoTextChanged.connect(lambda text: a["redo"].setText(f"Redo {text}".strip()))
        edits.settings_changed.connect(self._settings_changed)

    def _settings_changed(self, settings: object) -> None:
        self.by_tool[settings.tool].setChecked(True)  # type: ignore[attr-defined]
        if self.by_name["cut"].isChecked() != settings.cut:  # type: ignore[attr-defined]
            self.by_name["cut"].setChecked(settings.cut)  # type: ignore[attr-defined]

    @staticmethod
    def _make(parent: QWidget, text: str, icon_name: str, shortcuts: tuple[str, ...]) -> QAction:
        action = QAction(icon(icon_name), text, parent)
        action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.setToolTip(_tooltip(text, shortcuts))
        parent.addAction(action)
        return action

    def __getitem__(self, name: str) -> QAction:
        return self.by_name[name]
