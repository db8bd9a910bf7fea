"""What a large image needs before it can be shown, made off the UI thread: its decoded photo, its prediction
re-made from the model-size map (when memory pressure dropped it) and its mask derived from that prediction."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from u2studio.core.document import ImageDocument, mask_from_prediction
from u2studio.core.prediction_source import PredictionSource


@dataclass(frozen=True)
class Loaded:
    """The result of one load: each part None when the document already had it (or cannot have it)."""

    rgb: np.ndarray
    prediction: np.ndarray | None  # the prediction the mask was derived from (re-made, or the one held)
    source: PredictionSource | None  # set when ``prediction`` was re-made from it
    base: np.ndarray | None  # the mask at ``threshold``
    threshold: float | None


def needs_load(doc: ImageDocument) -> bool:
    """Whether showing ``doc`` needs any work of a full image pass (decode, re-make, derive)."""
    return doc.rgb is None or (doc.mask is None and doc.has_prediction)


def load_job(doc: ImageDocument):  # noqa: ANN201 (a zero-argument callable returning Loaded)
    """A function for a pool thread, taking only what it needs from ``doc`` now (the document may change meanwhile)."""
    path: Path = doc.path
    rgb = doc.rgb
    held = doc._prediction if doc.prediction_held else None  # noqa: SLF001 (read without re-making it here)
    source = None if held is not None else doc.prediction_source
    derive = doc.mask is None and doc.edits is None and doc.has_prediction
    threshold = doc.threshold

    def work() -> Loaded:
        from u2studio.core.imageio import load_image

        photo = rgb if rgb is not None else load_image(path).rgb
        prediction = held if held is not None else (source.enlarge() if source is not None else None)
        base = mask_from_prediction(prediction, threshold) if derive and prediction is not None else None
        return Loaded(photo, prediction, None if held is not None else source, base, threshold)

    return work


def install(doc: ImageDocument, loaded: Loaded) -> None:
    """Put what still applies on the document (UI thread): a stale part (a new result, threshold or edit came
    meanwhile) is dropped and made again by the caller's synchronous path if still needed."""
    if loaded.source is not None and loaded.prediction is not None:
        doc.restore_prediction(loaded.prediction, loaded.source)
    if doc.rgb is None:
        doc.rgb = loaded.rgb
    if loaded.base is not None and loaded.prediction is not None:
        doc.adopt_base(loaded.base, loaded.prediction, loaded.threshold)
