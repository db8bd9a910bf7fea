"""Dataset preferences kept in the studio's settings: recent datasets, annotator name, default val ratio."""

from __future__ import annotations

from PySide6.QtCore import QSettings

MAX_RECENT_DATASETS = 8


def recent_datasets(settings: QSettings) -> list[str]:
    """Recently used dataset folders, newest first."""
    value = settings.value("dataset/recent", [])
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value or []]


def remember_dataset(settings: QSettings, path: str) -> list[str]:
    """Put ``path`` at the front of the recent datasets and return the list."""
    updated = ([path] + [p for p in recent_datasets(settings) if p != path])[:MAX_RECENT_DATASETS]
    settings.setValue("dataset/recent", updated)
    return updated


def forget_dataset(settings: QSettings, path: str) -> list[str]:
    """Drop ``path`` from the recent datasets (it no longer opens)."""
    updated = [p for p in recent_datasets(settings) if p != path]
    settings.setValue("dataset/recent", updated)
    return updated


def annotator(settings: QSettings) -> str:
    """The annotator name written into exported records."""
    return str(settings.value("dataset/annotator", "") or "")


def set_annotator(settings: QSettings, name: str) -> None:
    """Remember the annotator name."""
    settings.setValue("dataset/annotator", name.strip())


def default_val_ratio(settings: QSettings) -> float:
    """The validation share last chosen for a new dataset (0.1 at first)."""
    try:
        return min(1.0, max(0.0, float(settings.value("dataset/val_ratio", 0.1))))
    except (TypeError, ValueError):
        return 0.1


def set_default_val_ratio(settings: QSettings, ratio: float) -> None:
    """Remember the validation share for the next new dataset."""
    settings.setValue("dataset/val_ratio", float(ratio))
