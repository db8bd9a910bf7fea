"""Shared by the fine-tune tests: what the model picker tells about an installed model."""

from __future__ import annotations


def picker_tooltip(window, name: str) -> str:  # noqa: ANN001
    """The model picker's tooltip for ``name`` (empty while the picker does not list it)."""
    from PySide6.QtCore import Qt

    combo = window.picker.models
    index = combo.findData(name)
    return str(combo.itemData(index, Qt.ItemDataRole.ToolTipRole)) if index >= 0 else ""
