"""RUN/best.json as the studio reads it: defensive parsing, contained paths, the picker's description."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from u2studio.core.run_report import RunReportError, describe_finetune, read_run_report


def write(run: Path, payload: object) -> Path:
    run.mkdir(parents=True, exist_ok=True)
    (run / "best.json").write_text(json.dumps(payload) if not isinstance(payload, str) else payload)
    return run


def test_missing_or_malformed_reports_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(RunReportError, match="missing"):
        read_run_report(tmp_path)
    with pytest.raises(RunReportError, match="unreadable"):
        read_run_report(write(tmp_path / "a", "{not json"))
    with pytest.raises(RunReportError, match="not an acceptance report"):
        read_run_report(write(tmp_path / "b", {"accepted": "yes"}))
    with pytest.raises(RunReportError, match="not an acceptance report"):
        read_run_report(write(tmp_path / "c", [1, 2]))


def test_bad_numbers_and_escaping_paths_are_dropped(tmp_path: Path) -> None:
    run = tmp_path / "run"
    (run / "heldout").mkdir(parents=True)
    (run / "heldout" / "a.jpg").write_bytes(b"x")
    (tmp_path / "secret.png").write_bytes(b"x")
    report = read_run_report(write(run, {
        "accepted": False, "decision": "Declined: no", "n_val": -3, "n_train": True,
        "before": {"maxF": 0.5, "MAE": "high", "IoU": None}, "after": {"maxF": float("inf")},
        "heldout": [{"stem": "a", "image": "heldout/a.jpg", "before": "../secret.png", "after": str(run / "heldout" / "a.jpg")},
                    {"image": "no stem"}, "junk"],
        "future_key": {"anything": 1},
    }))
    assert report.before == {"maxF": 0.5} and report.after == {}  # json.dumps wrote inf as Infinity: not finite
    assert (report.n_val, report.n_train) == (0, 0)
    assert len(report.heldout) == 1
    held = report.heldout[0]
    assert held.image == (run / "heldout" / "a.jpg").resolve() and held.before is None and held.after is None


def test_the_description_says_what_and_how_well() -> None:
    summary = {"accepted": True, "dataset": "/data/birds", "n_train": 9, "n_val": 3,
               "before": {"maxF": 0.8, "IoU": 0.7}, "after": {"maxF": 0.85, "IoU": 0.75}}
    text = describe_finetune(summary)
    assert text.splitlines() == [
        "Fine-tuned on /data/birds: 9 training pairs, 3 held out.",
        "On the held-out pairs (accepted by the guard): IoU 0.700 → 0.750, maxF 0.800 → 0.850",
    ]
    assert describe_finetune(None) == "" and describe_finetune("text") == ""


def test_a_cross_validated_report_says_how_it_was_judged(tmp_path: Path) -> None:
    report = read_run_report(write(tmp_path / "cv", {
        "accepted": True, "decision": "Accepted: ...", "n_val": 6, "n_train": 6,
        "before": {"maxF": 0.75, "IoU": 0.4}, "after": {"maxF": 0.8, "IoU": 0.5},
        "protocol": {"folds": 2, "refit": True, "fold_train": [3, 3], "pairs": 6},
    }))
    assert (report.folds, report.refit) == (2, True)
    assert report.judged() == "cross-validated over 2 folds on all 6 pairs (each scored by a model trained without it)"
    assert describe_finetune(report.summary("/data/night")).splitlines() == [
        "Fine-tuned on /data/night: 6 training pairs, scored by 2-fold cross-validation over 6 pairs.",
        "Cross-validated (accepted by the guard): IoU 0.400 → 0.500, maxF 0.750 → 0.800",
    ]
    # an older report without a protocol reads as one held-out split
    old = read_run_report(write(tmp_path / "old", {"accepted": False, "n_val": 3, "n_train": 9, "protocol": "junk"}))
    assert (old.folds, old.refit, old.judged()) == (1, False, "measured on 3 held-out pairs")
