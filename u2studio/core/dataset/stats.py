"""Correction statistics for one pair, and summary statistics over a dataset."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from u2studio.core.binarize import prediction_foreground, reference_foreground
from u2studio.core.boundary import relaxed_f
from u2studio.core.mask_metrics import iou as mask_iou
from u2studio.core.dataset.model import STATES, SPLITS, Correction, DatasetStats, Record, WorstImage


def correction_stats(prediction: np.ndarray | None, corrected: np.ndarray, strokes: int = 0, seconds: float = 0.0) -> Correction:
    """Compare the model's prediction with the corrected mask, both binarised at 0.5.

    ``changed`` is the share of pixels whose binarised value differs, ``iou`` the
    intersection over union (1.0 when both are empty), ``relax_f`` the relaxed
    boundary Fβ (ρ = 3) of the prediction against the correction.
    """
    if strokes < 0 or seconds < 0:
        raise ValueError(f"strokes and seconds must not be negative (got {strokes}, {seconds})")
    if prediction is None:
        return Correction(strokes=int(strokes), seconds=float(seconds))
    pred = np.asarray(prediction)
    if pred.ndim == 3 and pred.shape[2] == 1:
        pred = pred[:, :, 0]
    if pred.shape != corrected.shape:
        raise ValueError(f"prediction {pred.shape} and mask {corrected.shape} differ in size")
    p, g = prediction_foreground(pred), reference_foreground(corrected)
    iou = mask_iou(pred, corrected)
    changed = float(np.count_nonzero(p ^ g)) / p.size
    f, _, _ = relaxed_f(pred, corrected)
    return Correction(changed=round(changed, 6), iou=round(iou, 6), relax_f=round(f, 6), strokes=int(strokes), seconds=round(float(seconds), 3))


def summarize(records: Sequence[Record], worst: int = 5) -> DatasetStats:
    """Counts by state, split and annotator, mean effort, and the ``worst`` images by IoU and relaxed F."""
    by_state = {s: 0 for s in STATES} | dict(Counter(r.state for r in records))
    by_split = {s: 0 for s in SPLITS} | dict(Counter(r.split for r in records))
    by_annotator = dict(Counter(r.annotator or "(unknown)" for r in records))
    measured = [r for r in records if r.correction.iou is not None]
    with_f = [r for r in measured if r.correction.relax_f is not None]

    def mean(values: list[float]) -> float | None:
        return round(float(np.mean(values)), 6) if values else None

    by_iou = sorted(measured, key=lambda r: (r.correction.iou, r.stem))[:worst]
    by_f = sorted(with_f, key=lambda r: (r.correction.relax_f, r.stem))[:worst]
    return DatasetStats(
        count=len(records),
        by_state=by_state,
        by_split=by_split,
        by_annotator=by_annotator,
        with_prediction=len(measured),
        mean_changed=mean([r.correction.changed for r in measured if r.correction.changed is not None]),
        mean_iou=mean([r.correction.iou for r in measured if r.correction.iou is not None]),
        mean_relax_f=mean([r.correction.relax_f for r in with_f if r.correction.relax_f is not None]),
        mean_strokes=mean([float(r.correction.strokes) for r in records]),
        mean_seconds=mean([r.correction.seconds for r in records]),
        total_seconds=round(float(sum(r.correction.seconds for r in records)), 3),
        worst_by_iou=[WorstImage(r.stem, r.correction.iou or 0.0, r.correction.relax_f) for r in by_iou],
        worst_by_relax_f=[WorstImage(r.stem, r.correction.iou or 0.0, r.correction.relax_f) for r in by_f],
    )
