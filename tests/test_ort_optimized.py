"""onnxruntime's rewritten graph, stored once per machine: the same outputs, and nothing off is ever trusted."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from u2studio.inference.onnx_cache import CachedGraph, OrtEngine, cache_dir
from u2studio.inference.ort_optimized import optimized_paths, read_optimized
from u2studio.core.hashing import sha256_bytes

pytestmark = pytest.mark.usefixtures("bundled_weights")


@pytest.fixture
def export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CachedGraph:
    """The bundled model's verified export, made by the torch Predictor into a fresh cache."""
    monkeypatch.setenv("U2STUDIO_CACHE_DIR", str(tmp_path / "cache"))
    from u2studio.inference.predictor import Predictor

    engine = Predictor("u2netp", device="cpu").onnx_engine
    assert engine is not None
    return CachedGraph(engine._graph, engine.config, Path("export"))  # noqa: SLF001


def batch() -> np.ndarray:
    return np.random.default_rng(3).random((1, 3, 320, 320), dtype=np.float32)


def stored(graph: CachedGraph) -> tuple[Path, Path]:
    return optimized_paths(cache_dir(), sha256_bytes(graph.graph), ort.__version__)


def test_the_second_engine_loads_the_stored_graph_and_computes_the_same_maps(
        export: CachedGraph, monkeypatch: pytest.MonkeyPatch) -> None:
    for path in stored(export):
        path.unlink(missing_ok=True)  # the Predictor that made the export may already have stored one
    first = OrtEngine(export, 1)
    assert not first.optimized_from_cache and all(p.is_file() for p in stored(export))
    second = OrtEngine(export, 1)
    assert second.optimized_from_cache
    monkeypatch.setenv("U2STUDIO_ORT_OPTIMIZED", "0")
    plain = OrtEngine(export, 1)
    assert not plain.optimized_from_cache
    x = batch()
    a, b, c = first.forward(x), second.forward(x), plain.forward(x)
    assert all(np.array_equal(p, q) and np.array_equal(p, r) for p, q, r in zip(a, b, c))


def test_a_damaged_or_foreign_stored_graph_is_not_used_and_is_made_again(export: CachedGraph) -> None:
    OrtEngine(export, 1)
    graph_path, stamp_path = stored(export)
    graph_path.write_bytes(graph_path.read_bytes()[:-64] + bytes(64))  # no longer matches its stamp
    assert read_optimized(cache_dir(), sha256_bytes(export.graph), ort.__version__) is None
    assert not OrtEngine(export, 1).optimized_from_cache  # rebuilt from the export, and stored again
    assert OrtEngine(export, 1).optimized_from_cache
    stamp = json.loads(stamp_path.read_text())
    stamp_path.write_text(json.dumps({**stamp, "key": stamp["key"].replace("cpu ", "cpu other")}))  # another CPU's
    assert not OrtEngine(export, 1).optimized_from_cache


def test_a_stored_graph_onnxruntime_refuses_is_removed_and_the_export_still_runs(export: CachedGraph) -> None:
    OrtEngine(export, 1)
    graph_path, stamp_path = stored(export)
    junk = b"not an onnx graph" * 100
    graph_path.write_bytes(junk)  # checks out against its stamp, but onnxruntime cannot load it
    stamp_path.write_text(json.dumps({**json.loads(stamp_path.read_text()), "graph_sha256": sha256_bytes(junk)}))
    engine = OrtEngine(export, 1)
    assert not engine.optimized_from_cache and len(engine.forward(batch())) == 7
    assert graph_path.read_bytes() != junk and OrtEngine(export, 1).optimized_from_cache


def test_a_cache_it_cannot_write_only_costs_the_saving(export: CachedGraph) -> None:
    folder = stored(export)[0].parent
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    folder.write_text("a file where the folder should be")  # nothing can be written under it
    engine = OrtEngine(export, 1)
    assert not engine.optimized_from_cache and len(engine.forward(batch())) == 7
    assert folder.is_file()
