"""Saliency metrics with NumPy and OpenCV only, following PySODMetrics' conventions.

Each metric accumulates with ``step(pred, gt)`` and reports with ``results()``;
MetricSuite runs them all with one input check per pair.
"""

from u2studio.core.metrics._input import MetricInputError, Pair, validate_pair
from u2studio.core.metrics.hce import HCE
from u2studio.core.metrics.region import MAE, Emeasure, Fmeasure, IoUDice
from u2studio.core.metrics.relaxed import RelaxedBoundaryF
from u2studio.core.metrics.structure import Smeasure
from u2studio.core.metrics.weighted import WeightedFmeasure
from u2studio.core.metrics.suite import SUMMARY_KEYS, MetricSuite

__all__ = [
    "HCE",
    "MAE",
    "SUMMARY_KEYS",
    "Emeasure",
    "Fmeasure",
    "IoUDice",
    "MetricInputError",
    "MetricSuite",
    "Pair",
    "RelaxedBoundaryF",
    "Smeasure",
    "WeightedFmeasure",
    "validate_pair",
]
