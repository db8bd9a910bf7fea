"""Per-image state of the studio, free of Qt: image, prediction, current mask, reference and status.

The current mask is a uint8 H×W array owned by the document. Anything that
changes it (the threshold, a brush in ``u2studio.core.editing``) calls
``mask_changed(region)`` so views can redraw only that rectangle.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from u2studio.core.binarize import prediction_foreground

Region = tuple[int, int, int, int]  # x0, y0, x1, y1 (x1 and y1 exclusive)
MaskListener = Callable[["ImageDocument", Region], None]


class DocStatus(enum.Enum):
    """Where an image stands in the workflow; shown in the file list."""

    NOT_RUN = "not run"
    RUNNING = "running"
    PREDICTED = "predicted"
    EDITED = "edited"
    SAVED = "saved"
    FAILED = "failed"


IDLE_CAP_S = 30.0


def count_edit(doc: ImageDocument, now: float, last: float | None) -> float:
    """Add one hand edit to the document's effort (strokes, active seconds); returns ``now``."""
    doc.strokes += 1
    if last is not None:
        doc.edit_seconds += min(max(now - last, 0.0), IDLE_CAP_S)
    return now


@dataclass
class ImageDocument:
    """One opened image and everything the studio knows about it."""

    path: Path
    rgb: np.ndarray | None = None
    prediction: np.ndarray | None = None  # float32 H×W in [0, 1], the model's main output
    mask: np.ndarray | None = None  # uint8 H×W, the current (possibly edited) mask
    gt: np.ndarray | None = None  # uint8 H×W reference mask loaded by the user
    sides: tuple[np.ndarray, ...] = ()
    side_names: tuple[str, ...] = ()
    status: DocStatus = DocStatus.NOT_RUN
    inference_ms: float | None = None
    model_name: str | None = None
    error: str | None = None
    mask_version: int = 0
    strokes: int = 0  # edits made by hand (one per stroke or command), for the dataset's effort statistics
    edit_seconds: float = 0.0  # active editing time: gaps between edits, each capped at IDLE_CAP_S
    _listeners: list[MaskListener] = field(default_factory=list, repr=False, compare=False)

    @property
    def name(self) -> str:
        """The file name, for lists and titles."""
        return self.path.name

    @property
    def size(self) -> tuple[int, int] | None:
        """(width, height) once the image is loaded."""
        return None if self.rgb is None else (self.rgb.shape[1], self.rgb.shape[0])

    def full_region(self) -> Region:
        """The whole image as a region."""
        if self.rgb is None:
            raise ValueError(f"{self.name}: the image is not loaded")
        return (0, 0, self.rgb.shape[1], self.rgb.shape[0])

    def add_mask_listener(self, listener: MaskListener) -> None:
        """Call ``listener(document, region)`` whenever part of the mask changes."""
        self._listeners.append(listener)

    def remove_mask_listener(self, listener: MaskListener) -> None:
        """Stop calling ``listener``."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    def mask_changed(self, region: Region | None = None, edited: bool = True) -> None:
        """Tell listeners that the mask changed in ``region`` (the whole image when None)."""
        box = self.full_region() if region is None else clip_region(region, self.full_region())
        self.mask_version += 1
        if edited and self.status in (DocStatus.PREDICTED, DocStatus.SAVED):
            self.status = DocStatus.EDITED
        for listener in list(self._listeners):
            listener(self, box)

    def set_prediction(
        self, prediction: np.ndarray, sides: tuple[np.ndarray, ...], side_names: tuple[str, ...], threshold: float | None
    ) -> None:
        """Store a model result and derive the current mask from it."""
        self._check_shape(prediction, "prediction")
        self.prediction = prediction.astype(np.float32, copy=False)
        self.sides = sides
        self.side_names = side_names
        self.status = DocStatus.PREDICTED
        self.error = None
        self.mask = mask_from_prediction(self.prediction, threshold)
        self.mask_changed(None, edited=False)

    def rethreshold(self, threshold: float | None) -> None:
        """Recompute the current mask from the prediction (soft when ``threshold`` is None)."""
        if self.prediction is None:
            return
        self.mask = mask_from_prediction(self.prediction, threshold)
        self.mask_changed(None, edited=False)

    def set_gt(self, gt: np.ndarray) -> None:
        """Attach a reference mask of the same size as the image."""
        self._check_shape(gt, "reference mask")
        self.gt = gt

    def _check_shape(self, array: np.ndarray, what: str) -> None:
        if self.rgb is not None and array.shape[:2] != self.rgb.shape[:2]:
            raise ValueError(
                f"{self.name}: the {what} is {array.shape[1]}x{array.shape[0]} "
                f"but the image is {self.rgb.shape[1]}x{self.rgb.shape[0]}"
            )


def mask_from_prediction(prediction: np.ndarray, threshold: float | None) -> np.ndarray:
    """A uint8 mask: the soft probabilities as 0..255, or 0/255 at ``threshold`` in [0, 1]."""
    if threshold is None:
        return np.clip(prediction * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return np.where(prediction_foreground(prediction, threshold), 255, 0).astype(np.uint8)


def clip_region(region: Region, bounds: Region) -> Region:
    """``region`` clipped to ``bounds``."""
    x0, y0, x1, y1 = region
    bx0, by0, bx1, by1 = bounds
    return (max(x0, bx0), max(y0, by0), min(max(x1, bx0), bx1), min(max(y1, by0), by1))
