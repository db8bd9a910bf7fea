"""Validation metrics for the training loop, from the same classes ``u2studio eval`` uses."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from u2studio.core.metrics import MAE, Fmeasure, RelaxedBoundaryF, Smeasure
from u2studio.core.metrics._input import as_pair
from u2studio.core.metrics.base import Metric

HIGHER_IS_BETTER = {"maxF": True, "relaxF": True, "Sm": True, "MAE": False}


def available_metrics() -> set[str]:
    """The metric names ``compute_metrics`` reports (any of them can choose the best checkpoint)."""
    return set(HIGHER_IS_BETTER)


class Scores:
    """The validation meters over a list of (prediction, reference) pairs; slices scored apart combine exactly."""

    def __init__(self, rho: int = 3) -> None:
        self.meters: tuple[Metric, ...] = (MAE(), Fmeasure(), Smeasure(), RelaxedBoundaryF(rho))
        self.count = 0

    def add_pairs(self, pairs: Iterable[tuple[np.ndarray, np.ndarray]]) -> Scores:
        """Score (prediction float H×W in [0, 1], reference uint8 H×W) pairs in order; returns self."""
        for pred, gt in pairs:
            pair = as_pair(pred.astype(np.float32, copy=False), gt)
            for meter in self.meters:
                meter.add(pair)
            self.count += 1
        return self

    def state(self) -> tuple[int, list[dict[str, list[Any]]]]:
        """The per-image results so far (what a process sends to be combined)."""
        return self.count, [meter.per_image_state() for meter in self.meters]

    def absorb(self, state: tuple[int, list[dict[str, list[Any]]]]) -> None:
        """Append the per-image results of the pairs that follow ours in the list."""
        count, states = state
        for meter, part in zip(self.meters, states, strict=True):
            meter.absorb(part)
        self.count += count

    def results(self) -> dict[str, float]:
        """maxF, MAE, Sm and relaxed F over every pair scored."""
        if self.count == 0:
            raise ValueError("no validation images")
        results: dict[str, float] = {}
        for meter in self.meters:
            results.update({k: float(v) for k, v in meter.results().items() if np.isscalar(v)})
        return {k: results[k] for k in HIGHER_IS_BETTER}


def compute_metrics(pairs: Iterable[tuple[np.ndarray, np.ndarray]], rho: int = 3) -> dict[str, float]:
    """maxF, MAE, Sm and relaxed F over (prediction float H×W in [0, 1], reference uint8 H×W) pairs."""
    return Scores(rho).add_pairs(pairs).results()


def max_f(pairs: Iterable[tuple[np.ndarray, np.ndarray]]) -> float:
    """maxF alone (used to decide when the IS-Net GT encoder is good enough)."""
    meter = Fmeasure()
    for pred, gt in pairs:
        meter.step(pred.astype(np.float32, copy=False), gt)
    return float(meter.results()["maxF"])


def is_better(metric: str, value: float, best: float | None) -> bool:
    """Whether ``value`` improves on ``best`` for this metric."""
    if best is None:
        return True
    return value > best if HIGHER_IS_BETTER[metric] else value < best
