"""Persistent preferences: window geometry, recent files, model and view choices (QSettings, INI)."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from u2studio.core.paths import data_dir

SCHEMA_VERSION = 1
MAX_RECENT = 10


def open_settings() -> QSettings:
    """The studio's settings file, under the user-data folder (so tests stay isolated)."""
    folder = data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    settings = QSettings(str(folder / "studio.ini"), QSettings.Format.IniFormat)
    if int(settings.value("schema", 0) or 0) != SCHEMA_VERSION:
        settings.clear()
        settings.setValue("schema", SCHEMA_VERSION)
    return settings


def recent_files(settings: QSettings) -> list[str]:
    """Recently opened paths, newest first."""
    value = settings.value("recent", [])
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value or []]


def add_recent(settings: QSettings, paths: list[str]) -> list[str]:
    """Put ``paths`` at the front of the recent list and return it."""
    recent = [p for p in recent_files(settings) if p not in paths]
    updated = (list(paths) + recent)[:MAX_RECENT]
    settings.setValue("recent", updated)
    return updated
