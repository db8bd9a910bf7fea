"""Real training runs in subprocesses on generated scenes: fine-tuning, resume, NaN guard, DDP, IS-Net."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from u2studio.core.imageio import save_png
from u2studio.core.synthetic import scene
from u2studio.models.checkpoint import read_metadata

REPO = Path(__file__).resolve().parents[1]
# --no-refit: these runs test one training (resume, NaN, DDP); the cross-validated fine-tune has its own tests
TINY = ["--size", "64", "--crop", "56", "--batch-size", "2", "--val-count", "1", "--no-refit", "--device", "cpu", "--progress-json"]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seven training and one validation scene, 64×56 pixels, in plain im/gt folders."""
    root = tmp_path_factory.mktemp("scenes")
    for index in range(8):
        image, mask = scene(64, 56, seed=100 + index)
        save_png(root / "im" / f"scene{index}.png", image)
        save_png(root / "gt" / f"scene{index}.png", mask)
    return root


def env() -> dict[str, str]:
    out = dict(os.environ)
    out["PYTHONPATH"] = str(REPO) + os.pathsep + out.get("PYTHONPATH", "")
    out["OMP_NUM_THREADS"] = "1"  # the machine may be shared: one thread avoids OpenMP spin-waits
    return out


def train(*args: str, launcher: list[str] | None = None, check: bool = True) -> tuple[int, list[dict[str, Any]], str]:
    """Run ``u2studio train`` in a real process; returns (exit code, JSON events, stderr)."""
    cmd = (launcher or [sys.executable]) + ["-m", "u2studio", "train", *args]
    result = subprocess.run(cmd, capture_output=True, text=True, env=env(), cwd=REPO, timeout=300)
    events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    if check and result.returncode != 0:
        raise AssertionError(f"exit {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result.returncode, events, result.stderr


def weights(path: Path) -> dict[str, torch.Tensor]:
    return load_file(str(path))


def assert_same_weights(a: Path, b: Path) -> None:
    wa, wb = weights(a), weights(b)
    assert wa.keys() == wb.keys()
    for key in wa:
        assert torch.allclose(wa[key], wb[key], atol=1e-6, rtol=1e-5), key


@pytest.mark.slow
def test_finetune_writes_usable_checkpoints(data: Path, tmp_path: Path, bundled_weights: Path) -> None:
    run = tmp_path / "run"
    _, events, _ = train("--data", str(data), "--arch", "u2netp", "--init", "bundled", "--out", str(run),
                         "--epochs", "2", "--loss", "hybrid", "--val-before", *TINY)
    kinds = [e["event"] for e in events if e["event"] != "notice"]  # notices (a plain folder) may come first
    assert kinds[0] == "start" and kinds[-1] == "done" and kinds.count("epoch") == 2
    from u2studio.training.recipe import FT_LR

    start = next(e for e in events if e["event"] == "start")
    assert start["bn_frozen"] is True and start["lr"] == pytest.approx(FT_LR)
    assert kinds.count("step") == 6 and all(np.isfinite(e["loss"]) for e in events if e["event"] == "step")
    epochs = [e for e in events if e["event"] == "epoch"]
    assert {"maxF", "MAE", "relaxF"} <= set(epochs[-1]["metrics"])
    for name in ("last.safetensors", "last.json", "best.safetensors", "best.json", "state.pt", "loss.png", "metrics.png"):
        assert (run / name).is_file(), name
    meta = read_metadata(run / "last.safetensors")
    assert meta["arch"] == "u2netp" and meta["source"] == "fine-tuned" and meta["epoch"] == 2
    assert meta["datasets"] and meta["config"]["arch"] == "u2netp" and meta["bn_folded"] is True
    assert json.loads((run / "last.json").read_text()) == meta
    # BatchNorm of the folded bundled weights stays the identity; the convolutions moved
    tuned, original = weights(run / "last.safetensors"), weights(bundled_weights)
    bn_keys = [k for k in tuned if ".bn_s1." in k]
    assert bn_keys and all(torch.equal(tuned[k], original[k]) for k in bn_keys)
    # the recipe freezes the encoder: stage1..stage6 keep the bundled weights, the decoder moved
    assert all(torch.equal(tuned[k], original[k]) for k in tuned if k.split(".")[0] in {f"stage{i}" for i in range(1, 7)})
    assert not torch.equal(tuned["stage1d.rebnconvin.conv_s1.weight"], original["stage1d.rebnconvin.conv_s1.weight"])
    assert json.loads((run / "best.json").read_text())["n_val"] == 1  # the guard's verdict (--val-count 1)
    state = torch.load(run / "state.pt", weights_only=True)
    assert state["epoch"] == 2 and state["global_step"] == 6  # 7 images, batch 2, the odd one dropped
    # usable by the Predictor, and installable into the studio's model store
    from u2studio.inference.predictor import Predictor
    from u2studio.models.store import list_models

    image, _ = scene(64, 56, seed=1)
    mask = Predictor(model=run / "best.safetensors", device="cpu").predict(image)
    assert mask.shape == (56, 64) and np.isfinite(mask).all()
    from u2studio.core.paths import models_dir

    models_dir().mkdir(parents=True, exist_ok=True)
    shutil.copy(run / "best.safetensors", models_dir() / "tuned.safetensors")
    entry = {m.name: m for m in list_models()}["tuned"]
    assert entry.arch == "u2netp" and entry.source == "fine-tuned"


@pytest.mark.slow
def test_resume_after_a_kill_continues_exactly(data: Path, tmp_path: Path) -> None:
    common = ["--data", str(data), "--arch", "u2netp", "--init", "bundled", "--epochs", "3", "--deterministic",
              "--seed", "3", "--lr", "3e-4", *TINY, "--batch-size", "3"]
    train(*common, "--out", str(tmp_path / "straight"))
    # killed with SIGKILL once the first epoch's checkpoint is written, then resumed
    killed = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "u2studio", "train", *common, "--out", str(killed)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env(), cwd=REPO)
    assert proc.stdout is not None
    for line in proc.stdout:
        event = json.loads(line)
        if event["event"] == "checkpoint" and event["epoch"] == 1:
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    state = torch.load(killed / "state.pt", weights_only=True)
    assert state["epoch"] in (1, 2)
    _, events, _ = train(*common, "--out", str(killed), "--resume")
    start = next(e for e in events if e["event"] == "start")  # after any notices
    assert start["resumed"] is True and start["epoch"] == state["epoch"]
    assert_same_weights(tmp_path / "straight" / "last.safetensors", killed / "last.safetensors")
    # stopped in the middle of an epoch by --max-steps, then resumed
    mid = tmp_path / "mid"
    train(*common, "--out", str(mid), "--max-steps", "3")  # two steps an epoch: stops after epoch 2's first
    assert torch.load(mid / "state.pt", weights_only=True)["step_in_epoch"] == 1
    train(*common, "--out", str(mid), "--resume")
    assert_same_weights(tmp_path / "straight" / "last.safetensors", mid / "last.safetensors")
    history = [e["epoch"] for e in json.loads(torch.load(mid / "state.pt", weights_only=True)["history"])]
    assert history == [1, 2, 3]


