"""Per-image state of the studio, free of Qt: image, prediction, the user's edit layer, the mask, reference, state.

The mask model (docs/mask-model.md is the contract other features build on):

- ``prediction`` is the model's soft output, stored compactly as uint8 (round(p × 255): a quarter of float32);
  ``threshold`` (per image; None = soft) turns it into the *base*.
- ``edits`` is the user's edit layer: True where a correction decided the pixel. Its values are the mask's
  values there, so the layer costs one byte a pixel and the mask needs no second copy.
- ``mask`` is derived: ``mask = base`` where ``edits`` is False, the user's values where it is True. A new
  threshold or prediction re-derives only the pixels the user has not corrected (``rederive``), so no setting
  ever discards an edit. Saved masks and a dataset's gt are this derived mask. A refined cutout alpha is a
  separate output and never feeds back into it.

The mask array is updated in place (the editor holds it); anything that changes it calls
``mask_changed(region)`` so views redraw only that rectangle.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from u2studio.core.binarize import as_0_255, prediction_foreground
from u2studio.core.prediction_source import PredictionSource, compact_prediction

Region = tuple[int, int, int, int]  # x0, y0, x1, y1 (x1 and y1 exclusive)
MaskListener = Callable[["ImageDocument", Region], None]


class DocStatus(enum.Enum):
    """Where an image stands in the workflow; shown in the file list."""

    NOT_RUN = "not run"
    RUNNING = "running"
    PREDICTED = "predicted"
    EDITED = "edited"
    SAVED = "saved"
    EXPORTED = "exported"
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
    mask: np.ndarray | None = None  # uint8 H×W, the current (possibly edited) mask
    gt: np.ndarray | None = None  # uint8 H×W reference mask loaded by the user
    sides: tuple[np.ndarray, ...] = ()
    side_names: tuple[str, ...] = ()
    threshold: float | None = 0.5  # this image's threshold (None: soft mask); the slider shows the shown image's
    edits: np.ndarray | None = None  # bool H×W edit layer (None until editing starts: no corrections)
    clean_label: DocStatus | None = None  # SAVED or EXPORTED while the mask equals what was last written
    running: bool = False
    inference_ms: float | None = None
    model_name: str | None = None
    error: str | None = None
    mask_version: int = 0
    strokes: int = 0  # edits made by hand (one per stroke or command), for the dataset's effort statistics
    edit_seconds: float = 0.0  # active editing time: gaps between edits, each capped at IDLE_CAP_S
    _listeners: list[MaskListener] = field(default_factory=list, repr=False, compare=False)
    change_shown: bool = field(default=False, repr=False, compare=False)  # see mask_changed(shown=...)
    # the prediction: uint8 H×W round(p × 255) of the model's main output p; see the ``prediction`` property
    _prediction: np.ndarray | None = field(default=None, repr=False, compare=False)
    prediction_source: PredictionSource | None = field(default=None, repr=False, compare=False)

    @property
    def prediction(self) -> np.ndarray | None:
        """The stored prediction (uint8 H×W), re-made from ``prediction_source`` (the same bytes) if it was dropped."""
        if self._prediction is None and self.prediction_source is not None:
            self._prediction = self.prediction_source.enlarge()
        return self._prediction

    @prediction.setter
    def prediction(self, value: np.ndarray | None) -> None:
        """Set a prediction with no source to re-make it from (it is never dropped)."""
        self._prediction = value
        self.prediction_source = None

    @property
    def has_prediction(self) -> bool:
        """Whether there is a prediction (held or re-makeable), without re-making it."""
        return self._prediction is not None or self.prediction_source is not None

    @property
    def prediction_held(self) -> bool:
        """Whether the full-size prediction is in memory now."""
        return self._prediction is not None

    def drop_prediction(self) -> int:
        """Forget the full-size prediction when it can be re-made exactly and nothing else derives from it now
        (no mask held, no edit layer); returns the bytes freed."""
        if self._prediction is None or self.prediction_source is None or self.mask is not None or self.edits is not None:
            return 0
        freed = int(self._prediction.nbytes)
        self._prediction = None
        return freed

    def restore_prediction(self, prediction: np.ndarray, source: PredictionSource) -> bool:
        """Put back a prediction re-made off the UI thread, if it still belongs to this document's source."""
        if self.prediction_source is not source or self._prediction is not None:
            return False
        self._prediction = prediction
        return True

    @property
    def name(self) -> str:
        """The file name, for lists and titles."""
        return self.path.name

    @property
    def size(self) -> tuple[int, int] | None:
        """(width, height) once the image is loaded (or, while its pixels are evicted, from its prediction)."""
        shaped = self.rgb if self.rgb is not None else self._prediction
        if shaped is None and self.prediction_source is not None:
            return (self.prediction_source.width, self.prediction_source.height)
        return None if shaped is None else (shaped.shape[1], shaped.shape[0])

    def full_region(self) -> Region:
        """The whole image as a region."""
        size = self.size
        if size is None:
            raise ValueError(f"{self.name}: the image is not loaded")
        return (0, 0, size[0], size[1])

    def add_mask_listener(self, listener: MaskListener) -> None:
        """Call ``listener(document, region)`` whenever part of the mask changes."""
        self._listeners.append(listener)

    def remove_mask_listener(self, listener: MaskListener) -> None:
        """Stop calling ``listener``."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    def mask_changed(self, region: Region | None = None, edited: bool = True, *, shown: bool = False) -> None:
        """Tell listeners that the mask changed in ``region`` (the whole image when None).

        ``shown``: the views already show these pixels (a finished brush stroke, painted dab by dab), so they
        need not repaint them; listeners read it as ``change_shown`` while they are called.
        """
        box = self.full_region() if region is None else clip_region(region, self.full_region())
        self.mask_version += 1
        self.change_shown = shown
        try:
            for listener in list(self._listeners):
                listener(self, box)
        finally:
            self.change_shown = False

    # ----- the mask model ---------------------------------------------------------------
    @property
    def has_edits(self) -> bool:
        """Whether any pixel is decided by the user's corrections."""
        return self.edits is not None and bool(self.edits.any())

    def base(self, region: Region | None = None) -> np.ndarray:
        """The model's mask at this image's threshold (zeros before a prediction), in ``region``."""
        x0, y0, x1, y1 = self.full_region() if region is None else region
        prediction = self.prediction
        if prediction is None:
            return np.zeros((y1 - y0, x1 - x0), np.uint8)
        return mask_from_prediction(prediction[y0:y1, x0:x1], self.threshold)

    def ensure_layers(self) -> None:
        """Create the mask (the base) and an empty edit layer when the image has none yet."""
        self._ensure_mask()
        if self.edits is None:
            assert self.mask is not None
            self.edits = np.zeros(self.mask.shape, bool)

    def _ensure_mask(self) -> None:
        if self.rgb is None and self.prediction is None:
            raise ValueError(f"{self.name}: the image is not loaded")
        if self.mask is None:
            self.mask = self.base()

    def rederive(self, region: Region | None = None) -> None:
        """Recompute the pixels the user did not correct from the base, in place, and tell listeners.

        Without an edit layer (nothing corrected yet) the region simply becomes the base; the layer costs
        memory only once editing starts.
        """
        fresh = self.mask is None  # made from the base just now: no second full pass
        self._ensure_mask()
        assert self.mask is not None
        box = self.full_region() if region is None else clip_region(region, self.full_region())
        x0, y0, x1, y1 = box
        if x1 <= x0 or y1 <= y0:
            return
        if not fresh and self.edits is None:
            self.mask[y0:y1, x0:x1] = self.base(box)
        elif not fresh:
            _copy_where_not(self.mask[y0:y1, x0:x1], self.base(box), self.edits[y0:y1, x0:x1])
        self.mask_changed(box, edited=False)

    def adopt_base(self, base: np.ndarray, prediction: np.ndarray, threshold: float | None) -> bool:
        """Take a mask derived elsewhere (off the UI thread) from ``prediction`` at ``threshold``, if the document
        still has no mask, no edit layer, that very prediction and that threshold; returns whether it did."""
        if self.mask is not None or self.edits is not None or self._prediction is not prediction or self.threshold != threshold:
            return False
        self.mask = base
        self.mask_changed(None, edited=False)
        return True

    def drop_derived_mask(self) -> bool:
        """Forget the mask when it is exactly the base (no edit layer): it is re-derived on next use. Returns whether."""
        if self.mask is None or self.edits is not None or not self.has_prediction:
            return False
        self.mask = None
        return True

    def resident_bytes(self) -> int:
        """Bytes of pixel arrays this document holds (image, prediction, mask, edit layer, side outputs, reference)."""
        arrays = (self.rgb, self._prediction, self.mask, self.edits, self.gt, *self.sides)
        source = self.prediction_source.nbytes if self.prediction_source is not None else 0
        return sum(a.nbytes for a in arrays if a is not None) + source

    def set_prediction(
        self, prediction: np.ndarray, sides: tuple[np.ndarray, ...], side_names: tuple[str, ...], threshold: Any = ...,
        source: PredictionSource | None = None, *, derive: bool = True,
    ) -> None:
        """Store a model result; the mask follows it wherever the user has not corrected it.

        ``threshold`` (if given) sets this image's threshold first (None: soft). ``source``, when the prediction
        is ``source.enlarge()``, lets memory pressure drop the full-size copy and re-make it later.
        ``derive=False`` leaves an absent mask absent (an image off screen: it is derived when shown).
        """
        self._check_shape(prediction, "prediction")
        if threshold is not ...:
            self.threshold = threshold
        self.prediction = compact_prediction(prediction)
        self.prediction_source = source
        self.sides = sides
        self.side_names = side_names
        self.error = None
        if derive or self.mask is not None or self.edits is not None:
            self.rederive()

    def set_threshold(self, threshold: float | None) -> None:
        """This image's threshold (None: soft); uncorrected pixels follow it, corrections stay."""
        if threshold is not None and not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must lie in [0, 1], got {threshold}")
        if threshold == self.threshold:
            return
        self.threshold = threshold
        if self.mask is not None:
            self.rederive()

    def derived_status(self) -> DocStatus:
        """The state the file list shows, derived from facts rather than kept as a label."""
        if self.running:
            return DocStatus.RUNNING
        if self.clean_label is not None:
            return self.clean_label
        if self.has_edits:
            return DocStatus.EDITED
        if self.has_prediction:
            return DocStatus.PREDICTED
        return DocStatus.FAILED if self.error else DocStatus.NOT_RUN

    @property
    def status(self) -> DocStatus:
        """The shown state (see ``derived_status``)."""
        return self.derived_status()

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


