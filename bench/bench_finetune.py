"""Does fine-tuning pay? Before/after metrics on images the fine-tune never saw.

Runs ``u2studio train --data D --arch u2netp --init bundled --out RUN --seed S`` (the defaults users
get, as a subprocess) per fold and seed, then scores ``RUN/best.safetensors`` (what the studio
installs) against the bundled U²-Net† on the other half of the photos:

* ``same``: the dev photos; train on one half, test on the other;
* ``lowlight`` (tuned on while choosing the recipe), ``thermal`` and ``underwater`` (not tuned on):
  simulated sensors (bench/finetune_domains.py); train on one half of the domain, test on the other half of
  it and on the original photos of that half (forgetting).

    python bench/bench_finetune.py --data ../shared/data/sod-dev [--seeds 0,1,2] [--scenarios same,lowlight,thermal,underwater]
        [--lock /work/notes/cpu.lock] [--extra "--lr 3e-5"] [--work DIR] [--anchors]

``--anchors`` runs the studio's path: every fine-tune also gets ``--unlabeled`` with the whole domain's
renderings, as when a session opened all twelve photos and corrected one half. The trainer skips the
byte-equal copies of its labelled pairs, so the unseen half become its unlabelled anchors (their masks
are never read).

Pixels go to a temporary folder (``--work``), never into the repository. Each training run and
each evaluation holds ``--lock`` (flock) so timing benchmarks never overlap it.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from finetune_domains import render  # noqa: E402

METRICS = ("maxF", "MAE", "relaxF", "Sm")


@contextlib.contextmanager
def locked(path: str | None) -> Iterator[None]:
    """Hold an exclusive flock on ``path`` (nothing when None)."""
    if not path:
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_domain(data: Path, domain: str, work: Path) -> Path:
    """``work/domain/{images,masks}``: every dev photo rendered by ``domain``'s sensor, masks unchanged."""
    from u2studio.core.imageio import load_image, save_png

    out = work / domain
    if (out / "done").is_file():
        return out
    masks = {p.stem: p for p in (data / "masks").iterdir() if p.is_file()}
    for image in sorted((data / "images").iterdir()):
        if image.stem not in masks:
            continue
        save_png(out / "images" / f"{image.stem}.png", render(domain, load_image(image).rgb, image.stem))
        (out / "masks").mkdir(parents=True, exist_ok=True)
        link = out / "masks" / masks[image.stem].name
        if not link.exists():
            link.symlink_to(masks[image.stem].resolve())
    (out / "done").write_text("ok")
    return out


def halves(stems: list[str]) -> tuple[list[str], list[str]]:
    """A fixed split of the stems into two halves (by SHA-1 of the stem)."""
    order = sorted(stems, key=lambda s: hashlib.sha1(s.encode()).hexdigest())
    return order[: len(order) // 2], order[len(order) // 2 :]


def subset(domain_dir: Path, stems: list[str], dest: Path) -> Path:
    """A dataset folder of symlinks to ``stems`` of a domain."""
    for kind in ("images", "masks"):
        (dest / kind).mkdir(parents=True, exist_ok=True)
        for path in (domain_dir / kind).iterdir():
            if path.stem in stems and not (dest / kind / path.name).exists():
                (dest / kind / path.name).symlink_to(path.resolve())
    return dest


def evaluate(model: str, domain_dir: Path, stems: list[str]) -> dict[str, float]:
    """maxF, MAE, relaxF, Sm of ``model`` (a checkpoint or a registry name) on ``stems`` of a domain."""
    from u2studio.core.imageio import load_image, load_mask
    from u2studio.inference.predictor import Predictor
    from u2studio.training.validate import compute_metrics

    predictor = Predictor(model=model, device="cpu")
    pairs = []
    for stem in sorted(stems):
        image = load_image(domain_dir / "images" / f"{stem}.png").rgb
        mask = next(p for p in (domain_dir / "masks").iterdir() if p.stem == stem)
        pairs.append((predictor.predict(image), load_mask(mask)))
    return compute_metrics(iter(pairs))


def train(dataset: Path, out: Path, seed: int, extra: list[str], threads: int) -> tuple[float, dict[str, Any]]:
    """One default fine-tune (as users run it); returns (wall seconds, best.json)."""
    cmd = [sys.executable, "-m", "u2studio", "train", "--data", str(dataset), "--arch", "u2netp", "--init", "bundled",
           "--out", str(out), "--seed", str(seed), "--progress-json", *extra]
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "PYTHONPATH": str(REPO)}
    start = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"training failed ({result.returncode}): {shlex.join(cmd)}\n{result.stderr[-2000:]}")
    return wall, json.loads((out / "best.json").read_text())


def mean_sd(values: list[float]) -> str:
    """``mean ± sd`` with three decimals (sd 0 for a single value)."""
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.3f} ± {sd:.3f}"


