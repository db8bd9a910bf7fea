"""The studio's torch-free CPU predictor: the same maps as the torch Predictor, from a verified cached export only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from u2studio.inference.cached import open_cached, runs_on_cpu
from u2studio.inference.hardware import accelerator_possible

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.usefixtures("bundled_weights")


def photo(seed: int = 0) -> np.ndarray:
    """A textured 300×400 RGB image with a bright blob, so every map has structure."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:300, 0:400]
    blob = ((yy - 150) ** 2 / 90**2 + (xx - 210) ** 2 / 120**2 < 1)[..., None]
    noise = rng.integers(0, 40, (300, 400, 3))
    return (np.where(blob, [200, 80, 50], [40, 100, 140]) + noise).clip(0, 255).astype(np.uint8)


def test_it_opens_only_once_the_export_is_cached_and_then_gives_the_predictors_maps(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("U2STUDIO_CACHE_DIR", str(tmp_path / "cache"))
    assert open_cached("u2netp") is None  # nothing cached: the torch Predictor must make the export
    from u2studio.inference.predictor import Predictor

    torch_side = Predictor("u2netp", device="cpu", lean_memory=True)
    assert torch_side.backend == "onnxruntime"  # and it made the export
    cached = open_cached("u2netp", lean_memory=True)
    assert cached is not None and cached.name == "u2netp" and cached.device.type == "cpu"
    assert cached.onnx_engine.lean
    image = photo()
    for kwargs in ({"sides_at_image_size": False, "main_at_image_size": False}, {}):
        a, b = cached.predict_full(image, **kwargs), torch_side.predict_full(image, **kwargs)
        assert np.array_equal(a.mask, b.mask) and a.side_names == b.side_names
        assert len(a.sides) == len(b.sides) == 7 and all(np.array_equal(x, y) for x, y in zip(a.sides, b.sides))
    assert np.array_equal(cached.predict(image), torch_side.predict(image))


def test_it_declines_what_it_cannot_vouch_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("U2STUDIO_CACHE_DIR", str(tmp_path / "cache"))
    assert open_cached("no-such-model") is None  # the torch path reports the unknown name in its own words
    assert open_cached(str(tmp_path / "missing.safetensors")) is None
    from u2studio.inference.predictor import Predictor

    Predictor("u2netp", device="cpu")
    (graph,) = (tmp_path / "cache" / "onnx").glob("*.onnx")
    graph.write_bytes(graph.read_bytes()[:-100] + bytes(100))  # damaged: it no longer matches its stamp
    assert open_cached("u2netp") is None


def test_it_runs_in_a_process_that_never_imports_torch(tmp_path: Path) -> None:
    env = dict(os.environ, U2STUDIO_CACHE_DIR=str(tmp_path / "cache"), PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "-c", "from u2studio.inference.predictor import Predictor; Predictor('u2netp', device='cpu')"],
                   env=env, check=True, capture_output=True, timeout=300)
    script = ("import sys, numpy as np\nfrom u2studio.inference.cached import open_cached\n"
              "from u2studio.inference.catalog import load_catalog\n"
              "p = open_cached('u2netp')\nm = p.predict(np.full((64, 80, 3), 120, np.uint8))\n"
              "c = load_catalog()\nprint(m.shape, [x.name for x in c.models], 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split("]")[0] == "(64, 80) ['u2netp'"
    assert out.stdout.strip().endswith(str(accelerator_possible())), out.stdout  # the catalog asks torch only about GPUs


def test_only_a_certain_cpu_skips_torch() -> None:
    assert runs_on_cpu("cpu")
    assert not runs_on_cpu("cuda") and not runs_on_cpu("mps")
    assert runs_on_cpu("auto") == (not accelerator_possible())
