"""Autosave failures reach the user: the autosavers' callbacks become Qt signals, and a bar above the
canvas stays up while any image's autosave is failing (until a later write of that image succeeds)."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from u2studio.core.editing.autosave import Session


class AutosaveEvents(QObject):
    """Process-wide: every EditSession's Autosaver reports here (its callbacks run on the autosave thread;
    a signal emitted there is delivered queued on the UI thread)."""

    failed = Signal(str, str)  # image path, what went wrong
    saved = Signal(str)  # image path

    def callbacks(self, image_path: Path) -> tuple[Callable[[Session], None], Callable[[Exception], None]]:
        """(on_saved, on_error) for the Autosaver of ``image_path``."""
        key = str(image_path)
        return (lambda _session: self.saved.emit(key)), (lambda exc: self.failed.emit(key, _describe(exc)))


_EVENTS: list[AutosaveEvents] = []


def autosave_events() -> AutosaveEvents:
    """The one AutosaveEvents (made on first use, which is on the UI thread: an EditSession's constructor)."""
    if not _EVENTS:
        _EVENTS.append(AutosaveEvents())
    return _EVENTS[0]


def _describe(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror}{where}"
    return str(exc) or type(exc).__name__


class AutosaveWarning(QFrame):
    """A red bar listing the images whose corrections are not being autosaved; hidden when none is failing."""

    def __init__(self, events: AutosaveEvents | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("autosaveWarning")
        self.setStyleSheet(
            "#autosaveWarning { background: #3d2224; border-bottom: 1px solid #e05252; }"
            "#autosaveWarning QLabel { color: #f6c9c9; }"
        )
        line = QHBoxLayout(self)
        line.setContentsMargins(12, 6, 12, 6)
        self.label = QLabel()
        self.label.setWordWrap(True)
        line.addWidget(self.label, 1)
        self.failing: dict[str, str] = {}
        events = events or autosave_events()
        events.failed.connect(self._failed)
        events.saved.connect(self._saved)
        self.setVisible(False)

    def _failed(self, path: str, message: str) -> None:
        self.failing[path] = message
        self._show()

    def _saved(self, path: str) -> None:
        if self.failing.pop(path, None) is not None:
            self._show()

    def _show(self) -> None:
        if self.failing:
            names = html.escape(", ".join(Path(p).name for p in self.failing))
            latest = html.escape(next(reversed(self.failing.values())))
            self.label.setText(
                f"<b>Autosave is failing</b> for {names}: {latest}. These corrections are not protected "
                "against a crash; save the mask (Ctrl+S) or free the disk. This bar goes away once a write succeeds."
            )
        self.setVisible(bool(self.failing))
