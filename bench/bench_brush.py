"""Benchmark the editing engine on a 24-megapixel mask.

1. One brush dab plus the incremental overlay update (boundary + relaxed zone) in its
   dirty box, on a 6000×4000 mask; the goal is ≤ 16 ms (one frame at 60 Hz).
2. Memory of 200 strokes' undo records (and the process's resident memory) on that mask;
   the goal is < 300 MB.

Run: PYTHONPATH=$PWD python bench/bench_brush.py [--width 6000 --height 4000 --strokes 200]
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from u2studio.core.editing import BrushParams, History, MaskEditor, RelaxedOverlay
from u2studio.core.editing.autosave import Autosaver, find_recoverable, recover
from u2studio.core.imageio import load_mask
from u2studio.core.synthetic import scene


def rss_mb() -> float:
    """Resident memory of this process in MB (Linux), or NaN elsewhere."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return float("nan")
    return pages * 4096 / 1e6


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def make_masks(width: int, height: int, mask_path: Path | None) -> tuple[np.ndarray, np.ndarray]:
    """(soft mask to edit, hard reference): a generated scene, or a given mask file, upscaled."""
    if mask_path is not None:
        small = load_mask(mask_path)
    else:
        _, small = scene(width // 4, height // 4)
    soft = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
    reference = cv2.resize(small, (width, height), interpolation=cv2.INTER_NEAREST)
    return soft, reference


def edge_points(mask: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Points on the mask's contour, where the overlay has the most to redraw."""
    contours, _ = cv2.findContours((mask >= 128).astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    pts = np.concatenate([c.reshape(-1, 2) for c in contours]).astype(np.float64)
    return pts[rng.integers(0, len(pts), count)] + 0.5


def bench_dab(soft: np.ndarray, reference: np.ndarray, radius: float, dabs: int, rho: int) -> dict[str, float]:
    """Time add_point (one dab each) plus RelaxedOverlay.update on its dirty box."""
    editor = MaskEditor(soft, history=History())
    t0 = time.perf_counter()
    overlay = RelaxedOverlay(editor.mask, reference, rho)
    full_overlay_ms = (time.perf_counter() - t0) * 1e3
    rng = np.random.default_rng(0)
    times, dab_only = [], []
    for x, y in edge_points(soft, dabs, rng):
        editor.begin_stroke(BrushParams(radius=radius, hardness=0.7, opacity=0.8, mode="erase"))
        t0 = time.perf_counter()
        rect = editor.add_point(x, y, 1.0)
        t1 = time.perf_counter()
        if rect is not None:
            overlay.update(editor.mask, rect)
        t2 = time.perf_counter()
        editor.end_stroke()
        times.append((t2 - t0) * 1e3)
        dab_only.append((t1 - t0) * 1e3)
    arr = np.array(times)
    return {
        "full_overlay_ms": full_overlay_ms,
        "dab_ms_median": float(np.median(dab_only)),
        "dab_overlay_ms_median": float(np.median(arr)),
        "dab_overlay_ms_p95": float(np.percentile(arr, 95)),
        "dab_overlay_ms_max": float(arr.max()),
    }


def bench_memory(soft: np.ndarray, strokes: int) -> dict[str, float]:
    """Paint ``strokes`` random strokes (radius 10–80 px, up to ~2000 px long) and measure memory."""
    gc.collect()
    before = rss_mb()
    editor = MaskEditor(soft, history=History(max_bytes=10**12, max_records=10**6))
    height, width = soft.shape
    rng = np.random.default_rng(1)
    t0 = time.perf_counter()
    attempts = 0
    while len(editor.history) < strokes:  # strokes that change nothing leave no record; paint on
        attempts += 1
        i = attempts
        radius = float(rng.uniform(10, 80))
        editor.begin_stroke(BrushParams(radius=radius, hardness=float(rng.uniform(0.3, 1)),
                                        opacity=float(rng.uniform(0.5, 1)), mode="add" if i % 2 else "erase"))
        start = rng.uniform([0, 0], [width, height])
        heading = rng.uniform(0, 2 * np.pi)
        step = rng.uniform(20, 120)
        for _ in range(int(rng.integers(5, 20))):
            heading += rng.normal(0, 0.4)
            start = start + step * np.array([np.cos(heading), np.sin(heading)])
            editor.add_point(float(start[0]), float(start[1]), float(rng.uniform(0.5, 1)))
        editor.end_stroke()
    elapsed = time.perf_counter() - t0
    gc.collect()
    records = editor.history.nbytes
    return {
        "strokes": float(len(editor.history)),
        "history_mb": records / 1e6,
        "rss_growth_mb": rss_mb() - before,
        "peak_rss_growth_mb": peak_rss_mb() - before,
        "ms_per_stroke": elapsed / attempts * 1e3,
    }


def bench_autosave(soft: np.ndarray) -> dict[str, float]:
    """Time the editor snapshot (the only part on the GUI thread), one autosave write, and recovery."""
    with tempfile.TemporaryDirectory() as folder:
        os.environ["U2STUDIO_DATA_DIR"] = folder
        editor = MaskEditor(soft)
        editor.invert()
        saver = Autosaver(Path(folder) / "image.png", (soft.shape[1], soft.shape[0]), editor.snapshot, interval=60)
        t0 = time.perf_counter()
        editor.snapshot()
        t1 = time.perf_counter()
        saver.flush()
        t2 = time.perf_counter()
        recovered = recover(find_recoverable()[0])
        t3 = time.perf_counter()
        saver.close()
        if not np.array_equal(recovered, editor.mask):
            raise AssertionError("the recovered mask differs from the editor's")
    return {"snapshot_ms": (t1 - t0) * 1e3, "flush_ms": (t2 - t1) * 1e3, "recover_ms": (t3 - t2) * 1e3}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--width", type=int, default=6000)
    parser.add_argument("--height", type=int, default=4000)
    parser.add_argument("--radius", type=float, default=40.0, help="brush radius for the dab benchmark")
    parser.add_argument("--dabs", type=int, default=300)
    parser.add_argument("--rho", type=int, default=3)
    parser.add_argument("--strokes", type=int, default=200)
    parser.add_argument("--mask", type=Path, default=None, help="a mask file to upscale instead of a generated scene")
    args = parser.parse_args()
    soft, reference = make_masks(args.width, args.height, args.mask)
    print(f"mask {args.width}x{args.height} ({args.width * args.height / 1e6:.0f} MP)")
    mem = bench_memory(soft, args.strokes)
    print(
        f"{mem['strokes']:.0f} strokes: undo history {mem['history_mb']:.1f} MB; process RSS growth "
        f"{mem['rss_growth_mb']:.1f} MB after, {mem['peak_rss_growth_mb']:.1f} MB at peak (goal < 300 MB); "
        f"{mem['ms_per_stroke']:.0f} ms per stroke"
    )
    dab = bench_dab(soft, reference, args.radius, args.dabs, args.rho)
    print(f"full overlay (once, on load): {dab['full_overlay_ms']:.0f} ms")
    print(f"one dab, radius {args.radius:g}: median {dab['dab_ms_median']:.2f} ms")
    print(
        f"dab + overlay update: median {dab['dab_overlay_ms_median']:.2f} ms, p95 {dab['dab_overlay_ms_p95']:.2f} ms, "
        f"max {dab['dab_overlay_ms_max']:.2f} ms (goal ≤ 16 ms)"
    )
    auto = bench_autosave(soft)
    print(
        f"autosave: snapshot {auto['snapshot_ms']:.1f} ms (GUI thread), PNG+JSON write {auto['flush_ms']:.0f} ms "
        f"(background), recovery {auto['recover_ms']:.0f} ms, pixel-identical"
    )


if __name__ == "__main__":
    main()
