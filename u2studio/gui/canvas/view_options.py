"""What the canvas shows: the view mode, extra layers, and the comparison settings (plain data)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from u2studio.core.document import ImageDocument


class ViewMode(enum.Enum):
    """The main picture on the canvas."""

    IMAGE = "image"
    TINT = "tint"
    CUTOUT = "cutout"
    MASK = "mask"
    SIDE = "side"


class Compare(enum.Enum):
    """Which two masks the relaxed-zone layer and the metrics compare (tested one first)."""

    PRED_VS_MASK = "Prediction vs current mask"
    PRED_VS_GT = "Prediction vs reference"
    MASK_VS_GT = "Current mask vs reference"


EDGE_LABELS = {"hard": "Hard", "feather": "Feathered", "refined": "Refined"}
BACKGROUNDS = ("checkerboard", "white", "black")


@dataclass(frozen=True)
class CutoutChoice:
    """The studio's cutout settings: edge mode, feather radius, decontamination, and the preview background."""

    edges: str = "refined"
    feather_radius: float = 2.0
    decontaminate: bool = True
    amount: float = 1.0
    background: str = "checkerboard"  # "checkerboard", "white", "black" or "#rrggbb" (preview only)

    def settings(self) -> Any:
        """The core stage's CutoutSettings for this choice."""
        from u2studio.core.cutout import CutoutSettings

        return CutoutSettings(
            edges=self.edges, feather_radius=self.feather_radius,  # type: ignore[arg-type]
            decontaminate=self.decontaminate, decontaminate_amount=self.amount,
        )

    def background_rgb(self) -> tuple[int, int, int] | None:
        """The plain preview colour, or None for the checkerboard."""
        if self.background == "checkerboard":
            return None
        if self.background == "white":
            return (255, 255, 255)
        if self.background == "black":
            return (0, 0, 0)
        from u2studio.core.cutout import parse_bg_color

        return parse_bg_color(self.background)


@dataclass(frozen=True)
class ViewOptions:
    """Every display choice; replaced as a whole when one changes."""

    mode: ViewMode = ViewMode.TINT
    contour: bool = True
    relaxed: bool = False
    opacity: float = 0.5
    rho: int = 3
    compare: Compare = Compare.PRED_VS_MASK
    side_index: int = 0
    threshold: float | None = 0.5  # None: keep the soft probabilities
    cutout: CutoutChoice = field(default_factory=CutoutChoice)  # edge mode and preview background of cutouts


def comparison_pair(doc: ImageDocument, compare: Compare) -> tuple[np.ndarray, np.ndarray] | None:
    """(tested, reference) masks for ``compare``, or None when one of them is missing.

    A prediction dropped under memory pressure counts as missing: it is being re-made off the UI thread, and the
    metrics are scheduled again once the image is shown (re-making it here would stall the UI).
    """
    prediction = doc.prediction if doc.prediction_held else None
    if compare is Compare.PRED_VS_MASK:
        pair = (prediction, doc.mask)
    elif compare is Compare.PRED_VS_GT:
        pair = (prediction, doc.gt)
    else:
        pair = (doc.mask, doc.gt)
    if pair[0] is None or pair[1] is None:
        return None
    return pair[0], pair[1]
