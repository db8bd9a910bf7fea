"""The mask-correction engine: brush, lasso, flood fill, morphology, edge refinement, undo and autosave (no Qt)."""

from u2studio.core.editing.brush import BrushMode, BrushParams
from u2studio.core.editing.editor import MaskEditor
from u2studio.core.editing.history import EditRecord, History
from u2studio.core.editing.overlay import RelaxedOverlay
from u2studio.core.editing.rect import Rect
from u2studio.core.editing.refine import RefineError
from u2studio.core.editing.tools import FloodSource

__all__ = [
    "BrushMode",
    "BrushParams",
    "EditRecord",
    "FloodSource",
    "History",
    "MaskEditor",
    "Rect",
    "RefineError",
    "RelaxedOverlay",
]
