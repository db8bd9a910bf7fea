"""The accumulate-then-report protocol every metric follows (``step`` per pair, ``results`` at the end)."""

from __future__ import annotations

from typing import Any

import numpy as np

from u2studio.core.metrics._input import Pair, as_pair


class Metric:
    """Base class: ``step(pred, gt)`` checks and scores one pair; ``results()`` averages over pairs."""

    def step(self, pred: np.ndarray | Pair, gt: np.ndarray | None = None) -> None:
        """Score one prediction against its reference (or an already checked Pair)."""
        self.add(as_pair(pred, gt))

    def add(self, pair: Pair) -> None:
        """Score one checked pair."""
        raise NotImplementedError

    def results(self) -> dict[str, Any]:
        """The averaged scores."""
        raise NotImplementedError


def mean_of(values: list[float]) -> float:
    """Mean of per-image values; 0.0 before any image was seen (never NaN)."""
    return float(np.mean(np.asarray(values, np.float64))) if values else 0.0
