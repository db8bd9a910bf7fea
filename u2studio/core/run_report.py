"""A fine-tuning run's acceptance report (RUN/best.json), read defensively, and its one-line summary.

The trainer's guard writes best.json; the studio shows it and the model store keeps its summary
beside an installed model. The file is untrusted input: every field is checked, unknown keys are
ignored, and held-out thumbnails must stay inside the run folder.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPORT_FILE = "best.json"
# the metrics the table shows, in order, and whether a higher value is better
TABLE_METRICS: tuple[tuple[str, bool], ...] = (("IoU", True), ("maxF", True), ("relaxF", True), ("Sm", True), ("MAE", False))


class RunReportError(ValueError):
    """best.json is missing or not an acceptance report."""


@dataclass(frozen=True)
class HeldOut:
    """One held-out validation image with the starting and the fine-tuned model's masks (paths in the run)."""

    stem: str
    image: Path | None
    before: Path | None
    after: Path | None


@dataclass(frozen=True)
class RunReport:
    """What the guard decided and the numbers it decided on."""

    accepted: bool
    decision: str
    before: dict[str, float]
    after: dict[str, float]
    n_val: int
    n_train: int
    conditions: dict[str, dict[str, Any]] = field(default_factory=dict)
    heldout: tuple[HeldOut, ...] = ()
    data: tuple[str, ...] = ()
    arch: str = ""
    folds: int = 1  # >1: every judged pair was scored by a cross-validation fold model trained without it
    refit: bool = False  # the installed model was trained on every pair after the verdict

    def judged(self) -> str:
        """How the numbers were obtained, in words (for the results panel and the model picker)."""
        if self.folds > 1:
            return f"cross-validated over {self.folds} folds on all {self.n_val} pairs (each scored by a model trained without it)"
        return f"measured on {self.n_val} held-out pairs"

    def summary(self, dataset: str = "") -> dict[str, Any]:
        """Plain JSON for an installed model's metadata: what it was trained on and how it scored."""
        return {
            "accepted": self.accepted, "decision": self.decision, "dataset": dataset or ", ".join(self.data),
            "n_train": self.n_train, "n_val": self.n_val, "before": dict(self.before), "after": dict(self.after),
            "folds": self.folds, "refit": self.refit,
        }


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(float(value)) else None


def _metrics(value: object) -> dict[str, float]:
    if not isinstance(value, dict):
        return {}
    out = {str(k): _number(v) for k, v in value.items()}
    return {k: v for k, v in out.items() if v is not None}


def _count(value: object) -> int:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _inside(run_dir: Path, relative: object) -> Path | None:
    """``run_dir / relative`` when ``relative`` is relative and names an existing file inside the run folder."""
    if not isinstance(relative, str) or not relative or Path(relative).is_absolute():
        return None
    root = run_dir.resolve()
    path = (run_dir / relative).resolve()
    return path if path.is_relative_to(root) and path.is_file() else None


def _heldout(run_dir: Path, value: object) -> tuple[HeldOut, ...]:
    rows = value if isinstance(value, list) else []
    out = []
    for row in rows:
        if isinstance(row, dict) and isinstance(row.get("stem"), str):
            out.append(HeldOut(row["stem"], *(_inside(run_dir, row.get(k)) for k in ("image", "before", "after"))))
    return tuple(out)


def read_run_report(run_dir: Path) -> RunReport:
    """Parse RUN/best.json; raises RunReportError with a reason when it is missing or malformed."""
    path = run_dir / REPORT_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunReportError(f"{path} is missing: this trainer wrote no acceptance report") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RunReportError(f"{path}: unreadable acceptance report ({exc})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("accepted"), bool):
        raise RunReportError(f"{path}: not an acceptance report (no accepted true/false)")
    conditions = raw.get("conditions")
    protocol = raw.get("protocol") if isinstance(raw.get("protocol"), dict) else {}
    return RunReport(
        accepted=raw["accepted"],
        decision=str(raw.get("decision") or ("accepted" if raw["accepted"] else "declined")),
        before=_metrics(raw.get("before")), after=_metrics(raw.get("after")),
        n_val=_count(raw.get("n_val")), n_train=_count(raw.get("n_train")),
        conditions={str(k): v for k, v in conditions.items() if isinstance(v, dict)} if isinstance(conditions, dict) else {},
        heldout=_heldout(run_dir, raw.get("heldout")),
        data=tuple(str(d) for d in raw.get("data") or () if isinstance(d, str)) if isinstance(raw.get("data"), list) else (),
        arch=str(raw.get("arch") or ""),
        folds=max(1, _count(protocol.get("folds"))), refit=protocol.get("refit") is True,
    )


def describe_finetune(summary: object) -> str:
    """One or two human lines for a model picker: trained on what, and how it scored (empty if unknown)."""
    if not isinstance(summary, dict):
        return ""
    dataset = str(summary.get("dataset") or "an unnamed dataset")
    folds, n_val = max(1, _count(summary.get("folds"))), _count(summary.get("n_val"))
    judged = f"scored by {folds}-fold cross-validation over {n_val} pairs" if folds > 1 else f"{n_val} held out"
    trained = f"Fine-tuned on {dataset}: {_count(summary.get('n_train'))} training pairs, {judged}."
    before, after = _metrics(summary.get("before")), _metrics(summary.get("after"))
    scores = [f"{name} {before[name]:.3f} → {after[name]:.3f}" for name, _ in TABLE_METRICS if name in before and name in after]
    verdict = "accepted by the guard" if summary.get("accepted") is True else "declined by the guard"
    where = "Cross-validated" if folds > 1 else "On the held-out pairs"
    lines = [trained, f"{where} ({verdict}): " + (", ".join(scores) if scores else "no scores recorded")]
    return "\n".join(lines)
