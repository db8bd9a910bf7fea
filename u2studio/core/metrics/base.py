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

    def per_image_state(self) -> dict[str, list[Any]]:
        """What this meter has recorded so far: its per-image lists, by attribute name (small, picklable)."""
        return {name: list(value) for name, value in vars(self).items() if isinstance(value, list)}

    def absorb(self, state: dict[str, list[Any]]) -> None:
        """Append another meter's per-image state, as if its pairs had been stepped here after ours.

        Used to combine meters that scored disjoint slices of one image list (one per process):
        absorbing the slices in order leaves exactly the state of one meter that saw every pair.
        """
        for name, values in state.items():
            mine = getattr(self, name)
            if not isinstance(mine, list):
                raise TypeError(f"{type(self).__name__}.{name} is not a per-image list")
            mine.extend(values)


def mean_of(values: list[float]) -> float:
    """Mean of per-image values; 0.0 before any image was seen (never NaN)."""
    return float(np.mean(np.asarray(values, np.float64))) if values else 0.0
