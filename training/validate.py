"""Validation metrics for the training loop, from the same classes ``u2studio eval`` uses."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from u2studio.core.metrics import MAE, Fmeasure, RelaxedBoundaryF, Smeasure
from u2studio.core.metrics._input import as_pair

HIGHER_IS_BETTER = {"maxF": True, "relaxF": True, "Sm": True, "MAE": False}


def available_metrics() -> set[str]:
    """The metric names ``compute_metrics`` reports (any of them can choose the best checkpoint)."""
    return set(HIGHER_IS_BETTER)


def compute_metrics(pairs: Iterable[tuple[np.ndarray, np.ndarray]], rho: int = 3) -> dict[str, float]:
    """maxF, MAE, Sm and relaxed F over (prediction float H×W in [0, 1], reference uint8 H×W) pairs."""
    meters = (MAE(), Fmeasure(), Smeasure(), RelaxedBoundaryF(rho))
    count = 0
    for pred, gt in pairs:
        pair = as_pair(pred.astype(np.float32, copy=False), gt)
        for meter in meters:
            meter.add(pair)
        count += 1
    if count == 0:
        raise ValueError("no validation images")
    results: dict[str, float] = {}
    for meter in meters:
        results.update({k: float(v) for k, v in meter.results().items() if np.isscalar(v)})
    return {k: results[k] for k in HIGHER_IS_BETTER}


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
