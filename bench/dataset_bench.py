"""Time ``Dataset.add`` as a dataset grows (the manifest is rewritten whole on every change).

Usage: python bench/dataset_bench.py [--records 2000] [--size 320x240] [--out FOLDER]
Prints milliseconds per add at several dataset sizes, and the times of stats() and check().
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from u2studio.core.dataset import Dataset


def main() -> None:
    """Run the benchmark and print one line per measurement."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--size", default="320x240")
    parser.add_argument("--out", type=Path, help="dataset folder (default: a temporary one)")
    args = parser.parse_args()
    width, height = map(int, args.size.split("x"))
    folder = args.out or Path(tempfile.mkdtemp()) / "bench-ds"
    ds = Dataset.create(folder)
    rng = np.random.default_rng(0)
    mask = np.zeros((height, width), np.uint8)
    mask[height // 4 : 3 * height // 4, width // 4 : 3 * width // 4] = 255
    pred = np.roll(mask, 5, axis=1)
    base = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    marks = {1, 100, 500, 1000, 2000, 5000, args.records}
    started = time.perf_counter()
    for i in range(1, args.records + 1):
        rgb = base.copy()
        rgb.reshape(-1)[:8] = np.frombuffer(i.to_bytes(8, "little"), np.uint8)  # distinct content
        t0 = time.perf_counter()
        ds.add(rgb, mask, source=f"/bench/{i}/frame.png", prediction=pred, strokes=3, seconds=10.0)
        if i in marks:
            print(f"add #{i:>5}: {1000 * (time.perf_counter() - t0):7.1f} ms")
    print(f"{args.records} adds of {width}x{height}: {time.perf_counter() - started:.1f} s in all")
    for name, call in (("stats()", ds.stats), ("check()", ds.check), ("open()", lambda: Dataset.open(folder))):
        t0 = time.perf_counter()
        call()
        print(f"{name:8s} over {args.records} records: {1000 * (time.perf_counter() - t0):7.1f} ms")


if __name__ == "__main__":
    main()
