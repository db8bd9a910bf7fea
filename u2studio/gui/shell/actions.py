"""Every command of the studio as a QAction with an mdi6 icon, shortcut and tooltip."""

from __future__ import annotations

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QWidget

from u2studio.gui.common.icons import icon
from u2studio.gui.canvas.view_options import ViewMode

# name: (text, icon, shortcut)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "open": ("Open images…", "folder-open-outline", "Ctrl+O"),
    "open_folder": ("Open folder…", "folder-multiple-image", "Ctrl+Shift+O"),
    "prev": ("Previous image", "chevron-left", "PgUp"),
    "next": ("Next image", "chevron-right", "PgDown"),
    "run": ("Run model on this image", "play", "Ctrl+Return"),
    "run_all": ("Run on all images", "play-box-multiple-outline", "Ctrl+Shift+Return"),
    "cancel": ("Cancel inference", "stop", "Esc"),
    "save_mask": ("Save mask…", "content-save-outline", "Ctrl+S"),
    "save_cutout": ("Save cutout…", "content-save-move-outline", "Ctrl+Shift+S"),
    "copy_cutout": ("Copy cutout", "content-copy", "Ctrl+Shift+C"),
    "load_reference": ("Load reference mask…", "file-image-plus-outline", "Ctrl+G"),
    "fit": ("Fit to window", "fit-to-screen-outline", "F"),
    "actual": ("Actual size (1:1)", "magnify-expand", "1"),
    "zoom_in": ("Zoom in", "magnify-plus-outline", "Ctrl++"),
    "zoom_out": ("Zoom out", "magnify-minus-outline", "Ctrl+-"),
    "contour": ("Boundary contour", "vector-polyline", "C"),
    "relaxed": ("Relaxed boundary zone", "vector-square-edit", "Z"),
    "quit": ("Quit", "exit-to-app", "Ctrl+Q"),
}

MODES: dict[ViewMode, tuple[str, str, str]] = {
    ViewMode.IMAGE: ("Image only", "image-outline", "O"),
    ViewMode.TINT: ("Mask tint", "palette-outline", "T"),
    ViewMode.CUTOUT: ("Cutout on checkerboard", "checkerboard", "K"),
    ViewMode.MASK: ("Mask alone", "circle-half-full", "M"),
    ViewMode.SIDE: ("Side outputs d1…d6", "layers-triple-outline", "D"),
}


class StudioActions:
    """Creates the actions once; the window puts them in menus and toolbars."""

    def __init__(self, parent: QWidget) -> None:
        self.by_name: dict[str, QAction] = {}
        for name, (text, icon_name, shortcut) in COMMANDS.items():
            self.by_name[name] = self._make(parent, text, icon_name, shortcut)
        for name in ("contour", "relaxed"):
            self.by_name[name].setCheckable(True)
        self.by_name["contour"].setChecked(True)  # matches ViewOptions' default
        self.modes = QActionGroup(parent)
        self.modes.setExclusive(True)
        self.by_mode: dict[ViewMode, QAction] = {}
        for mode, (text, icon_name, shortcut) in MODES.items():
            action = self._make(parent, text, icon_name, shortcut)
            action.setCheckable(True)
            action.setData(mode)
            self.modes.addAction(action)
            self.by_mode[mode] = action
        self.by_mode[ViewMode.TINT].setChecked(True)

    @staticmethod
    def _make(parent: QWidget, text: str, icon_name: str, shortcut: str) -> QAction:
        action = QAction(icon(icon_name), text, parent)
        action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(f"{text}  ({QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)})")
        parent.addAction(action)
        return action

    def __getitem__(self, name: str) -> QAction:
        return self.by_name[name]
