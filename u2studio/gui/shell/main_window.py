"""The studio's main window: lays out widgets and wires signals; the logic lives in StudioController."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QByteArray, QMimeData, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QGuiApplication, QPaintEvent, QShowEvent
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu, QToolBar, QVBoxLayout, QWidget

from u2studio.gui.shell import rerun_prompt
from u2studio.gui.shell.actions import StudioActions
from u2studio.gui.canvas.canvas import Canvas
from u2studio.gui.shell.close_prompt import confirm_close
from u2studio.gui.inference.controller import StudioController
from u2studio.gui.inference.memory import budget_mb, undo_budget_mb
from u2studio.gui.dataset.dock import install_dataset
from u2studio.gui.editing.ui import EditingUi
from u2studio.gui.shell.file_list import FileList
from u2studio.gui.canvas.metrics_panel import MetricsPanel
from u2studio.gui.inference.model_picker import ModelPicker
from u2studio.gui.common.notifications import NotificationManager
from u2studio.gui.canvas.overlay_presenter import OverlayPresenter
from u2studio.gui.shell.empty_state import EmptyState
from u2studio.gui.shell.layout import MIN_LEFT_WIDTH, add_dock, column, restore_docks, restore_geometry, save_layout, scrolled
from u2studio.gui.shell.settings import add_recent, open_settings, recent_files
from u2studio.gui.shell.status_bar import StudioStatusBar
from u2studio.gui.common.toast import ToastHost
from u2studio.gui.common.gc_policy import freeze_long_lived
from u2studio.gui.training.panel import TrainingPanel
from u2studio.gui.canvas.view_options import ViewMode, ViewOptions
from u2studio.gui.canvas.cutout_panel import CutoutPanel
from u2studio.gui.canvas.view_panel import ViewPanel

IMAGE_FILTER = "Images (*.bmp *.jpeg *.jpg *.png *.tif *.tiff *.webp)"  # u2studio.core.imageio.IMAGE_EXTENSIONS


class MainWindow(QMainWindow):
    """Canvas in the middle, filmstrip on the left, view controls and metrics on the right."""

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("u2studio")
        self.setAcceptDrops(True)
        self.settings = open_settings()
        self.notes = NotificationManager(self)
        self.canvas = Canvas()
        self.toasts = ToastHost(self.canvas)
        self.notes.posted.connect(self.toasts.show_note)
        self.controller = StudioController(OverlayPresenter(self.canvas), self.notes, self)
        self.controller.model = str(self.settings.value("model", "u2netp"))
        self.controller.device = str(self.settings.value("device", "auto"))
        self.controller.memory.budget_bytes = budget_mb(self.settings) * 2**20
        self.actions_ = StudioActions(self)
        self.editing = EditingUi(self, self.canvas, self.controller)
        self.editing.edits.history_cap.cap_bytes = undo_budget_mb(self.settings) * 2**20
        centre = QWidget()
        stack = QVBoxLayout(centre)
        stack.setContentsMargins(0, 0, 0, 0)
        stack.setSpacing(0)
        stack.addWidget(self.editing.banner)
        stack.addWidget(self.editing.autosave_warning)
        stack.addWidget(self.canvas, 1)
        self.setCentralWidget(centre)
        self.files = FileList()
        self.view_panel = ViewPanel()
        self.cutout_panel = CutoutPanel()
        self.metrics = MetricsPanel()
        self.status = StudioStatusBar()
        self.setStatusBar(self.status)
        self.picker = ModelPicker(self.controller.model, self.controller.device)
        self.training = TrainingPanel()
        self._build_docks()
        self._build_toolbar()
        self._build_menus()
        self._wire()
        self.dataset = install_dataset(self)
        self.empty_state = EmptyState(self.canvas, self.controller)
        restore_geometry(self, self.settings)
        self._docks_restored = False
        # the worker imports torch when asked for the catalog: ask after the first paint, so the
        # window is on screen first (or after a second, should it never be painted)
        self._catalog_asked = False
        QTimer.singleShot(1000, self._ask_catalog)
        self.editing.schedule_recovery_check()

    # ----- layout ---------------------------------------------------------------------
    def _build_docks(self) -> None:
        images = add_dock(self, "Images", self.files, Qt.DockWidgetArea.LeftDockWidgetArea)
        images.setMinimumWidth(MIN_LEFT_WIDTH)
        # tools, view options and metrics scroll when the window is short (a laptop screen), instead of
        # forcing a tall minimum height on the window
        side = column(self.editing.panel, self.view_panel, self.metrics)
        view_dock = add_dock(self, "View", scrolled(side), Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(view_dock, add_dock(self, "Cutout", scrolled(column(self.cutout_panel)), Qt.DockWidgetArea.RightDockWidgetArea))
        self.tabifyDockWidget(view_dock, add_dock(self, "Fine-tune", scrolled(self.training), Qt.DockWidgetArea.RightDockWidgetArea))
        view_dock.raise_()

    def _build_toolbar(self) -> None:
        bar = QToolBar("Main")
        bar.setObjectName("main_toolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        a = self.actions_
        groups = [
            ["open", "prev", "next"],
            ["run", "run_all", "cancel"],
            None,
            ["contour", "relaxed"],
            ["fit", "actual"],
            ["save_mask", "save_cutout", "copy_cutout"],
        ]
        for group in groups:
            if group is None:
                for mode in ViewMode:
                    bar.addAction(a.by_mode[mode])
            else:
                for name in group:
                    bar.addAction(a[name])
            bar.addSeparator()
        bar.addWidget(self.picker)
        self.addToolBar(bar)
        self.addToolBar(Qt.ToolBarArea.LeftToolBarArea, self.editing.toolbar())

    def _build_menus(self) -> None:
        a = self.actions_
        file_menu = self.menuBar().addMenu("&File")
        for name in ("open", "open_folder"):
            file_menu.addAction(a[name])
        self.recent_menu = QMenu("Open recent", self)
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        for name in ("load_reference", "save_mask", "save_cutout", "copy_cutout"):
            file_menu.addAction(a[name])
        file_menu.addSeparator()
        file_menu.addAction(a["quit"])
        edit_menu = self.menuBar().addMenu("&Edit")
        view_menu = self.menuBar().addMenu("&View")
        for mode in ViewMode:
            view_menu.addAction(a.by_mode[mode])
        view_menu.addSeparator()
        for name in ("contour", "relaxed", "fit", "actual", "zoom_in", "zoom_out", "prev", "next"):
            view_menu.addAction(a[name])
        run_menu = self.menuBar().addMenu("&Run")
        for name in ("run", "run_all", "cancel"):
            run_menu.addAction(a[name])
        help_menu = self.menuBar().addMenu("&Help")
        self.editing.fill_menus(edit_menu, help_menu)
        self._fill_recent(recent_files(self.settings))

    def _fill_recent(self, paths: list[str]) -> None:
        self.recent_menu.clear()
        for path in paths:
            self.recent_menu.addAction(path, lambda p=path: self.open_paths([p]))
        self.recent_menu.setEnabled(bool(paths))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        """After the first paint, let the worker load the model list."""
        super().paintEvent(event)
        if not self._catalog_asked:
            QTimer.singleShot(0, self._ask_catalog)

    def _ask_catalog(self) -> None:
        if not self._catalog_asked:
            self._catalog_asked = True
            self.controller.client.request_catalog()

    # ----- wiring ---------------------------------------------------------------------
    def _wire(self) -> None:
        a, c = self.actions_, self.controller
        a["open"].triggered.connect(self._open_dialog)
        a["open_folder"].triggered.connect(self._open_folder_dialog)
        a["prev"].triggered.connect(lambda: c.step(-1))
        a["next"].triggered.connect(lambda: c.step(1))
        a["run"].triggered.connect(lambda: rerun_prompt.run_current(self, c))
        a["run_all"].triggered.connect(lambda: rerun_prompt.run_all(self, c))
        a["cancel"].triggered.connect(c.cancel)
        a["save_mask"].triggered.connect(lambda: self._save_dialog("mask"))
        a["save_cutout"].triggered.connect(lambda: self._save_dialog("cutout"))
        a["copy_cutout"].triggered.connect(self.copy_cutout)
        a["load_reference"].triggered.connect(self._reference_dialog)
        a["fit"].triggered.connect(self.canvas.fit)
        a["actual"].triggered.connect(self.canvas.actual_size)
        a["zoom_in"].triggered.connect(lambda: self.canvas.zoom_by(1))
        a["zoom_out"].triggered.connect(lambda: self.canvas.zoom_by(-1))
        a["quit"].triggered.connect(self.close)
        a["contour"].toggled.connect(lambda on: self.update_options(contour=on))
        a["relaxed"].toggled.connect(lambda on: self.update_options(relaxed=on))
        a.modes.triggered.connect(lambda action: self.update_options(mode=action.data()))
        self.view_panel.changed.connect(lambda values: self.update_options(**values))
        self.cutout_panel.changed.connect(lambda choice: self.update_options(cutout=choice))
        self.view_panel.load_reference.connect(self._reference_dialog)
        self.view_panel.side_chosen.connect(lambda i: self.set_mode(ViewMode.SIDE, side_index=i))
        self.files.chosen.connect(c.select)
        c.documents_changed.connect(lambda: self.files.set_documents(c.documents))
        c.document_updated.connect(self._document_updated)
        c.current_changed.connect(self._current_changed)
        c.metrics_changed.connect(self._show_metrics)
        c.metrics.stale.connect(self.metrics.mark_stale)
        c.reference_loaded.connect(self.view_panel.prefer_reference)
        c.threshold_shown.connect(self.view_panel.show_threshold)
        c.cutout_copied.connect(self._cutout_copied)
        c.inference_time.connect(self.status.set_inference_time)
        c.client.progress.connect(self.status.set_progress)
        c.client.catalog.connect(self._catalog)
        c.client.catalog_failed.connect(self.notes.error)
        self.canvas.zoom_changed.connect(self.status.set_zoom)
        self.canvas.cursor_moved.connect(lambda x, y: self.status.show_pixel(c.pixel_text, x, y))
        c.document_updated.connect(self.status.refresh_pixel)  # an undo under a still cursor changes what it reads
        self.picker.model_chosen.connect(self._model_chosen)
        self.picker.device_chosen.connect(self._device_chosen)
        self.training.message.connect(lambda text, bad: (self.notes.error if bad else self.notes.info)(text))
        # installing is the user's acceptance of a model the guard passed: select it, then list it
        self.training.model_installed.connect(lambda name, _path: (self._model_chosen(name), c.client.request_catalog()))

    def update_options(self, **changes: object) -> None:
        """Change some view options (from a toolbar toggle or the panel)."""
        self.controller.set_options(replace(self.controller.presenter.options, **changes))

    def set_mode(self, mode: ViewMode, **changes: object) -> None:
        """Switch the main picture (and check its toolbar button)."""
        self.actions_.by_mode[mode].setChecked(True)
        self.update_options(mode=mode, **changes)

    def _document_updated(self, row: int) -> None:
        doc = self.controller.documents[row]
        self.files.update_document(row, doc)
        if row == self.controller.current:
            self.view_panel.set_side_names(doc.side_names)

    def _current_changed(self, row: int) -> None:
        doc = self.controller.documents[row]
        self.files.select_row(row)
        self.status.set_image_size(doc.size)
        self.view_panel.set_side_names(doc.side_names)
        self.setWindowTitle(f"{doc.name} — u2studio")

    def _show_metrics(self, result: object) -> None:
        self.metrics.show_comparison(result, self.controller.presenter.options.compare.value)  # type: ignore[arg-type]

    def _catalog(self, catalog: object) -> None:
        freeze_long_lived()  # the worker has imported the inference code: out of the collector's walks (gc_policy)
        self.picker.set_catalog(catalog, self.controller.model, self.controller.device)  # type: ignore[arg-type]
        self.controller.client.warm_up(self.controller.model, self.controller.device)
        self.status.set_device(f"{self.controller.device} ({catalog.device_note})")  # type: ignore[attr-defined]

    def _model_chosen(self, name: str) -> None:
        self.controller.model = name
        self.settings.setValue("model", name)

    def _device_chosen(self, name: str) -> None:
        self.controller.device = name
        self.settings.setValue("device", name)
        self.status.set_device(name)

    # ----- files ------------------------------------------------------------------------
    def open_paths(self, paths: list[str]) -> None:
        """Open images or folders and remember them."""
        if self.controller.open_paths(paths):
            self._fill_recent(add_recent(self.settings, [str(Path(p).resolve()) for p in paths]))

    def _open_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Open images", self._last_folder(), IMAGE_FILTER)
        if paths:
            self.open_paths(paths)

    def _open_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open folder", self._last_folder())
        if folder:
            self.open_paths([folder])

    def _last_folder(self) -> str:
        doc = self.controller.doc
        return str(doc.path.parent) if doc else str(Path.home())

    def _reference_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Reference mask", self._last_folder(), IMAGE_FILTER)
        if path:
            self.controller.load_reference(path)

    def _save_dialog(self, kind: str) -> None:
        suggestion = self.controller.default_output(kind)
        if suggestion is None:
            return
        formats = "PNG (*.png)" if kind == "mask" else "PNG (*.png);;WebP (*.webp);;JPEG on white (*.jpg)"
        path, _ = QFileDialog.getSaveFileName(self, f"Save {kind}", str(suggestion), formats)
        if path:
            if kind == "mask":
                self.controller.save_mask(path, background=True)  # encoded off the UI thread
            else:
                self.controller.save_cutout(path)

    def copy_cutout(self) -> bool:
        """Put the cutout (with alpha) on the clipboard: rendered and encoded in the background (see _cutout_copied)."""
        return self.controller.copy_cutout() is not None

    def _cutout_copied(self, png: bytes) -> None:
        """Hand the encoded PNG to the clipboard: another application's paste reads these bytes, no conversion."""
        data = QMimeData()
        data.setData("image/png", QByteArray(png))
        QGuiApplication.clipboard().setMimeData(data)
        self.notes.info(f"Cutout copied to the clipboard ({len(png) / 1e6:.1f} MB PNG)")

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        """Accept dragged files and folders."""
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        """Open dropped files and folders."""
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            self.open_paths(paths)
            event.acceptProposedAction()

    # ----- persistence ------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        """Restore the docks once the window has its real size (earlier, Qt squeezes them to fit)."""
        super().showEvent(event)
        if not self._docks_restored:
            self._docks_restored = True
            restore_docks(self, self.settings)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        """Ask about unsaved corrections, then save geometry, stop autosaving and stop the worker."""
        if not confirm_close(self, self.editing.edits):
            event.ignore()
            return
        save_layout(self, self.settings)
        self.settings.sync()
        self.training.shutdown()
        self.controller.shutdown()
        super().closeEvent(event)
