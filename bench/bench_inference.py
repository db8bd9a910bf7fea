"""U²-Net† inference at 320×320 on the CPU: u2studio's forward against onnxruntime on the same weights.

    python bench/bench_inference.py [--runs 30] [--threads N]

Prints milliseconds per forward for each and the ratio ours / onnxruntime (goal ≤ 1.0).
Both run in this process, on the same input, with the same thread count.
"""

from __future__ import annotations

import argparse
import statistics
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--threads", type=int, default=0, help="threads for both (default: the Predictor's choice)")
    args = parser.parse_args()

    import onnxruntime as ort
    import torch

    from u2studio.core.synthetic import scene
    from u2studio.inference.predictor import Predictor, preprocess
    from u2studio.models.bundled import bundled_onnx

    predictor = Predictor("u2netp", device="cpu")
    threads = args.threads or predictor.threads
    torch.set_num_threads(threads)
    x = preprocess(scene(640, 480)[0], predictor.config)[None]

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(bundled_onnx()), options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name

    eager = Predictor("u2netp", device="cpu", backend="torch")
    ours = timed(lambda: predictor.forward(x), args.runs)
    theirs = timed(lambda: session.run(None, {name: x}), args.runs)
    ours_torch = timed(lambda: eager.forward(x), max(5, args.runs // 3))
    image = scene(640, 480)[0]
    end_to_end = timed(lambda: predictor.predict(image), max(5, args.runs // 3))
    print(f"threads: {threads}  torch {torch.__version__}  onnxruntime {ort.__version__}")
    print(f"u2studio forward : {ours:8.1f} ms   (backend: {predictor.backend})")
    print(f"u2studio torch   : {ours_torch:8.1f} ms   (eager torch, BN folded; ratio {ours_torch / theirs:.2f})")
    print(f"onnxruntime      : {theirs:8.1f} ms")
    print(f"ratio ours/ort   : {ours / theirs:8.2f}   (goal <= 1.0)")
    print(f"predict() 640x480 end to end (pre + forward + post): {end_to_end:.1f} ms")


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
