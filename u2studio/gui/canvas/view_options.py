"""What the canvas shows: the view mode, extra layers, and the comparison settings (plain data)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

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


def comparison_pair(doc: ImageDocument, compare: Compare) -> tuple[np.ndarray, np.ndarray] | None:
    """(tested, reference) masks for ``compare``, or None when one of them is missing."""
    if compare is Compare.PRED_VS_MASK:
        pair = (doc.prediction, doc.mask)
    elif compare is Compare.PRED_VS_GT:
        pair = (doc.prediction, doc.gt)
    else:
        pair = (doc.mask, doc.gt)
    if pair[0] is None or pair[1] is None:
        return None
    return pair[0], pair[1]
