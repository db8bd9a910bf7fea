"""Brush size per image: each image keeps the size last used on it, and an image not painted yet starts
at the same share of its longer side as the image before it (321 px on a 6000-px photo becomes 26 px on
a 481-px one, not 321 px that cover the whole picture)."""

from __future__ import annotations

from PySide6.QtCore import QObject

from u2studio.core.document import ImageDocument
from u2studio.gui.editing.controller import EditController
from u2studio.gui.editing.tools import ToolSettings, clamp_size
from u2studio.gui.inference.controller import StudioController


def _long_side(doc: ImageDocument | None) -> int | None:
    size = None if doc is None else doc.size
    return None if size is None else max(size)


class BrushMemory(QObject):
    """Watches which image is shown and the brush size; sets the size through the EditController."""

    def __init__(self, studio: StudioController, edits: EditController) -> None:
        super().__init__(edits)
        self.studio = studio
        self.edits = edits
        self.sizes: dict[str, float] = {}  # image path -> brush diameter in its pixels
        self._shown: ImageDocument | None = None
        studio.current_changed.connect(self._switched)
        edits.settings_changed.connect(self._changed)

    def _changed(self, settings: ToolSettings) -> None:
        if _long_side(self._shown) is not None:
            self.sizes[str(self._shown.path)] = settings.size  # type: ignore[union-attr]

    def _switched(self, _row: int) -> None:
        before, now = self._shown, self.studio.doc
        if now is before:
            return
        self._shown = now
        if now is None or _long_side(now) is None:
            return
        size = self.sizes.get(str(now.path))
        if size is None:
            old_side, new_side = _long_side(before), _long_side(now)
            size = self.edits.settings.size if old_side is None else self.edits.settings.size * new_side / old_side  # type: ignore[operator]
            size = clamp_size(size)
        self.sizes[str(now.path)] = size
        self.edits.set_settings(size=size)