@pytest.mark.slow
def test_nan_guard_stops_and_keeps_the_last_good_checkpoint(data: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    code, events, _ = train("--data", str(data), "--arch", "u2netp", "--init", "bundled", "--out", str(run),
                            "--epochs", "3", "--debug-nan-at-step", "5", *TINY, check=False)
    assert code == 3
    assert events[-1]["event"] == "error" and events[-1]["kind"] == "nan" and "step 5" in events[-1]["message"]
    meta = read_metadata(run / "last.safetensors")
    assert meta["epoch"] == 1 and meta["global_step"] == 3
    assert all(torch.isfinite(t).all() for t in weights(run / "last.safetensors").values())
    assert torch.load(run / "state.pt", weights_only=True)["epoch"] == 1


@pytest.mark.slow
def test_two_process_gloo_job(data: Path, tmp_path: Path) -> None:
    run = tmp_path / "ddp"
    launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    _, events, _ = train("--data", str(data), "--arch", "u2netp", "--init", "scratch", "--out", str(run),
                         "--epochs", "1", "--sync-bn", *TINY, launcher=launcher)
    kinds = [e["event"] for e in events]
    assert kinds.count("start") == 1 and kinds.count("done") == 1 and "notice" in kinds
    assert events[kinds.index("start")]["world"] == 2
    # 7 training images over 2 ranks, batch 2: each rank takes 4 images in 2 steps
    assert kinds.count("step") == 2
    meta = read_metadata(run / "last.safetensors")
    assert meta["source"] == "fine-tuned" and meta["epoch"] == 1
    assert not any(k.startswith("module.") for k in weights(run / "last.safetensors"))


@pytest.mark.slow
def test_isnet_intermediate_supervision(data: Path, tmp_path: Path) -> None:
    run = tmp_path / "isnet"
    _, events, _ = train("--data", str(data), "--arch", "isnet", "--init", "scratch", "--out", str(run),
                         "--epochs", "1", "--max-steps", "1", "--interm-sup", "--gt-epochs", "1",
                         "--size", "64", "--batch-size", "2", "--val-count", "1", "--device", "cpu", "--progress-json")
    phases = [e for e in events if e["event"] == "phase"]
    assert phases and phases[0]["phase"] == "gt-encoder" and 0.0 <= phases[0]["maxF"] <= 1.0
    steps = [e for e in events if e["event"] == "step"]
    assert len(steps) == 1 and steps[0]["parts"]["fs"] > 0
    assert (run / "gt_encoder.safetensors").is_file() and read_metadata(run / "last.safetensors")["arch"] == "isnet"


def test_bad_options_fail_clearly(data: Path, tmp_path: Path) -> None:
    from u2studio.training.cli import main

    assert main(["--data", str(tmp_path / "nothing"), "--arch", "u2netp", "--out", str(tmp_path / "r")]) == 2
    assert main(["--data", str(data), "--arch", "u2netp", "--init", "scratch", "--interm-sup",
                 "--out", str(tmp_path / "r")]) == 2
    assert main(["--data", str(data), "--arch", "u2netp", "--epochs", "0", "--out", str(tmp_path / "r")]) == 2
    assert main(["--data", str(data), "--arch", "isnet", "--init", "bundled", "--out", str(tmp_path / "r")]) == 2
    assert not (tmp_path / "r" / "last.safetensors").exists()


def test_train_is_a_subcommand() -> None:
    from u2studio.cli.main import build_parser

    args = build_parser().parse_args(["train", "--data", "d", "--arch", "isnet", "--out", "o", "--loss", "hybrid"])
    assert args.command == "train" and args.arch == "isnet" and args.init == "bundled" and args.best_metric == "relaxF"


def test_parsing_train_options_does_not_import_torch() -> None:
    code = ("import sys; from u2studio.cli.train import add_parser; import argparse; "
            "add_parser(argparse.ArgumentParser().add_subparsers()); print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env(), cwd=REPO, check=True)
    assert out.stdout.strip() == "False"


def test_print_defaults_reports_the_parsers_own_defaults_without_torch() -> None:
    """``u2studio train --print-defaults`` (what the studio's Fine-tune dialog reads) needs no other flag,
    imports no torch, and prints exactly what argparse gives a run with only the required flags."""
    import argparse

    from u2studio.training.cli import add_arguments

    code = ("import sys, runpy; sys.argv = ['u2studio', 'train', '--print-defaults']\n"
            "try:\n    runpy.run_module('u2studio', run_name='__main__')\n"
            "except SystemExit:\n    pass\nprint('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env(), cwd=REPO, check=True)
    *lines, torch_loaded = out.stdout.strip().splitlines()
    assert torch_loaded == "False"
    printed = json.loads(lines[-1])
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    expected = vars(parser.parse_args(["--data", "d", "--arch", "u2netp", "--out", "o"]))
    for dest in ("data", "arch", "out", "print_defaults"):
        expected.pop(dest)
    assert printed["defaults"] == expected
    assert printed["choices"]["device"] == ["auto", "cpu", "cuda", "mps"]


@pytest.mark.slow
def test_sharded_validation_equals_one_process(data: Path) -> None:
    """Under torchrun every rank scores its own slice of the validation images, and the combined
    metrics equal, exactly, those of one process scoring every image with the same weights."""
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           str(REPO / "tests" / "ddp_eval_driver.py"), str(data)]
    result = subprocess.run(cmd, capture_output=True, text=True, env=env(), cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = {line["rank"]: line for line in map(json.loads, (l for l in result.stdout.splitlines() if l.startswith("{")))}
    assert sorted(lines) == [0, 1]
    main = lines[0]
    assert main["total"] == 5
    assert [lines[r]["scored"] for r in (0, 1)] == [2, 3]  # both ranks validate; nobody waits for rank 0
    assert main["sharded"] == main["single"]  # bit-for-bit: per-image results appended in order
    assert lines[1]["sharded"] == main["single"]  # every rank gets the same numbers
    # the guard's held-out evaluation (metrics, IoU per image, thumbnails) shards the same way
    assert main["heldout"] == main["single_heldout"] == lines[1]["heldout"]
    assert len(main["heldout"]["ious"]) == 5


@pytest.mark.slow
def test_two_process_fine_tune_runs_the_guard_on_every_rank(data: Path, tmp_path: Path) -> None:
    """A fine-tune under torchrun: both ranks score the held-out pairs before and after, rank 0 writes best.json."""
    run = tmp_path / "ddp-ft"
    launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    tiny = [a for a in TINY if a not in ("--val-count", "1", "--no-refit")]
    _, events, _ = train("--data", str(data), "--arch", "u2netp", "--init", "bundled", "--out", str(run),
                         "--steps", "2", *tiny, launcher=launcher)
    kinds = [e["event"] for e in events]
    assert kinds.count("guard") == 1 and kinds[-1] == "done"
    report = json.loads((run / "best.json").read_text())
    # eight pairs: cross-validated over 2 folds of 4, so every pair is judged (and sharded over the ranks)
    assert report["n_val"] == 8 and len(report["per_image"]) == 8 and len(report["heldout"]) == 8
    assert report["protocol"]["folds"] == 2 and (run / "best.safetensors").is_file()
