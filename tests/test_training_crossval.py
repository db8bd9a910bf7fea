"""The cross-validated fine-tune (training/finetune.py): folds by content, every pair judged, the refit, resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from u2studio.core.imageio import save_png
from u2studio.core.synthetic import scene
from u2studio.training.data import cv_folds, default_folds, discover

from test_training_run import REPO, env, train

DEFAULTS = ["--arch", "u2netp", "--init", "bundled", "--size", "96", "--crop", "80", "--steps", "2", "--batch-size", "2",
            "--device", "cpu", "--deterministic", "--progress-json"]
RUN = [*DEFAULTS, "--freeze", "encoder"]  # one recipe: the protocol's mechanics (the default judges two, below)


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seven generated scenes the bundled model segments imperfectly (so a short fine-tune helps)."""
    root = tmp_path_factory.mktemp("cv")
    for index in range(7):
        image, mask = scene(96, 80, seed=200 + index)
        save_png(root / "im" / f"s{index}.png", image)
        save_png(root / "gt" / f"s{index}.png", mask)
    return root


def test_folds_deal_pairs_by_content_and_judge_each_once(pairs: Path) -> None:
    samples = discover(pairs)
    assert [default_folds(n) for n in (4, 5, 6, 8, 9, 12, 40)] == [1, 1, 2, 2, 2, 2, 2]
    folds = cv_folds(samples, 2)
    held = [sorted(s.stem for s in fold if s.split == "val") for fold in folds]
    assert sorted(held[0] + held[1]) == [f"s{i}" for i in range(7)] and {len(h) for h in held} == {3, 4}
    for fold in folds:  # every fold trains on exactly the pairs it does not judge
        assert {s.stem for s in fold if s.split == "train"} == {s.stem for s in samples} - {s.stem for s in fold if s.split == "val"}
    assert cv_folds(list(reversed(samples)), 2) == folds  # the order of discovery does not matter


@pytest.mark.slow
def test_accepted_fine_tune_is_refit_on_every_pair(pairs: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    _, events, _ = train("--data", str(pairs), "--out", str(run), *RUN)
    starts = [e for e in events if e["event"] == "start"]
    assert [e["phase"] for e in starts] == ["fold 1/2", "fold 2/2", "refit on every pair"]
    assert [(e["train"], e["val"]) for e in starts] == [(3, 4), (4, 3), (7, 0)]
    verdict = json.loads((run / "best.json").read_text())
    assert verdict["accepted"] is True, verdict["decision"]
    assert verdict["n_val"] == 7 and verdict["n_train"] == 7 and len(verdict["per_image"]) == 7
    assert verdict["protocol"] == {"folds": 2, "refit": True, "fold_train": [3, 4], "pairs": 7,
                                   "soup": {"members": 3, "interpolate": 0.75}}
    assert "Cross-validated over 2 folds" in verdict["decision"] and "all 7 pairs" in verdict["decision"]
    assert "averages it with the 2 fold models, moved 0.75 of the way" in verdict["decision"]
    best, refit = load_file(str(run / "best.safetensors")), load_file(str(run / "last.safetensors"))
    folds = [load_file(str(run / "folds" / str(k) / "last.safetensors")) for k in range(2)]
    from u2studio.models.registry import create_model

    start = create_model("u2netp", pretrained=True).state_dict()
    # the installed model: the mean of both fold models' and the refit's trained weights, 0.75 of the way from the start
    floats = [k for k in best if best[k].is_floating_point()]
    mean = {k: (folds[0][k] + folds[1][k] + refit[k]) / 3 for k in floats}
    assert all(torch.allclose(best[k], start[k] + 0.75 * (mean[k] - start[k]), atol=1e-6) for k in floats)
    assert not any(torch.allclose(best[k], m[k], atol=1e-6) for m in (refit, *folds) for k in ["stage1d.rebnconvin.conv_s1.weight"])
    assert verdict["recipe"]["interpolate"] == 0.5  # what each fold model was judged with
    assert [e["event"] for e in events][-3:] == ["guard", "checkpoint", "done"]


@pytest.mark.slow
def test_without_the_soup_the_refit_is_installed_halfway_back_to_the_start(pairs: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    train("--data", str(pairs), "--out", str(run), *RUN, "--no-soup")
    verdict = json.loads((run / "best.json").read_text())
    assert verdict["accepted"] is True and verdict["protocol"]["soup"] is None and "averages" not in verdict["decision"]
    best, refit = load_file(str(run / "best.safetensors")), load_file(str(run / "last.safetensors"))
    from u2studio.models.registry import create_model

    start = create_model("u2netp", pretrained=True).state_dict()
    assert all(torch.allclose(best[k], start[k] + 0.5 * (refit[k] - start[k]), atol=1e-6) for k in best if best[k].is_floating_point())
    assert not all(torch.equal(best[k], refit[k]) for k in best)


@pytest.mark.slow
def test_killed_cross_validation_resumes_to_the_same_model(pairs: Path, tmp_path: Path) -> None:
    straight = tmp_path / "straight"
    train("--data", str(pairs), "--out", str(straight), *RUN)
    killed = tmp_path / "killed"
    cmd = [sys.executable, "-m", "u2studio", "train", "--data", str(pairs), "--out", str(killed), *RUN]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env(), cwd=REPO)
    assert proc.stdout is not None
    for line in proc.stdout:  # killed as the second fold starts: fold 1 is finished, nothing else
        if line.startswith("{") and json.loads(line).get("phase") == "fold 2/2":
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL and not (killed / "best.json").exists()
    code, refused, _ = train("--data", str(pairs), "--out", str(killed), *RUN, check=False)
    assert code == 2 and "--resume" in refused[-1]["message"]  # never mixes two runs silently
    _, events, _ = train("--data", str(pairs), "--out", str(killed), *RUN, "--resume")
    assert [e["resumed"] for e in events if e["event"] == "start"][0] is True
    a, b = load_file(str(straight / "best.safetensors")), load_file(str(killed / "best.safetensors"))
    assert all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)
    assert json.loads((straight / "best.json").read_text())["after"] == json.loads((killed / "best.json").read_text())["after"]


