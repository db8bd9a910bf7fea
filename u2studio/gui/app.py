"""Start the studio: ``run(paths)`` builds the application and window and runs the event loop."""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from u2studio.gui.common import none_guard
from u2studio.gui.common.gc_policy import freeze_long_lived
from u2studio.gui.shell.main_window import MainWindow
from u2studio.gui.common.style import apply_theme

GUI_SWITCH_INTERVAL_S = 0.001
PROCESS_CLIPBOARD_PLATFORMS = frozenset({"offscreen", "minimal", "minimalegl"})  # Qt's in-process clipboard


def application() -> QApplication:
    """The QApplication, created once with the studio's name and theme."""
    none_guard.install()  # PySide6 6.12 on Python 3.11 leaks a reference to None per void call
    # pool threads (overlays, metrics, the autosave) run Python between their array calls: hand the GIL back to the
    # event loop within 1 ms instead of the default 5 ms, so an input event never waits a pool thread's time slice
    sys.setswitchinterval(GUI_SWITCH_INTERVAL_S)
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName("u2studio")
        app.setOrganizationName("u2studio")
        apply_theme(app)
    assert isinstance(app, QApplication)
    return app


def create_window(paths: list[str] | None = None) -> MainWindow:
    """A shown main window, with ``paths`` opened once the event loop runs."""
    application()
    window = MainWindow()
    window.show()
    QTimer.singleShot(0, freeze_long_lived)  # the window's objects live as long as the studio (gc_policy)
    if paths:
        QTimer.singleShot(0, lambda: window.open_paths(list(paths)))
    return window


def run(paths: list[str]) -> int:
    """Open the studio window (and any images or folders given); returns the exit code."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = application()
    window = create_window(paths)
    code = app.exec()
    del window
    shut_down(app)
    return int(code)


def shut_down(app: QApplication) -> None:
    """Destroy the application in order, while Python still runs.

    Platforms without a clipboard of their own (offscreen, minimal) keep the clipboard's QMimeData in one of
    Qt's static objects, deleted after the interpreter is gone: its Python wrapper's destructor then crashed the
    process on quit after every copied cutout. Those clipboards die with the process anyway, so it is cleared
    first; a desktop's clipboard (X11, Windows, macOS) belongs to the platform integration and is handed over
    by ``shutdown`` itself.
    """
    if app.platformName() in PROCESS_CLIPBOARD_PLATFORMS:
        app.clipboard().clear()
    app.processEvents()
    app.shutdown()
