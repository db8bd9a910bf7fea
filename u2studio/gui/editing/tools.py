"""The correction tools and their settings (plain data, shared by the panel, the actions and the canvas input)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

MIN_SIZE = 1.0
MAX_SIZE = 1000.0


class Tool(enum.Enum):
    """What a left-drag on the canvas does."""

    NAVIGATE = "navigate"
    BRUSH = "brush"
    ERASER = "eraser"
    LASSO = "lasso"
    POLYGON = "polygon"
    FLOOD = "flood"
    REFINE = "refine"


# tool: (text, mdi6 icon, single-key shortcut)
TOOL_INFO: dict[Tool, tuple[str, str, str]] = {
    Tool.NAVIGATE: ("Navigate (pan and zoom only)", "cursor-default-outline", "V"),
    Tool.BRUSH: ("Brush: paint the mask", "brush", "B"),
    Tool.ERASER: ("Eraser: remove from the mask", "eraser", "E"),
    Tool.LASSO: ("Lasso: fill a free-hand shape (Alt cuts)", "lasso", "L"),
    Tool.POLYGON: ("Polygon: click corners, Enter or double-click closes (Alt cuts)", "vector-polygon", "P"),
    Tool.FLOOD: ("Flood fill by colour (Alt erases)", "format-color-fill", "G"),
    Tool.REFINE: ("Refine edge: draw roughly along an edge", "auto-fix", "R"),
}


@dataclass(frozen=True)
class ToolSettings:
    """Every tool option; replaced as a whole when one changes."""

    tool: Tool = Tool.BRUSH
    size: float = 30.0  # brush diameter in image pixels
    hardness: float = 0.8
    opacity: float = 1.0
    tolerance: float = 24.0  # flood fill, per channel 0..255
    refine_width: float = 40.0  # band width of the refine tool, image pixels
    morph_radius: int = 2  # grow / shrink / smooth
    cut: bool = False  # lasso, polygon and flood fill remove instead of add

    @property
    def radius(self) -> float:
        """Brush radius in image pixels."""
        return max(self.size / 2.0, 0.5)


def clamp_size(size: float) -> float:
    """A brush diameter within the allowed range."""
    return float(min(MAX_SIZE, max(MIN_SIZE, size)))
