"""U²-Net† inference at 320×320 on the CPU: u2studio's engines against onnxruntime on the original ONNX.

    python bench/bench_inference.py [--runs 20] [--threads N]

Prints milliseconds per image for: u2studio's export on onnxruntime with every thread on one image (latency),
the same export run as one single-threaded lane per core (throughput, what `u2studio segment` does for a
folder), eager torch, and onnxruntime on the original ONNX release with its default session (what rembg does).
The ratio ours / original is the goal ≤ 1.0. Everything runs in this process on the same input.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Callable

import numpy as np


def timed(fn: Callable[[], object], runs: int) -> float:
    """Median milliseconds of ``fn`` after two warm-up calls."""
    fn()
    fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def lanes_ms(forward: Callable[[], object], lanes: int, runs: int) -> float:
    """Wall milliseconds per image with ``lanes`` threads each calling ``forward`` ``runs`` times."""
    forward()
    threads = [threading.Thread(target=lambda: [forward() for _ in range(runs)]) for _ in range(lanes)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return (time.perf_counter() - start) * 1000 / (lanes * runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--threads", type=int, default=0, help="threads (default: every CPU, as segment uses)")
    args = parser.parse_args()

    import onnxruntime as ort
    import torch

    from u2studio.core.hashing import sha256_file
    from u2studio.core.synthetic import scene
    from u2studio.inference.hardware import cpu_threads
    from u2studio.inference.onnx_cache import OrtEngine, lookup
    from u2studio.inference.predictor import Predictor, preprocess
    from u2studio.models.bundled import bundled_onnx

    threads = args.threads or cpu_threads(keep_ui_core=False)
    eager = Predictor("u2netp", device="cpu", backend="torch", keep_ui_core=False)
    Predictor("u2netp", device="cpu", keep_ui_core=False)  # makes sure the export is cached
    cached = lookup(sha256_file(eager.path), 320)
    assert cached is not None
    x = preprocess(scene(640, 480)[0], eager.config)[None]
    latency = OrtEngine(cached, threads, parallel=1)
    lanes = OrtEngine(cached, threads, parallel=threads)
    session = ort.InferenceSession(str(bundled_onnx()), providers=["CPUExecutionProvider"])  # rembg's defaults
    name = session.get_inputs()[0].name
    torch.set_num_threads(threads)

    theirs = timed(lambda: session.run(None, {name: x}), args.runs)
    ours = timed(lambda: latency.forward_main(x), args.runs)
    ours_lanes = lanes_ms(lambda: lanes.forward_main(x), lanes.parallel, max(2, args.runs // lanes.parallel))
    ours_torch = timed(lambda: eager.forward(x), max(5, args.runs // 3))
    print(f"threads: {threads}  torch {torch.__version__}  onnxruntime {ort.__version__}")
    print(f"original ONNX, default session : {theirs:8.1f} ms/image")
    print(f"u2studio, all threads, 1 image : {ours:8.1f} ms/image   ratio {ours / theirs:.2f}")
    print(f"u2studio, {lanes.parallel} lanes x 1 thread    : {ours_lanes:8.1f} ms/image   ratio {ours_lanes / theirs:.2f}"
          "   (goal <= 1.0)")
    print(f"eager torch (BN folded)        : {ours_torch:8.1f} ms/image   ratio {ours_torch / theirs:.2f}")


if __name__ == "__main__":
    main()
