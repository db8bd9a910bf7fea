"""Steady-state images/s of the U²-Net† export on onnxruntime, scheduled three ways, interleaved.

    flock /work/notes/cpu.lock python bench/bench_ort_lanes.py IMAGES [--count 16] [--rounds 3]

- ``intra``: one session with every CPU as intra-op threads, one image at a time (rembg's way);
- ``shared``: one session, one single-threaded call per CPU in flight at once (one session shared);
- ``lanes``: :class:`~u2studio.inference.onnx_cache.OrtEngine` with ``parallel`` = CPUs (a session per call).

IMAGES is a folder of photos (cycled to ``--count`` inputs, preprocessed once, so only inference is timed).
Prints each round and the median images/s of each way.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from u2studio.core.hashing import sha256_file
from u2studio.core.imageio import is_image_path, load_image
from u2studio.inference.engine import locate
from u2studio.inference.hardware import cpu_threads
from u2studio.inference.onnx_cache import CachedGraph, OrtEngine, lookup
from u2studio.inference.preprocessing import preprocess


def throughput(forward: Callable[[np.ndarray], object], inputs: list[np.ndarray], lanes: int) -> float:
    """Images/s of ``forward`` over ``inputs`` with ``lanes`` threads pulling from one list (one warm call first)."""
    forward(inputs[0][None])
    todo = list(reversed(inputs))
    lock = threading.Lock()

    def lane() -> None:
        while True:
            with lock:
                if not todo:
                    return
                x = todo.pop()
            forward(x[None])

    began = time.perf_counter()
    threads = [threading.Thread(target=lane) for _ in range(lanes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(inputs) / (time.perf_counter() - began)


def shared_session(cached: CachedGraph) -> Callable[[np.ndarray], object]:
    """One session with one intra-op thread for every concurrent call (the engine before a session per lane)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads, options.log_severity_level = 1, 1, 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = ort.InferenceSession(cached.graph, options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return lambda x: session.run(None, {name: x})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("images", type=Path)
    parser.add_argument("--count", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    located = locate("u2netp")
    cached = lookup(sha256_file(located.path)) if located else None
    if cached is None:
        raise SystemExit("no cached export of u2netp: run `u2studio segment` once first")
    photos = sorted(p for p in args.images.iterdir() if is_image_path(p))
    inputs = [preprocess(load_image(photos[i % len(photos)]).rgb, cached.config) for i in range(args.count)]
    cpus = cpu_threads(keep_ui_core=False)
    ways: dict[str, tuple[Callable[[np.ndarray], object], int]] = {
        "intra": (OrtEngine(cached, cpus, 1).forward_main, 1),
        "shared": (shared_session(cached), cpus),
        "lanes": (OrtEngine(cached, cpus, cpus).forward_main, cpus),
    }
    results: dict[str, list[float]] = {name: [] for name in ways}
    for r in range(args.rounds):
        for name, (forward, lanes) in ways.items():
            results[name].append(throughput(forward, inputs, lanes))
        print(f"round {r + 1}: " + ", ".join(f"{n} {v[-1]:.2f}" for n, v in results.items()) + " images/s", flush=True)
    print(f"{args.count} inputs, {cpus} CPUs; median images/s: "
          + ", ".join(f"{n} {statistics.median(v):.2f}" for n, v in results.items()))


if __name__ == "__main__":
    main()
