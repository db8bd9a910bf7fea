"""Immutable messages between the window and the inference worker (plain data, no widgets)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PredictRequest:
    """Run ``model`` on ``device`` over one image; ``id`` grows with every request."""

    id: int
    doc_key: str
    rgb: np.ndarray
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


@dataclass(frozen=True)
class JobFailure:
    """A request that failed, with a message for a person."""

    request_id: int
    doc_key: str
    message: str
