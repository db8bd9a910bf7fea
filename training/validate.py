"""Validation metrics behind one function: ``u2studio.core.metrics`` when present, a local fallback otherwise.

The fallback computes MAE, maxF (β² = 0.3, the mean F-curve over 256
thresholds, maximised) and the relaxed boundary F (ρ = 3) from
``u2studio.core.boundary``; it has no S-measure.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from u2studio.core.boundary import BETA2, relaxed_f

HIGHER_IS_BETTER = {"maxF": True, "relaxF": True, "Sm": True, "MAE": False}


def _shared_metrics() -> object | None:
    try:
        from u2studio.core import metrics  # type: ignore[attr-defined]
    except ImportError:
        return None
    needed = ("MAE", "Fmeasure", "Smeasure", "RelaxedBoundaryF")
    return metrics if all(hasattr(metrics, n) for n in needed) else None


def available_metrics() -> set[str]:
    """The metric names ``compute_metrics`` reports here."""
    return {"maxF", "MAE", "Sm", "relaxF"} if _shared_metrics() is not None else {"maxF", "MAE", "relaxF"}


def f_curve(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Fβ at thresholds 0..255 (prediction ≥ t counts as foreground) for one image."""
    pred8 = np.clip(np.round(pred * 255.0), 0, 255).astype(np.int64)
    fg = gt >= 128
    fg_hist = np.bincount(pred8[fg], minlength=256)
    bg_hist = np.bincount(pred8[~fg], minlength=256)
    tp = np.cumsum(fg_hist[::-1])[::-1].astype(np.float64)
    fp = np.cumsum(bg_hist[::-1])[::-1].astype(np.float64)
    precision = tp / np.maximum(tp + fp, 1)
    recall = tp / max(int(fg.sum()), 1)
    denom = BETA2 * precision + recall
    return np.where(denom > 0, (1 + BETA2) * precision * recall / np.maximum(denom, 1e-12), 0.0)


def compute_metrics(pairs: Iterable[tuple[np.ndarray, np.ndarray]]) -> dict[str, float]:
    """Metrics over (prediction float H×W in [0, 1], reference uint8 H×W) pairs."""
    shared = _shared_metrics()
    if shared is not None:
        meters = [getattr(shared, n)() for n in ("MAE", "Fmeasure", "Smeasure", "RelaxedBoundaryF")]
        count = 0
        for pred, gt in pairs:
            count += 1
            for meter in meters:
                meter.step(pred, gt)
        if count == 0:
            raise ValueError("no validation images")
        results: dict[str, float] = {}
        for meter in meters:
            results.update({k: float(v) for k, v in meter.results().items() if np.isscalar(v)})
        return {k: results[k] for k in ("maxF", "MAE", "Sm", "relaxF") if k in results}
    curves, maes, relaxed = [], [], []
    for pred, gt in pairs:
        curves.append(f_curve(pred, gt))
        maes.append(float(np.abs(pred.astype(np.float64) - gt.astype(np.float64) / 255.0).mean()))
        relaxed.append(relaxed_f(pred, gt)[0])
    if not curves:
        raise ValueError("no validation images")
    return {
        "maxF": float(np.mean(curves, axis=0).max()),
        "MAE": float(np.mean(maes)),
        "relaxF": float(np.mean(relaxed)),
    }


def is_better(metric: str, value: float, best: float | None) -> bool:
    """Whether ``value`` improves on ``best`` for this metric."""
    if best is None:
        return True
    return value > best if HIGHER_IS_BETTER[metric] else value < best
