"""The acceptance guard of a fine-tune: does the new model beat the starting one on held-out pairs?

Pure Python on metric numbers (no torch), so the rule is unit-tested on hand-made values.
The fine-tuned weights are accepted only when, on the validation pairs,

* the mean per-image IoU (masks binarised at 0.5) improves,
* neither maxF nor relaxed Fβ falls by more than ``F_TOLERANCE``,
* no single image loses more than ``IOU_DROP_LIMIT`` IoU (a model that drops a head is never accepted).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

F_TOLERANCE = 0.005
IOU_DROP_LIMIT = 0.05


@dataclass(frozen=True)
class PerImage:
    """One validation pair's IoU before and after fine-tuning."""

    stem: str
    iou_before: float
    iou_after: float


def mean_iou(per_image: list[PerImage], after: bool) -> float:
    """The mean per-image IoU of the final (``after``) or starting model."""
    values = [p.iou_after if after else p.iou_before for p in per_image]
    return sum(values) / len(values) if values else 0.0


def conditions(before: dict[str, float], after: dict[str, float], per_image: list[PerImage]) -> dict[str, dict[str, Any]]:
    """Each acceptance condition with its numbers and whether it holds (the ``conditions`` of best.json)."""
    if not per_image:
        raise ValueError("the guard needs at least one validation pair")
    iou_b, iou_a = mean_iou(per_image, False), mean_iou(per_image, True)
    worst = max(per_image, key=lambda p: (p.iou_before - p.iou_after, p.stem))
    drop = worst.iou_before - worst.iou_after
    return {
        "mean_iou": {"before": iou_b, "after": iou_a, "ok": iou_a > iou_b},
        "maxF": {"before": before["maxF"], "after": after["maxF"], "ok": after["maxF"] >= before["maxF"] - F_TOLERANCE},
        "relaxF": {"before": before["relaxF"], "after": after["relaxF"],
                   "ok": after["relaxF"] >= before["relaxF"] - F_TOLERANCE},
        "worst_iou_drop": {"value": drop, "stem": worst.stem, "ok": drop <= IOU_DROP_LIMIT},
    }


def decide(conds: dict[str, dict[str, Any]], n_val: int) -> tuple[bool, str]:
    """Whether to accept, and one sentence naming the condition that decided."""
    drop, iou = conds["worst_iou_drop"], conds["mean_iou"]
    pairs = f"{n_val} held-out pair{'s' if n_val != 1 else ''}"
    if not drop["ok"]:
        return False, (f"Declined: image {drop['stem']} lost {drop['value']:.3f} IoU (more than {IOU_DROP_LIMIT}) "
                       f"on {pairs}; the starting model is kept.")
    if not iou["ok"]:
        return False, (f"Declined: mean IoU did not improve ({iou['before']:.3f} -> {iou['after']:.3f}) "
                       f"on {pairs}; the starting model is kept.")
    for key, label in (("maxF", "maxF"), ("relaxF", "relaxed F-beta")):
        c = conds[key]
        if not c["ok"]:
            return False, (f"Declined: {label} fell from {c['before']:.3f} to {c['after']:.3f} "
                           f"(more than {F_TOLERANCE}) on {pairs}; the starting model is kept.")
    return True, (f"Accepted: mean IoU rose from {iou['before']:.3f} to {iou['after']:.3f} on {pairs}, "
                  f"maxF and relaxed F-beta held and no image lost more than {IOU_DROP_LIMIT} IoU.")


def report(before: dict[str, float], after: dict[str, float], per_image: list[PerImage],
           **extra: Any) -> dict[str, Any]:
    """The guard's verdict in best.json's shape (``extra`` adds n_train, val_stems, heldout, arch, ...)."""
    conds = conditions(before, after, per_image)
    accepted, sentence = decide(conds, len(per_image))
    with_iou = {"before": {**before, "IoU": conds["mean_iou"]["before"]}, "after": {**after, "IoU": conds["mean_iou"]["after"]}}
    return {
        "accepted": accepted, "decision": sentence, "conditions": conds, **with_iou, "n_val": len(per_image),
        "per_image": [{"stem": p.stem, "iou_before": p.iou_before, "iou_after": p.iou_after} for p in per_image],
        **extra,
    }