def _copy_where_not(target: np.ndarray, source: np.ndarray, kept: np.ndarray) -> None:
    """``target[~kept] = source[~kept]`` in place: OpenCV's masked copy for contiguous 2-D uint8 arrays.

    A new threshold on a 24-MP photo redoes every uncorrected pixel on the GUI thread: ``np.copyto(where=~edits)``
    took 16 ms there, the masked copy 6 ms. The whole image and full-width bands of it are contiguous and written in
    place by OpenCV; other views (a box inside the image) keep numpy.
    """
    whole = target.flags.c_contiguous and source.flags.c_contiguous and kept.flags.c_contiguous
    if whole and target.dtype == source.dtype == np.uint8 and kept.dtype == np.bool_ and target.ndim == 2:
        cv2.copyTo(source, np.logical_not(kept).view(np.uint8), target)
        return
    np.copyto(target, source, where=~kept)


def mask_from_prediction(prediction: np.ndarray, threshold: float | None) -> np.ndarray:
    """A uint8 mask: the soft probabilities as 0..255, or 0/255 at ``threshold`` in [0, 1].

    ``prediction`` is the stored uint8 form (see ``compact_prediction``) or a float map in [0, 1].
    """
    if threshold is None:
        if prediction.dtype == np.uint8:
            return prediction.copy()
        return np.clip(prediction * 255.0 + 0.5, 0, 255).astype(np.uint8)
    foreground = prediction_foreground(prediction, threshold)
    return as_0_255(foreground.copy() if foreground is prediction else foreground)


def clip_region(region: Region, bounds: Region) -> Region:
    """``region`` clipped to ``bounds``."""
    x0, y0, x1, y1 = region
    bx0, by0, bx1, by1 = bounds
    return (max(x0, bx0), max(y0, by0), min(max(x1, bx0), bx1), min(max(y1, by0), by1))
