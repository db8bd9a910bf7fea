"""The batch engine: torch-free start from a verified export cache, export only for the CPU, all cores."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from segment_util import ROOT, SHARED_CACHE, err, mask, photos, segment

from u2studio.inference.hardware import ThreadSettingError, available_cpus, cpu_threads, threads_override
from u2studio.inference.onnx_cache import CachedGraph

pytestmark = pytest.mark.usefixtures("bundled_weights")

TORCH_FREE = """
import sys
from u2studio.cli.main import main
code = main(sys.argv[1:])
print("TORCH" if "torch" in sys.modules else "NO-TORCH", code)
"""


def test_the_cpu_path_starts_without_torch_once_the_export_is_cached(tmp_path: Path) -> None:
    (image,) = photos(tmp_path, ["a.png"])
    warm = segment(image, "-o", tmp_path / "warm", "--device", "cpu", data=tmp_path / "d")  # makes the export
    assert warm.returncode == 0, err(warm)
    env = dict(os.environ, U2STUDIO_DATA_DIR=str(tmp_path / "d"), U2STUDIO_CACHE_DIR=str(SHARED_CACHE),
               PYTHONPATH=str(ROOT))
    gpu_possible = any(Path(p).exists() for p in ("/dev/nvidiactl", "/dev/kfd", "/dev/dxg"))
    for device in ("cpu", "auto"):
        argv = ["segment", str(image), "-o", str(tmp_path / device), "--device", device]
        run = subprocess.run([sys.executable, "-c", TORCH_FREE, *argv], capture_output=True, text=True, env=env,
                             cwd=ROOT)
        assert run.returncode == 0, run.stderr
        if device == "auto" and gpu_possible:
            continue  # a GPU may be here: auto asks torch
        assert run.stdout.split() == ["NO-TORCH", "0"], run.stdout + run.stderr
        assert np.array_equal(mask(tmp_path / device / "a.png"), mask(tmp_path / "warm" / "a.png"))


def test_a_damaged_cached_export_is_not_used_and_is_remade(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    (image,) = photos(tmp_path, ["a.png"])
    first = segment(image, "-o", tmp_path / "o1", "--device", "cpu", data=tmp_path / "d", cache=cache)
    assert first.returncode == 0, err(first)
    (graph,) = (cache / "onnx").glob("*.onnx")
    stamp = json.loads(graph.with_suffix(".json").read_text())
    graph.write_bytes(graph.read_bytes()[:-1000] + bytes(1000))  # damaged: its hash no longer matches
    second = segment(image, "-o", tmp_path / "o2", "--device", "cpu", data=tmp_path / "d", cache=cache)
    assert second.returncode == 0, err(second)
    assert np.array_equal(mask(tmp_path / "o1" / "a.png"), mask(tmp_path / "o2" / "a.png"))
    from u2studio.core.hashing import sha256_bytes

    assert sha256_bytes(graph.read_bytes()) == stamp["graph_sha256"]  # made again, verified


def test_no_export_is_made_before_the_device_is_known(tmp_path: Path) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    (image,) = photos(tmp_path, ["a.png"])
    cache, data = tmp_path / "cache", tmp_path / "d"
    result = segment(image, "-o", tmp_path / "o", "--device", "cuda", data=data, cache=cache)
    assert result.returncode == 2 and "CUDA was requested" in err(result) and "Traceback" not in err(result)
    assert not list(cache.rglob("*.onnx")) and not list(data.rglob("*.onnx"))


def test_batch_runs_use_every_core_and_the_studio_keeps_one(monkeypatch: pytest.MonkeyPatch) -> None:
    from u2studio.inference.engine import open_engine
    from u2studio.inference.predictor import Predictor

    monkeypatch.delenv("U2STUDIO_THREADS", raising=False)
    cpus = available_cpus()
    assert cpu_threads(keep_ui_core=False) == cpus
    assert cpu_threads(keep_ui_core=True) == max(1, cpus - 1)
    assert Predictor("u2netp", device="cpu").threads == max(1, cpus - 1)  # the studio's Predictor
    engine = open_engine("u2netp", "cpu", parallel=True)
    assert engine.parallel == cpus and engine.backend == "onnxruntime"


def test_thread_override_is_checked_against_the_cpu_count() -> None:
    cpus = available_cpus()
    assert threads_override({}) is None
    assert threads_override({"U2STUDIO_THREADS": "1"}) == 1
    assert threads_override({"U2STUDIO_THREADS": f" {cpus} "}) == cpus
    for bad in ("0", "-1", str(cpus + 1), "100000", "2.5", "many", "0x2"):
        with pytest.raises(ThreadSettingError, match="U2STUDIO_THREADS"):
            threads_override({"U2STUDIO_THREADS": bad})


def test_each_concurrent_lane_runs_on_a_session_of_its_own() -> None:
    import threading

    from u2studio.core.synthetic import scene
    from u2studio.inference.onnx_cache import OrtEngine
    from u2studio.inference.predictor import Predictor
    from u2studio.inference.preprocessing import preprocess

    single = Predictor("u2netp", device="cpu", keep_ui_core=False).onnx_engine  # makes the export if needed
    assert single is not None
    cached = _cached_graph()
    engine = OrtEngine(cached, threads=2, parallel=2)
    assert engine.sessions == 1  # the second is made only when two calls overlap
    x = preprocess(scene(120, 90, seed=3)[0], cached.config)[None]
    expected = single.forward_main(x)
    start, results = threading.Barrier(2), []

    def lane() -> None:
        start.wait()
        for _ in range(3):
            results.append(engine.forward_main(x))

    threads = [threading.Thread(target=lane) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 6 and all(np.array_equal(r, expected) for r in results)
    assert engine.sessions == 2  # never more than the lanes
    alone = OrtEngine(cached, threads=2, parallel=1)
    for _ in range(3):
        alone.forward_main(x)
    assert alone.sessions == 1


def _cached_graph() -> CachedGraph:
    """The verified cached export of the bundled weights."""
    from u2studio.core.hashing import sha256_file
    from u2studio.inference.engine import locate
    from u2studio.inference.onnx_cache import lookup

    located = locate("u2netp")
    assert located is not None
    cached = lookup(sha256_file(located.path))
    assert cached is not None
    return cached


_LEAN_CHILD = """
import sys
import numpy as np
from u2studio.core.synthetic import scene
from u2studio.inference.predictor import Predictor
predictor = Predictor("u2netp", device="cpu", lean_memory=sys.argv[1] == "lean")
engine = predictor.onnx_engine
assert engine is not None and engine.lean == (sys.argv[1] == "lean")
assert engine.session.get_session_options().enable_mem_pattern == (not engine.lean)
rgb = scene(400, 300, seed=5)[0]
for _ in range(3):
    mask = predictor.predict(rgb)
np.save(sys.argv[2], mask)
with open("/proc/self/smaps_rollup") as handle:
    print(next(int(line.split()[1]) for line in handle if line.startswith("Anonymous:")))
"""


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="reads Linux's memory accounting")
def test_the_studios_lean_engine_gives_the_same_masks_with_less_resident_memory(tmp_path: Path) -> None:
    from u2studio.inference.predictor import Predictor

    assert Predictor("u2netp", device="cpu").onnx_engine is not None  # the export exists: both children only open it
    anon = {}
    for mode in ("lean", "default"):
        out = subprocess.run([sys.executable, "-c", _LEAN_CHILD, mode, str(tmp_path / f"{mode}.npy")], capture_output=True,
                             text=True, timeout=300, cwd=ROOT, check=True)
        anon[mode] = int(out.stdout.split()[-1]) / 1024  # MB
    assert np.array_equal(np.load(tmp_path / "lean.npy"), np.load(tmp_path / "default.npy"))
    assert anon["lean"] < anon["default"] - 100, anon  # measured here: about 190 MB less