def table(rows: list[dict[str, Any]]) -> str:
    """The Markdown result table: one row per (scenario, test set)."""
    lines = ["| scenario | test images | " + " | ".join(f"{m} before → after" for m in METRICS) + " | accepted |",
             "|---|---|" + "---|" * (len(METRICS) + 1)]
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["scenario"], row["test"]), []).append(row)
    for (scenario, test), items in groups.items():
        cells = []
        for m in METRICS:
            before, after = [r["before"][m] for r in items], [r["after"][m] for r in items]
            delta = statistics.mean(after) - statistics.mean(before)
            cells.append(f"{mean_sd(before)} → {mean_sd(after)} ({delta:+.3f})")
        accepted = sum(r["accepted"] for r in items)
        lines.append(f"| {scenario} | {test} | " + " | ".join(cells) + f" | {accepted}/{len(items)} |")
    return "\n".join(lines)


def main() -> int:
    """Run every scenario × fold × seed and print the table."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, type=Path, help="images/ + masks/ folder (e.g. ../shared/data/sod-dev)")
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--folds", default="0,1")
    p.add_argument("--scenarios", default="same,lowlight,thermal,underwater")
    p.add_argument("--extra", default="", help="extra `u2studio train` flags (recipe experiments; empty = the defaults)")
    p.add_argument("--anchors", action="store_true",
                   help="the studio's path: pass the domain's renderings as --unlabeled (the unseen half become anchors)")
    p.add_argument("--lock", default=None, help="flock file held around each run and evaluation")
    p.add_argument("--threads", type=int, default=1, help="OMP threads of each run (1 is fastest on a busy machine)")
    p.add_argument("--work", type=Path, default=None, help="scratch folder (default: a new temporary one)")
    p.add_argument("--table", type=Path, default=None, help="only print the table of an earlier results.json")
    p.add_argument("--weights", choices=("best", "last"), default="best",
                   help="score RUN/best.safetensors (what the studio installs, after the guard) or RUN/last (the recipe alone)")
    args = p.parse_args()
    if not (args.data / "images").is_dir() or not (args.data / "masks").is_dir():
        raise SystemExit(f"{args.data}: expected images/ and masks/")
    if args.table:
        print(table(json.loads(args.table.read_text())))
        return 0
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-finetune-"))
    extra = shlex.split(args.extra)
    stems = sorted(p.stem for p in (args.data / "masks").iterdir() if p.is_file())
    parts = halves(stems)
    rows: list[dict[str, Any]] = []
    baselines: dict[tuple[str, int], dict[str, float]] = {}
    original = build_domain(args.data, "original", work)
    # seeds outermost, so a run cut short still has every scenario and fold of the first seeds
    for seed in (int(s) for s in args.seeds.split(",")):
        for scenario in args.scenarios.split(","):
            domain = build_domain(args.data, "original" if scenario == "same" else scenario, work)
            for fold in (int(f) for f in args.folds.split(",")):
                train_stems, test_stems = parts[fold], parts[1 - fold]
                dataset = subset(domain, train_stems, work / "sets" / f"{scenario}-{fold}")
                tests = [(scenario, domain)] + ([("original (forgetting)", original)] if scenario != "same" else [])
                out = work / "runs" / f"{scenario}-{fold}-{seed}"
                with locked(args.lock):  # one acquisition per run: training and its evaluations
                    anchors = ["--unlabeled", str(domain / "images")] if args.anchors else []
                    wall, verdict = train(dataset, out, seed, extra + anchors, args.threads)
                    for label, test_dir in tests:
                        key = (test_dir.name, fold)
                        if key not in baselines:
                            baselines[key] = evaluate("u2netp", test_dir, test_stems)
                        after = evaluate(str(out / f"{args.weights}.safetensors"), test_dir, test_stems)
                        rows.append({"scenario": scenario, "test": label, "fold": fold, "seed": seed, "wall_s": wall,
                                     "accepted": bool(verdict["accepted"]), "decision": verdict["decision"],
                                     "before": baselines[key], "after": after})
                print(f"{scenario} fold {fold} seed {seed}: {wall:.0f} s, {verdict['decision']}", flush=True)
                (work / "results.json").write_text(json.dumps(rows, indent=1))
    print()
    print(f"u2studio train defaults{' + ' + args.extra if args.extra else ''}"
          f"{' + --unlabeled (the domain; the studio path)' if args.anchors else ''}; "
          f"{len(stems)} photos, 2 folds of {len(parts[0])}/{len(parts[1])}; mean ± sd over folds × seeds")
    print(table(rows))
    walls = [r["wall_s"] for r in rows]
    print(f"\ntraining wall time per run: median {statistics.median(walls):.0f} s, max {max(walls):.0f} s; results: {work / 'results.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
