"""Training throughput (images/s) of ``u2studio train`` on this machine.

Runs a short real training in a subprocess (the same command a user runs) and
times the optimiser steps from its JSON events, skipping the first steps
(warm-up). Without ``--data`` it trains on generated scenes.

    python bench/bench_training.py --arch u2netp --batch-size 4 --steps 8 [--data FOLDER] [--threads N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def make_scenes(folder: Path, count: int, size: int) -> Path:
    """Generated image/mask pairs for a data-independent measurement."""
    sys.path.insert(0, str(REPO))
    from u2studio.core.imageio import save_png
    from u2studio.core.synthetic import scene

    for index in range(count):
        image, mask = scene(size, size, seed=index)
        save_png(folder / "im" / f"s{index}.png", image)
        save_png(folder / "gt" / f"s{index}.png", mask)
    return folder


def main() -> int:
    """Measure and print steady-state training images/s."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", help="dataset folder (default: generated scenes)")
    p.add_argument("--arch", default="u2netp", choices=["u2net", "u2netp", "isnet"])
    p.add_argument("--init", default="bundled")
    p.add_argument("--loss", default="hybrid", choices=["bce", "hybrid"])
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--warmup", type=int, default=2, help="steps left out of the timing")
    p.add_argument("--size", type=int, default=None)
    p.add_argument("--crop", type=int, default=None)
    p.add_argument("--threads", type=int, default=None, help="OMP_NUM_THREADS for the run")
    p.add_argument("--device", default="cpu")
    args = p.parse_args()
    env = dict(os.environ, PYTHONPATH=str(REPO))
    if args.threads:
        env["OMP_NUM_THREADS"] = str(args.threads)
    with tempfile.TemporaryDirectory(prefix="u2bench-") as tmp:
        data = args.data or str(make_scenes(Path(tmp) / "scenes", args.batch_size * (args.steps + 2), 400))
        cmd = [sys.executable, "-m", "u2studio", "train", "--data", data, "--arch", args.arch, "--init", args.init,
               "--out", str(Path(tmp) / "run"), "--epochs", "1000", "--max-steps", str(args.steps),
               "--batch-size", str(args.batch_size), "--loss", args.loss, "--device", args.device,
               "--progress-json", "--val-every", "1000"]
        if args.size:
            cmd += ["--size", str(args.size)]
        if args.crop:
            cmd += ["--crop", str(args.crop)]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env, cwd=REPO)
        assert proc.stdout is not None
        stamps: list[tuple[float, int, int]] = []
        start: dict[str, object] = {}
        for line in proc.stdout:
            event = json.loads(line)
            if event["event"] == "start":
                start = event
            elif event["event"] == "step":
                stamps.append((time.perf_counter(), int(event["step"]), int(event["epoch"])))
            elif event["event"] == "error":
                print(f"error: {event['message']}", file=sys.stderr)
        if proc.wait() != 0:
            return 1
    # steps within one epoch are timed back to back; gaps across epochs (validation, saving) are left out
    gaps = [b[0] - a[0] for a, b in zip(stamps, stamps[1:]) if a[2] == b[2] and a[1] >= args.warmup]
    if not gaps:
        print("not enough steps to time; raise --steps", file=sys.stderr)
        return 1
    per_step = statistics.median(gaps)
    print(json.dumps({
        "arch": args.arch, "loss": args.loss, "batch_size": args.batch_size, "crop": start.get("crop"),
        "device": start.get("device"), "threads": args.threads or "default", "timed_steps": len(gaps),
        "s_per_step": round(per_step, 3), "images_per_s": round(args.batch_size / per_step, 2),
        "load_average": os.getloadavg(),
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
