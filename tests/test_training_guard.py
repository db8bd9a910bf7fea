"""The fine-tuning guard: its conditions on hand-made numbers, the held-out split, and a real destructive run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from u2studio.core.imageio import save_png
from u2studio.core.synthetic import scene
from u2studio.training.data import DataError, discover, guard_split
from u2studio.training.guard import PerImage, conditions, decide, report

from test_training_run import train

BEFORE = {"maxF": 0.80, "relaxF": 0.50, "MAE": 0.10, "Sm": 0.80}


def per(*pairs: tuple[float, float]) -> list[PerImage]:
    return [PerImage(f"s{i}", b, a) for i, (b, a) in enumerate(pairs)]


def test_accepts_a_real_improvement() -> None:
    after = {"maxF": 0.82, "relaxF": 0.497, "MAE": 0.09, "Sm": 0.81}  # relaxF within the 0.005 tolerance
    verdict = report(BEFORE, after, per((0.6, 0.7), (0.7, 0.72), (0.8, 0.76)))
    assert verdict["accepted"] is True and verdict["decision"].startswith("Accepted")
    assert verdict["conditions"]["worst_iou_drop"] == {"value": pytest.approx(0.04), "stem": "s2", "ok": True}
    assert verdict["before"]["IoU"] == pytest.approx(0.7) and verdict["after"]["IoU"] == pytest.approx(0.7267, abs=1e-4)
    assert verdict["n_val"] == 3 and [p["stem"] for p in verdict["per_image"]] == ["s0", "s1", "s2"]


def test_one_dropped_image_declines_even_when_the_mean_improves() -> None:
    conds = conditions(BEFORE, {**BEFORE, "maxF": 0.9}, per((0.2, 0.9), (0.9, 0.84)))
    accepted, sentence = decide(conds, 2)
    assert not accepted and conds["mean_iou"]["ok"] and not conds["worst_iou_drop"]["ok"]
    assert "s1" in sentence and "0.060" in sentence


@pytest.mark.parametrize(("key", "after_value", "word"), [("maxF", 0.794, "maxF"), ("relaxF", 0.494, "relaxed")])
def test_f_measures_may_fall_by_at_most_0_005(key: str, after_value: float, word: str) -> None:
    ious = per((0.5, 0.6), (0.5, 0.6))
    assert report(BEFORE, {**BEFORE, key: BEFORE[key] - 0.0049}, ious)["accepted"]
    verdict = report(BEFORE, {**BEFORE, key: after_value}, ious)
    assert not verdict["accepted"] and not verdict["conditions"][key]["ok"] and word in verdict["decision"]


def test_an_unchanged_mean_iou_is_not_an_improvement() -> None:
    verdict = report(BEFORE, BEFORE, per((0.5, 0.53), (0.6, 0.57)))
    assert not verdict["accepted"] and "mean IoU did not improve" in verdict["decision"]


def make_pairs(root: Path, count: int, size: int = 48) -> Path:
    for index in range(count):
        image, mask = scene(size, size, seed=300 + index)
        save_png(root / "im" / f"p{index}.png", image)
        save_png(root / "gt" / f"p{index}.png", mask)
    return root


def test_split_holds_out_a_quarter_but_at_least_three(tmp_path: Path) -> None:
    twelve = guard_split(discover(make_pairs(tmp_path / "a", 12)))
    assert sum(s.split == "val" for s in twelve) == 3
    twenty = guard_split(discover(make_pairs(tmp_path / "b", 20)))
    assert sum(s.split == "val" for s in twenty) == 5
    five = guard_split(discover(make_pairs(tmp_path / "c", 5)))
    assert [s.split for s in five].count("val") == 3
    with pytest.raises(DataError, match="at least 4 usable pairs"):
        guard_split(discover(make_pairs(tmp_path / "d", 3)))


def test_split_is_by_content_and_ignores_rejected_pairs(tmp_path: Path) -> None:
    root = make_pairs(tmp_path / "m", 8)
    first = {s.stem: s.split for s in guard_split(discover(root))}
    # renaming every pair keeps each image on its side of the split
    renamed = make_pairs(tmp_path / "r", 0)
    for stem in first:
        for kind in ("im", "gt"):
            (renamed / kind).mkdir(parents=True, exist_ok=True)
            (renamed / kind / f"x{stem}.png").write_bytes((root / kind / f"{stem}.png").read_bytes())
    assert {s.stem[1:]: s.split for s in guard_split(discover(renamed))} == first
    # a rejected pair is never used, whatever split the manifest gives it
    records = [{"stem": s, "split": "train", "state": "rejected" if s == "p0" else "corrected"} for s in first]
    (root / "manifest.jsonl").write_text("\n".join(json.dumps(r) for r in records))
    split = guard_split(discover(root))
    assert "p0" not in {s.stem for s in split} and sum(s.split == "val" for s in split) == 3


@pytest.mark.slow
def test_destructive_fine_tune_is_declined_and_keeps_the_starting_weights(tmp_path: Path) -> None:
    data = make_pairs(tmp_path / "data", 8, 160)  # large enough for the bundled model to do well at the start
    unlabeled = tmp_path / "unlabeled"
    unlabeled.mkdir()
    (unlabeled / "copy.png").write_bytes((data / "im" / "p0.png").read_bytes())  # a labelled image: skipped
    save_png(unlabeled / "new.png", scene(160, 160, seed=999)[0])
    run = tmp_path / "run"
    _, events, _ = train("--unlabeled", str(unlabeled),"--data", str(data), "--arch", "u2netp", "--init", "bundled", "--out", str(run),
                         "--lr", "0.05", "--steps", "2", "--warmup", "0", "--schedule", "constant",
                         "--size", "160", "--crop", "144", "--batch-size", "2", "--device", "cpu", "--progress-json")
    kinds = [e["event"] for e in events]
    assert kinds.index("baseline") < kinds.index("step") and kinds[-2:] == ["checkpoint", "done"]
    guard = events[kinds.index("guard")]
    verdict = json.loads((run / "best.json").read_text())
    assert verdict["accepted"] is False and guard["accepted"] is False and verdict["decision"].startswith("Declined")
    # the default protocol: 2 folds of 4 pairs, so all 8 pairs judged; declined, so no refit ran
    assert verdict["n_val"] == 8 and verdict["n_train"] == 4 and len(verdict["heldout"]) == 8
    assert verdict["protocol"] == {"folds": 2, "refit": False, "fold_train": [4, 4], "pairs": 8, "soup": None}
    assert verdict["n_unlabeled"] == 1 and (run / "folds" / "0" / "pseudo" / "00000.png").is_file()
    assert verdict["checkpoint"]["weights"] == "starting" and verdict["recipe"]["lr"] == 0.05
    assert not (run / "last.safetensors").exists()  # nothing was trained on every pair
    # the default also judges the whole-network recipe; at this rate it diverges, which declines it, not the run
    notes = [e["message"] for e in events if e["event"] == "notice" and e["message"].startswith("whole network:")]
    assert notes and ("not judged, the loss is not finite" in notes[0] or "Declined" in notes[0]), notes
    for entry in verdict["heldout"]:
        for key in ("image", "before", "after"):
            assert (run / entry[key]).is_file()
    from u2studio.models.registry import create_model

    start = create_model("u2netp", pretrained=True).state_dict()
    best, last = load_file(str(run / "best.safetensors")), load_file(str(run / "folds" / "0" / "last.safetensors"))
    assert best.keys() == start.keys()
    assert all(torch.equal(best[k], start[k]) for k in start)  # bit-equal to the starting weights
    assert not all(torch.equal(last[k], start[k]) for k in start)  # while training (fold 1) really changed them


def test_recipe_defaults_and_schedule() -> None:
    import argparse

    from u2studio.training.cli import add_arguments
    from u2studio.training.recipe import FT_LR, lr_factor, resolve

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--data", "d", "--arch", "u2netp", "--out", "o"])
    recipe = resolve(args, finetune=True, n_train=9)
    assert (recipe.steps, recipe.total_steps, recipe.lr, recipe.loss, recipe.freeze) == (18, 18, FT_LR, "hybrid", "encoder")
    assert recipe.epochs == 9 and not recipe.augment.vflip and recipe.augment.scale != (1.0, 1.0)
    assert resolve(args, True, 2).steps == 8 and resolve(args, True, 500).steps == 120  # 32..480 images
    factors = [lr_factor(recipe, step) for step in range(18)]
    assert factors[0] < factors[1] < factors[2] == 1.0 > factors[3] and factors[-1] < 0.02  # warm-up, cosine
    scratch = resolve(parser.parse_args(["--data", "d", "--arch", "u2netp", "--out", "o", "--init", "scratch"]), False, 9)
    assert (scratch.lr, scratch.loss, scratch.freeze, scratch.epochs, scratch.schedule) == (1e-3, "bce", "none", 10, "constant")
    explicit = resolve(parser.parse_args(["--data", "d", "--arch", "u2netp", "--out", "o", "--epochs", "3", "--lr", "3e-5"]), True, 8)
    assert (explicit.epochs, explicit.steps, explicit.total_steps, explicit.lr) == (3, None, 6, 3e-5)
    strong = resolve(parser.parse_args(["--data", "d", "--arch", "u2netp", "--out", "o", "--augment", "strong"]), True, 8).augment
    assert strong.scale[0] < recipe.augment.scale[0] and strong.scale[1] > recipe.augment.scale[1]
    assert strong.colour > recipe.augment.colour and not strong.vflip


def test_heldout_thumbnails_keep_the_long_side_within_256() -> None:
    from u2studio.training.heldout import thumb_size

    assert thumb_size(4000, 6000) == (256, 171) and thumb_size(100, 80) == (80, 100)
