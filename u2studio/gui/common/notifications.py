"""The one notification manager: every message for the user goes through it, shown as a toast."""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

log = logging.getLogger("u2studio.gui")


class Level(enum.Enum):
    """How serious a notification is."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Notification:
    """One message for the user."""

    level: Level
    text: str


class NotificationManager(QObject):
    """Collects notifications, logs them, and tells the toast host to show them."""

    posted = Signal(object)  # Notification

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.history: list[Notification] = []

    def notify(self, text: str, level: Level = Level.INFO) -> Notification:
        """Record and show a message."""
        note = Notification(level, text)
        self.history.append(note)
        del self.history[:-200]
        log.log({Level.INFO: logging.INFO, Level.WARNING: logging.WARNING}.get(level, logging.ERROR), text)
        self.posted.emit(note)
        return note

    def info(self, text: str) -> Notification:
        """A neutral message."""
        return self.notify(text, Level.INFO)

    def warning(self, text: str) -> Notification:
        """Something the user should know, such as a fall-back to the CPU."""
        return self.notify(text, Level.WARNING)

    def error(self, text: str) -> Notification:
        """Something failed; the studio keeps running."""
        return self.notify(text, Level.ERROR)
