"""Time u2studio's MetricSuite against PySODMetrics on the same pairs in one process.

    python bench/bench_metrics.py [--size 1024] [--repeat 5] [--data DIR]

Both libraries score the same pairs in one process, interleaved pair by pair;
the reported numbers are medians over rounds (the machine may be shared).

With --data DIR (images/ and masks/), each mask is used as reference and a
blurred, shifted copy as prediction, both resized to --size.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import cv2
import numpy as np


def synthetic(size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A blob reference and a shifted, blurred, noisy prediction."""
    rng = np.random.default_rng(seed)
    gt = np.zeros((size, size), np.uint8)
    cv2.ellipse(gt, (size // 2, size // 2), (size // 4, size // 3), 20, 0, 360, 255, -1)
    cv2.circle(gt, (size // 5, size // 5), size // 12, 255, -1)
    pred = cv2.GaussianBlur(np.roll(gt, 4, axis=1).astype(np.float32), (0, 0), 6)
    return np.clip(pred + rng.normal(0, 12, gt.shape), 0, 255).astype(np.uint8), gt


def from_folder(folder: Path, size: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Pairs from DIR/masks: the mask and a degraded copy, resized to size×size."""
    pairs = []
    for path in sorted((folder / "masks").iterdir()):
        gt = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if gt is None:
            continue
        gt = cv2.resize(gt, (size, size), interpolation=cv2.INTER_NEAREST)
        pred = cv2.GaussianBlur(np.roll(gt, 3, axis=0), (0, 0), 4)
        pairs.append((pred, gt))
    return pairs


def _pysod_metrics() -> list:
    import py_sod_metrics as M

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [M.Fmeasure(), M.MAE(), M.WeightedFmeasure(), M.Smeasure(), M.Emeasure(),
                M.HumanCorrectionEffortMeasure(),
                M.FmeasureV2({"iou": M.IOUHandler(with_dynamic=False, with_adaptive=False, with_binary=True)})]


def time_rounds(pairs: list[tuple[np.ndarray, np.ndarray]], repeat: int) -> tuple[list[float], list[float]]:
    """Per round, seconds per pair for our suite and for PySODMetrics, interleaved pair by pair.

    Interleaving keeps both under the same load on a shared machine; the
    caller compares medians over rounds.
    """
    from u2studio.core.metrics import MetricSuite

    ours, ref = [], []
    for _ in range(repeat):
        suite, ms = MetricSuite(), _pysod_metrics()
        t_ours = t_ref = 0.0
        for pred, gt in pairs:
            start = time.perf_counter()
            suite.step(pred, gt)
            t_ours += time.perf_counter() - start
            start = time.perf_counter()
            for m in ms:
                m.step(pred, gt)
            t_ref += time.perf_counter() - start
        suite.results()
        ours.append(t_ours / len(pairs))
        ref.append(t_ref / len(pairs))
    return ours, ref


def time_relaxed(pairs: list[tuple[np.ndarray, np.ndarray]], repeat: int) -> float:
    """Median seconds of one RelaxedBoundaryF.step (input check included)."""
    from u2studio.core.metrics import RelaxedBoundaryF

    m = RelaxedBoundaryF(3)
    times = []
    for _ in range(repeat):
        for pred, gt in pairs:
            start = time.perf_counter()
            m.step(pred, gt)
            times.append(time.perf_counter() - start)
    return float(np.median(times))


def main() -> None:
    """Print median ms/pair for both, the median of per-round throughput ratios, and relaxed F alone."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--data", type=Path)
    args = ap.parse_args()
    pairs = from_folder(args.data, args.size) if args.data else [synthetic(args.size, s) for s in range(2)]
    time_rounds(pairs[:1], 1)  # warm-up
    ours, ref = time_rounds(pairs, args.repeat)
    ratios = [r / o for o, r in zip(ours, ref)]
    relaxed = time_relaxed(pairs, args.repeat * 3)
    print(f"{len(pairs)} pairs at {args.size}x{args.size}, {args.repeat} rounds (medians)")
    print(f"u2studio MetricSuite (all metrics + relaxF): {np.median(ours) * 1000:.1f} ms/pair")
    print(f"PySODMetrics (Fm, MAE, wF, Sm, Em, HCE, IoU): {np.median(ref) * 1000:.1f} ms/pair")
    print(f"throughput ratio: {np.median(ratios):.2f}x (rounds: {', '.join(f'{r:.2f}' for r in ratios)})")
    print(f"relaxed boundary F alone: {relaxed * 1000:.2f} ms/pair")


if __name__ == "__main__":
    main()
