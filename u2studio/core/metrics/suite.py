"""All metrics at once with one input check per pair, reported as one flat dict."""

from __future__ import annotations

from typing import Any

import numpy as np

from u2studio.core.metrics._input import Pair, as_pair
from u2studio.core.metrics.hce import HCE
from u2studio.core.metrics.region import MAE, Emeasure, Fmeasure, IoUDice
from u2studio.core.metrics.relaxed import RelaxedBoundaryF
from u2studio.core.metrics.structure import Smeasure
from u2studio.core.metrics.weighted import WeightedFmeasure

SUMMARY_KEYS = ("maxF", "meanF", "adpF", "MAE", "wF", "Sm", "maxEm", "meanEm", "adpEm", "relaxF", "IoU", "HCE", "n")


class MetricSuite:
    """Runs every metric on each pair; ``results()`` returns exactly SUMMARY_KEYS."""

    def __init__(self, rho: int = 3) -> None:
        self.fm = Fmeasure()
        self.mae = MAE()
        self.wf = WeightedFmeasure()
        self.sm = Smeasure()
        self.em = Emeasure()
        self.relax = RelaxedBoundaryF(rho)
        self.iou = IoUDice()
        self.hce = HCE()
        self.n = 0

    @property
    def metrics(self) -> tuple[Any, ...]:
        """The member metrics, in report order."""
        return (self.fm, self.mae, self.wf, self.sm, self.em, self.relax, self.iou, self.hce)

    def step(self, pred: np.ndarray | Pair, gt: np.ndarray | None = None) -> dict[str, float]:
        """Score one pair with every metric; returns this pair's own scores (for per-image tables)."""
        pair = as_pair(pred, gt)
        for metric in self.metrics:
            metric.add(pair)
        self.n += 1
        return {
            "maxF": float(self.fm.curves[-1].max()),
            "meanF": float(self.fm.curves[-1].mean()),
            "adpF": self.fm.adaptive[-1],
            "MAE": self.mae.values[-1],
            "wF": self.wf.values[-1],
            "Sm": self.sm.values[-1],
            "maxEm": float(self.em.curves[-1].max()),
            "meanEm": float(self.em.curves[-1].mean()),
            "adpEm": self.em.adaptive[-1],
            "relaxF": self.relax.fs[-1],
            "relaxP": self.relax.precision[-1],
            "relaxR": self.relax.recall[-1],
            "IoU": self.iou.ious[-1],
            "HCE": self.hce.values[-1],
        }

    def results(self) -> dict[str, float]:
        """One flat dict with keys SUMMARY_KEYS (``n`` is the number of pairs)."""
        out: dict[str, float] = {}
        fm, em = self.fm.results(), self.em.results()
        out.update({k: fm[k] for k in ("maxF", "meanF", "adpF")})
        out.update(self.mae.results())
        out.update(self.wf.results())
        out.update(self.sm.results())
        out.update({k: em[k] for k in ("maxEm", "meanEm", "adpEm")})
        out["relaxF"] = self.relax.results()["relaxF"]
        out["IoU"] = self.iou.results()["IoU"]
        out.update(self.hce.results())
        out["n"] = self.n
        return {k: out[k] for k in SUMMARY_KEYS}

    def curves(self) -> dict[str, np.ndarray]:
        """Averaged precision, recall and Fβ over thresholds 0..255 (for PR and F-threshold plots)."""
        fm = self.fm.results()
        return {"precision": fm["precision"], "recall": fm["recall"], "fm": fm["fm"]}
