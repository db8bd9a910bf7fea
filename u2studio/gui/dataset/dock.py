"""Adds the dataset side to the main window: the Dataset dock, its menu, toolbar buttons and shortcuts.

Kept apart from main_window.py, which calls ``install_dataset(window)`` once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialog, QDockWidget, QFileDialog, QMainWindow, QToolBar

from u2studio.gui.dataset.new_dialog import NewDatasetDialog
from u2studio.gui.dataset.panel import DatasetPanel
from u2studio.gui.dataset.prefs import default_val_ratio, recent_datasets, set_default_val_ratio
from u2studio.gui.dataset.session import DatasetSession
from u2studio.gui.common.icons import icon

from u2studio.gui.common.notifications import NotificationManager
from u2studio.gui.inference.controller import StudioController


class DatasetHost(Protocol):
    """What the dataset side needs of the window it joins (the shell's MainWindow provides it)."""

    controller: StudioController
    notes: NotificationManager
    settings: QSettings
    training: Any  # the Fine-tune panel: .open_dialog(dataset, other_images), .follow_dataset(root), .open_images

# name: (text, icon, shortcut)
DATASET_COMMANDS: dict[str, tuple[str, str, str]] = {
    "export": ("Export to dataset", "database-export-outline", "Ctrl+E"),
    "export_all": ("Export all edited images", "database-export", "Ctrl+Shift+E"),
    "new_dataset": ("New dataset…", "folder-plus-outline", ""),
    "open_dataset": ("Open dataset…", "database-outline", ""),
    "approve": ("Approve pair", "check-circle-outline", "Ctrl+Shift+A"),
    "reject": ("Reject pair", "close-circle-outline", "Ctrl+Shift+X"),  # Ctrl+Shift+R is reset-to-prediction
}


class DatasetUi(QObject):
    """Owns the session, panel, dock and actions of the dataset side."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.host: DatasetHost = window  # type: ignore[assignment]  # structural: the shell's window
        self.session = DatasetSession(self.host.controller, self.host.notes, self.host.settings, self)
        self.panel = DatasetPanel(self.session)
        self.dock = QDockWidget("Dataset", window)
        self.dock.setObjectName("dataset")
        self.dock.setWidget(self.panel)
        self.dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        view = window.findChild(QDockWidget, "view")
        if view is not None:
            window.tabifyDockWidget(view, self.dock)
            view.raise_()
        self.actions: dict[str, QAction] = {}
        for name, (text, icon_name, shortcut) in DATASET_COMMANDS.items():
            action = QAction(icon(icon_name), text, window)
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
                action.setToolTip(f"{text}  ({shortcut})")
            window.addAction(action)
            self.actions[name] = action
        a = self.actions
        a["export"].triggered.connect(self.export_current)
        a["export_all"].triggered.connect(self.export_edited)
        a["new_dataset"].triggered.connect(self.new_dialog)
        a["open_dataset"].triggered.connect(self.open_dialog)
        a["approve"].triggered.connect(lambda: self.panel.set_selected_state("approved"))
        a["reject"].triggered.connect(lambda: self.panel.set_selected_state("rejected"))
        for name, button in (("approve", self.panel.approve_button), ("reject", self.panel.reject_button)):
            button.setToolTip(f"{button.toolTip()} ({a[name].shortcut().toString()})")
        # the Fine-tune panel starts from the open dataset and offers the open images, whichever button opens it
        self.session.opened.connect(lambda ds: self.host.training.follow_dataset(str(ds.root)) if ds is not None else None)
        self.host.training.open_images = self.open_images
        self.panel.new_requested.connect(self.new_dialog)
        self.panel.open_requested.connect(self.open_dialog)
        menu = window.menuBar().addMenu("&Dataset")
        for name in ("export", "export_all", None, "new_dataset", "open_dataset", None, "approve", "reject"):
            if name is None:
                menu.addSeparator()
            else:
                menu.addAction(a[name])
        menu.addSeparator()
        fine_tune = menu.addAction(icon("school-outline"), "Fine-tune on this dataset")
        fine_tune.triggered.connect(self.fine_tune)
        self.actions["fine_tune"] = fine_tune
        menu.addSeparator()
        menu.addAction(self.dock.toggleViewAction())
        bar = window.findChild(QToolBar, "main_toolbar")
        if bar is not None:
            bar.addSeparator()
            bar.addAction(a["export"])
        window.installEventFilter(self)
        recent = recent_datasets(self.host.settings)
        if recent and Path(recent[0]).is_dir():
            self.session.open(recent[0])

    def export_current(self) -> int | None:
        """Export the shown image; without a dataset, show the panel and ask for one."""
        if self.session.ds is None:
            self.show_panel()
        return self.session.export_current()

    def export_edited(self) -> int | None:
        """Export every edited image."""
        if self.session.ds is None:
            self.show_panel()
        return self.session.export_edited()

    def fine_tune(self) -> bool:
        """Open the Fine-tune dialog on the open dataset (nothing starts until the user confirms it)."""
        if self.session.ds is None:
            self.show_panel()
            self.host.notes.error("open or create a dataset first")
            return False
        dock = self.window.findChild(QDockWidget, "fine-tune")
        if dock is not None:
            dock.show()
            dock.raise_()
        return self.host.training.open_dialog(str(self.session.ds.root), self.open_images()) is not None

    def open_images(self) -> tuple[Path, ...]:
        """The session's open images: they may anchor the fine-tune (the trainer skips copies of labelled pairs)."""
        return tuple(doc.path for doc in self.host.controller.documents)

    def show_panel(self) -> None:
        """Bring the Dataset dock to the front."""
        self.dock.show()
        self.dock.raise_()

    def new_dialog(self) -> bool:
        """Ask for a folder and validation share, and create the dataset."""
        start = str(Path.home() / "u2studio-dataset")
        dialog = NewDatasetDialog(start, default_val_ratio(self.host.settings), self.window)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        folder, ratio = dialog.choice()
        set_default_val_ratio(self.host.settings, ratio)
        return self.session.create(folder, ratio)

    def open_dialog(self) -> bool:
        """Ask for an existing dataset folder and open it."""
        recent = recent_datasets(self.host.settings)
        start = str(Path(recent[0]).parent) if recent else str(Path.home())
        folder = QFileDialog.getExistingDirectory(self.window, "Open dataset", start)
        return bool(folder) and self.session.open(folder)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Let queued writes finish before the window closes."""
        if watched is self.window and event.type() == QEvent.Type.Close:
            self.session.wait()
        return False


def install_dataset(window: QMainWindow) -> DatasetUi:
    """Give ``window`` the dataset dock, menu and shortcuts."""
    return DatasetUi(window)
