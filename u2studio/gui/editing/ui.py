"""Assembles the correction UI (controller, canvas input, actions, tool panel, recovery banner, help) for the window."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar

from u2studio.core.editing.autosave import Session
from u2studio.gui.canvas.canvas import Canvas
from u2studio.gui.inference.controller import StudioController
from u2studio.gui.editing.actions import EditActions
from u2studio.gui.editing.autosave_status import AutosaveWarning
from u2studio.gui.editing.brush_memory import BrushMemory
from u2studio.gui.editing.controller import EditController
from u2studio.gui.common.help_panel import HelpPanel
from u2studio.gui.editing.recovery_banner import RecoveryBanner
from u2studio.gui.editing.tool_input import CanvasToolInput
from u2studio.gui.editing.tool_panel import ToolPanel
from u2studio.gui.editing.tools import Tool

MENU_COMMANDS = ("undo", "redo", None, "grow", "shrink", "smooth", "invert", "clear", "reset", None, "cut", "size_down", "size_up")


class EditingUi:
    """The editing parts of the window and their wiring; the window only places them."""

    def __init__(self, window: QMainWindow, canvas: Canvas, studio: StudioController) -> None:
        self.window = window
        self.edits = EditController(studio, window)
        self.input = CanvasToolInput(canvas, self.edits)
        self.actions = EditActions(window, self.edits)
        self.panel = ToolPanel(self.actions.by_tool, self.actions.by_name)
        self.panel.show_settings(self.edits.settings)
        self.panel.changed.connect(lambda change: self.edits.set_settings(**change))
        self.edits.settings_changed.connect(self.panel.show_settings)
        self.brush_memory = BrushMemory(studio, self.edits)
        self.autosave_warning = AutosaveWarning()
        self.banner = RecoveryBanner()
        self.banner.recover_requested.connect(self.edits.recover)
        self.banner.discard_requested.connect(self.edits.discard)
        self.help: HelpPanel | None = None
        self.actions["help"].triggered.connect(self.show_help)

    def toolbar(self) -> QToolBar:
        """A vertical bar of the tools, undo and redo (left of the canvas)."""
        bar = QToolBar("Tools")
        bar.setObjectName("tools_toolbar")
        bar.setMovable(False)
        for action in self.actions.by_tool.values():
            bar.addAction(action)
        bar.addSeparator()
        bar.addAction(self.actions["undo"])
        bar.addAction(self.actions["redo"])
        return bar

    def fill_menus(self, edit_menu: QMenu, help_menu: QMenu) -> None:
        """Put the tools and commands in the Edit menu and the shortcut list in Help."""
        for name in MENU_COMMANDS:
            if name is None:
                edit_menu.addSeparator()
            else:
                edit_menu.addAction(self.actions[name])
        tools = edit_menu.addMenu("Tool")
        for tool in Tool:
            tools.addAction(self.actions.by_tool[tool])
        help_menu.addAction(self.actions["help"])

    def offer_recovery(self) -> None:
        """Show the banner if a crash left autosaved corrections (called once the window is up)."""
        self.banner.show_sessions(self.edits.recoverable())

    def schedule_recovery_check(self) -> None:
        """Look for recoverable sessions right after start-up."""
        QTimer.singleShot(0, self.offer_recovery)

    def recover(self, session: Session) -> None:
        """Recover one session (as the banner's button does)."""
        self.edits.recover(session)

    def show_help(self) -> HelpPanel:
        """Open (or raise) the shortcut list, generated from every action of the window."""
        if self.help is None:
            self.help = HelpPanel(list(self.window.actions()), self.window)
        self.help.show()
        self.help.raise_()
        return self.help
