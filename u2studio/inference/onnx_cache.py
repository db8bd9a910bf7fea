"""The ONNX export cache, owned by u2studio, and the onnxruntime engine that runs it (no torch here).

An export of a model lives in the user's cache folder, named by the SHA-256 of the weights it was made from,
the input size and :data:`EXPORT_VERSION` (bumped whenever the model code or the exporter call changes what
a graph holds). Beside each graph is a stamp with the same key, the model's preprocessing config and the
graph's own SHA-256; a graph is used only when its stamp matches the key and its bytes match its hash, and
the bytes that were hashed are the bytes onnxruntime loads. Nothing next to a user's checkpoint is read:
a graph planted beside one is never run (issue 16, item 9). The one exception is the frozen app's bundle,
whose export of the bundled weights the build wrote (the app has no exporter); it carries the same stamp.
"""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from u2studio.core.atomic import atomic_write_bytes, atomic_write_text
from u2studio.core.hashing import sha256_bytes
from u2studio.core.paths import APP_NAME, resources_dir
from u2studio.inference.ort_optimized import build_session

EXPORT_VERSION = "2"


@dataclass(frozen=True)
class GraphConfig:
    """The preprocessing and output conventions recorded with an export (the fields of ``ModelConfig``)."""

    arch: str
    input_size: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    scale: str
    main_output: int

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GraphConfig:
        """Read the config from a stamp (a ``ModelConfig.to_dict()``); KeyError/TypeError/ValueError if damaged."""
        mean, std = tuple(float(v) for v in data["mean"]), tuple(float(v) for v in data["std"])
        if len(mean) != 3 or len(std) != 3 or data["scale"] not in ("max", "unit"):
            raise ValueError("bad preprocessing fields")
        return cls(str(data["arch"]), int(data["input_size"]), mean, std, str(data["scale"]),  # type: ignore[arg-type]
                   int(data["main_output"]))


@dataclass(frozen=True)
class CachedGraph:
    """A verified export: its bytes and the config to feed it with."""

    graph: bytes
    config: GraphConfig
    source: Path


def cache_dir() -> Path:
    """The export cache: ``U2STUDIO_CACHE_DIR``, else ``U2STUDIO_DATA_DIR``/cache (tests), else the user cache."""
    override = os.environ.get("U2STUDIO_CACHE_DIR")
    if override:
        return Path(override) / "onnx"
    data = os.environ.get("U2STUDIO_DATA_DIR")
    if data:
        return Path(data) / "cache" / "onnx"
    from platformdirs import user_cache_path

    return user_cache_path(APP_NAME, appauthor=False) / "onnx"


def optimized_cache_dir() -> Path | None:
    """Where onnxruntime's rewritten graphs are kept (:mod:`u2studio.inference.ort_optimized`): the export cache;
    None when ``U2STUDIO_ORT_OPTIMIZED=0`` asks for a plain build every time."""
    return None if os.environ.get("U2STUDIO_ORT_OPTIMIZED") == "0" else cache_dir()


def stamp_for(weights_sha256: str, input_size: int, config: dict[str, Any], graph: bytes) -> dict[str, Any]:
    """What an export records about itself."""
    return {
        "weights_sha256": weights_sha256, "input_size": int(input_size), "export_version": EXPORT_VERSION,
        "config": config, "graph_sha256": sha256_bytes(graph),
    }


def cache_paths(weights_sha256: str, input_size: int) -> tuple[Path, Path]:
    """(graph, stamp) for an export of the weights with this hash at this input size."""
    base = cache_dir() / f"{weights_sha256}-{input_size}-v{EXPORT_VERSION}"
    return base.with_suffix(".onnx"), base.with_suffix(".json")


def read_verified(graph_path: Path, stamp_path: Path, weights_sha256: str,
                  input_size: int | None = None) -> CachedGraph | None:
    """The graph if its stamp matches the key and its bytes their hash; None for anything missing or off."""
    try:
        stamp = json.loads(stamp_path.read_text(encoding="utf-8"))
        if not isinstance(stamp, dict) or stamp.get("weights_sha256") != weights_sha256:
            return None
        if stamp.get("export_version") != EXPORT_VERSION:
            return None
        if input_size is not None and stamp.get("input_size") != input_size:
            return None
        config = GraphConfig.from_dict(stamp["config"])
        if config.input_size != stamp.get("input_size"):
            return None
        graph = graph_path.read_bytes()
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if sha256_bytes(graph) != stamp.get("graph_sha256"):
        return None
    return CachedGraph(graph, config, graph_path)


def lookup(weights_sha256: str, input_size: int | None = None) -> CachedGraph | None:
    """A verified cached export of these weights (any input size unless given), or the frozen bundle's."""
    folder = cache_dir()
    sizes = [input_size] if input_size is not None else _cached_sizes(folder, weights_sha256)
    for size in sizes:
        found = read_verified(*cache_paths(weights_sha256, size), weights_sha256, size)
        if found is not None:
            return found
    return bundle_export(weights_sha256, input_size)


def _cached_sizes(folder: Path, weights_sha256: str) -> list[int]:
    sizes = []
    for stamp in folder.glob(f"{weights_sha256}-*-v{EXPORT_VERSION}.json"):
        middle = stamp.name[len(weights_sha256) + 1:].split("-")[0]
        if middle.isdigit():
            sizes.append(int(middle))
    return sorted(sizes)


