"""Immutable messages between the window and the inference worker (plain data, no widgets)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from u2studio.core.prediction_source import PredictionSource


@dataclass(frozen=True)
class PredictRequest:
    """Run ``model`` on ``device`` over one image; ``id`` grows with every request.

    ``rgb`` is the decoded image, or None to have the worker read ``doc_key`` (a path) itself,
    so opening a large batch never decodes files on the UI thread.
    """

    id: int
    doc_key: str
    rgb: np.ndarray | None
    model: str
    device: str


@dataclass(frozen=True)
class PredictResult:
    """The answer to one request: main map, side outputs, time taken and where it ran."""

    request_id: int
    doc_key: str
    mask: np.ndarray
    sides: tuple[np.ndarray, ...]
    side_names: tuple[str, ...]
    milliseconds: float
    device: str
    model: str
    rgb: np.ndarray | None = None  # the decoded image, when the worker read the file
    source: PredictionSource | None = None  # ``mask`` is ``source.enlarge()``: it can be dropped and re-made


@dataclass(frozen=True)
class JobFailure:
    """A request that failed, with a message for a person."""

    request_id: int
    doc_key: str
    message: str