@pytest.mark.parametrize(("mode", "trains"), [("encoder", {"decoder"}), ("decoder", {"encoder"}), ("input", {"stage1"}),
                                              ("deep", {"stage1", "decoder"}), ("none", {"encoder", "decoder"})])
def test_freeze_modes_train_exactly_their_layers(mode: str, trains: set[str]) -> None:
    from u2studio.models.registry import create_model
    from u2studio.training.recipe import ENCODER_STAGES, apply_freeze

    model = create_model("u2netp")
    count = apply_freeze(model, mode)
    moving = {name.split(".")[0] for name, p in model.named_parameters() if p.requires_grad}
    encoder, stage1 = set(ENCODER_STAGES), {"stage1"}
    decoder = {name for name, _ in model.named_children()} - encoder
    expected = set().union(*({"encoder": encoder, "decoder": decoder, "stage1": stage1}[t] for t in trains))
    assert moving == expected
    assert count == sum(p.numel() for p in model.parameters() if p.requires_grad) > 0
    with pytest.raises(ValueError, match="--freeze must be one of"):
        apply_freeze(model, "half")


def test_freeze_bias_trains_only_the_one_dimensional_parameters_of_every_layer() -> None:
    from u2studio.models.registry import create_model
    from u2studio.training.recipe import apply_freeze

    model = create_model("u2netp")
    count = apply_freeze(model, "bias")
    moving = [(name, p) for name, p in model.named_parameters() if p.requires_grad]
    assert moving and all(p.ndim == 1 for _, p in moving)  # biases (and BatchNorm's scale and shift, when unfolded)
    assert not any(p.requires_grad for p in model.parameters() if p.ndim > 1)  # no convolution kernel
    assert {name.split(".")[0] for name, _ in moving} == {name for name, _ in model.named_children()}  # every layer
    assert count == sum(p.numel() for _, p in moving) < sum(p.numel() for p in model.parameters()) // 50


@pytest.mark.slow
def test_the_default_cross_validates_both_recipes_and_refits_the_better_accepted_one(pairs: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    _, events, _ = train("--data", str(pairs), "--out", str(run), *DEFAULTS)  # the default is --freeze auto
    phases = [e["phase"] for e in events if e["event"] == "start"]
    assert phases[:4] == ["fold 1/2", "fold 2/2", "fold 1/2 (whole network)", "fold 2/2 (whole network)"]
    verdict = json.loads((run / "best.json").read_text())
    candidates = verdict["freeze_candidates"]
    assert set(candidates) == {"encoder", "none"} and verdict["freeze"] in candidates
    for folder in ("folds", "folds/none"):  # each candidate's folds are ordinary run folders
        assert all((run / folder / str(k) / "last.safetensors").is_file() for k in (0, 1))
    chosen = candidates[verdict["freeze"]]
    assert "Two recipes were judged (which layers train): decoder only" in verdict["decision"]
    accepted = [m for m, c in candidates.items() if c["accepted"]]
    if accepted:  # the installed model is the refit of the accepted candidate with the higher mean IoU
        assert chosen["accepted"] and phases[4:] == ["refit on every pair"]
        assert chosen["mean_iou"]["after"] == max(candidates[m]["mean_iou"]["after"] for m in accepted)
        assert verdict["recipe"]["freeze"] == verdict["freeze"] 
        assert {key: verdict["after"][key] for key in chosen["after"]} == chosen["after"]
    else:
        assert verdict["freeze"] == "encoder" and phases[4:] == [] and not verdict["accepted"]


def test_freeze_auto_needs_a_fine_tune_with_its_refit(pairs: Path, tmp_path: Path) -> None:
    base = ["--data", str(pairs), "--out", str(tmp_path / "r"), "--arch", "u2netp", "--steps", "1", "--progress-json",
            "--freeze", "auto"]
    for extra in (["--init", "scratch"], ["--init", "bundled", "--folds", "1", "--no-refit"]):
        code, events, stderr = train(*base, *extra, check=False)
        assert code == 2 and "--freeze auto chooses between fine-tuning recipes" in stderr + json.dumps(events)