def store(weights_sha256: str, config: dict[str, Any], graph: bytes) -> CachedGraph:
    """Write an export and its stamp into the cache (atomically, graph first) and return it."""
    size = int(config["input_size"])
    graph_path, stamp_path = cache_paths(weights_sha256, size)
    atomic_write_bytes(graph_path, graph)
    atomic_write_text(stamp_path, json.dumps(stamp_for(weights_sha256, size, config, graph), indent=2))
    return CachedGraph(graph, GraphConfig.from_dict(config), graph_path)


def bundle_folder() -> Path | None:
    """The frozen app's bundled-weights folder, whose exports the build made; None outside a frozen app."""
    return resources_dir() / "weights" if getattr(sys, "frozen", False) else None


def bundle_paths(folder: Path, weights_name: str, input_size: int) -> tuple[Path, Path]:
    """(graph, stamp) of an export the build wrote into ``folder`` for the weights file ``weights_name``."""
    graph = folder / f"{Path(weights_name).stem}-{input_size}.export.onnx"
    return graph, graph.with_suffix(".json")


def bundle_export(weights_sha256: str, input_size: int | None = None, folder: Path | None = None) -> CachedGraph | None:
    """A verified export inside the app bundle (``folder``, default :func:`bundle_folder`) for these weights."""
    folder = folder if folder is not None else bundle_folder()
    if folder is None or not folder.is_dir():
        return None
    for stamp in sorted(folder.glob("*.export.json")):
        found = read_verified(stamp.with_suffix(".onnx"), stamp, weights_sha256, input_size)
        if found is not None:
            return found
    return None


class OrtEngine:
    """Runs a verified export on onnxruntime's CPU provider; ``forward`` may be called from several threads.

    ``threads`` CPUs are shared by ``parallel`` concurrent calls (each gets ``threads // parallel`` intra-op
    threads): for a folder, one single-threaded run per core keeps every core busy without the intra-op
    barriers that stall small convolutions; for a single image, one run uses every thread. Each concurrent
    call runs on a session of its own (made on first need, so the second is built while the first image
    runs): two calls on one shared session gave 2-7 % fewer images/s than two sessions here
    (3.77/3.59/3.80 against 3.90/3.67/4.06 images/s, interleaved, in the loop that became bench/bench_ort_lanes.py).

    ``lean`` turns off onnxruntime's memory pattern (the whole run's buffers planned and kept as one block): for
    U²-Net† at 320 the process stays about 190 MB smaller (RSS 637 against 824 MB after a few runs, in
    docs/studio.md) for a few percent more time per run; the studio, which shares its memory with 24-MP photos,
    asks for it.
    """

    def __init__(self, cached: CachedGraph, threads: int, parallel: int = 1, lean: bool = False) -> None:
        self.config = cached.config
        self.lean = lean
        self.parallel = max(1, min(parallel, threads))
        self._graph = cached.graph
        self._graph_sha256 = sha256_bytes(cached.graph)
        self._optimized_dir = optimized_cache_dir()
        self.optimized_from_cache = False  # whether the latest session came from a stored rewritten graph
        self._intra = max(1, threads // self.parallel)
        self._idle: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._made = 1
        self._lock = threading.Lock()
        self.session = self._new_session()  # the first now, so that a graph onnxruntime refuses fails here
        self._idle.put(self.session)
        self.input_name = self.session.get_inputs()[0].name
        self.output_names = [o.name for o in self.session.get_outputs()]
        self.max_batch = 1

    def _new_session(self) -> Any:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = self._intra
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        options.enable_mem_pattern = not self.lean
        if self.parallel > 1:
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        session, self.optimized_from_cache = build_session(self._graph, self._graph_sha256, self._optimized_dir, options)
        return session

    def _grow(self) -> Any:
        """One more session (already counted); the count is given back if onnxruntime fails to make it."""
        try:
            return self._new_session()
        except BaseException:
            with self._lock:
                self._made -= 1
            raise

    @property
    def sessions(self) -> int:
        """How many sessions exist now (at most :attr:`parallel`)."""
        return self._made

    @contextmanager
    def _lease(self) -> Iterator[Any]:
        """An idle session for one call, a new one while fewer than ``parallel`` exist, else wait for one."""
        try:
            session = self._idle.get_nowait()
        except queue.Empty:
            with self._lock:
                grow = self._made < self.parallel
                self._made += int(grow)
            session = self._grow() if grow else self._idle.get()
        try:
            yield session
        finally:
            self._idle.put(session)

    def _run(self, names: list[str] | None, batch: np.ndarray) -> list[np.ndarray]:
        feed = {self.input_name: np.ascontiguousarray(batch, dtype=np.float32)}
        with self._lease() as session:
            return session.run(names, feed)  # type: ignore[no-any-return]

    def forward(self, batch: np.ndarray) -> list[np.ndarray]:
        """Sigmoid of every map for an N×3×S×S batch, as N×S×S float32 arrays."""
        return [sigmoid(t[:, 0]) for t in self._run(None, batch)]

    def forward_main(self, batch: np.ndarray) -> np.ndarray:
        """Sigmoid of the main map only (N×S×S float32)."""
        return sigmoid(self._run([self.output_names[self.config.main_output]], batch)[0][:, 0])


def sigmoid(x: np.ndarray) -> np.ndarray:
    """A numerically safe logistic function."""
    return (0.5 * (np.tanh(0.5 * x) + 1.0)).astype(np.float32)

