"""Toolbar icons from qtawesome's Material Design Icons 6 set, in the theme's icon colour."""

from __future__ import annotations

from functools import cache

import qtawesome
from PySide6.QtGui import QIcon

ICON_COLOR = "#d7dbe0"
ICON_ACTIVE = "#7cc4ff"
ICON_DISABLED = "#5c636b"


@cache
def icon(name: str) -> QIcon:
    """An mdi6 icon by name (without the ``mdi6.`` prefix)."""
    return qtawesome.icon(
        f"mdi6.{name}", color=ICON_COLOR, color_on=ICON_ACTIVE, color_active=ICON_COLOR, color_disabled=ICON_DISABLED
    )
