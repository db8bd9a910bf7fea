"""The frozen app: build the Linux one-folder bundle from this checkout, run its self-test, inspect its contents.

Slow (a PyInstaller build of torch takes minutes); needs the ``package`` extra.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEST_ONLY = ("pytest", "_pytest", "pytestqt", "py_sod_metrics", "skimage", "sklearn")
NOT_IN_APP = (*TEST_ONLY, "scipy", "onnx", "tkinter", "PyInstaller")

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform != "linux", reason="the CI bundle is built on Linux")]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory, bundled_weights: Path) -> Path:
    """Build dist/u2studio into a temporary folder with packaging/build.py (once for this module)."""
    pytest.importorskip("PyInstaller", reason="install the `package` extra to build the app")
    out = tmp_path_factory.mktemp("pyinstaller")
    result = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "build.py"), "--dist", str(out / "dist"), "--work", str(out / "work")],
        capture_output=True, text=True, timeout=60 * 60,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    print(result.stdout[-400:])
    return out / "dist" / "u2studio"


def run_app(bundle: Path, *args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    """Run the bundled executable with a clean environment (no PYTHONPATH into the checkout)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(QT_QPA_PLATFORM="offscreen", U2STUDIO_DATA_DIR=str(data_dir))
    return subprocess.run([str(bundle / "u2studio"), *args], capture_output=True, text=True, env=env, timeout=600)


def test_frozen_self_test_passes(bundle: Path, tmp_path: Path) -> None:
    result = run_app(bundle, "--self-test", data_dir=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    line = result.stdout.strip().splitlines()[-1]
    assert line.startswith("u2studio self-test passed (frozen")
    assert "via onnxruntime" in line  # the shipped export runs without the onnx package
    assert "dataloader (2 workers)" in line


def test_frozen_weights_fetch_asks_for_the_source_install(bundle: Path, tmp_path: Path) -> None:
    result = run_app(bundle, "weights", "fetch", data_dir=tmp_path)
    assert result.returncode == 2
    assert "needs the source install" in result.stderr


def bundled_modules(executable: Path) -> set[str]:
    """Every module name in the executable's embedded archives."""
    from PyInstaller.archive.readers import pkg_archive_contents

    return set(pkg_archive_contents(str(executable)))


def test_bundle_contents(bundle: Path) -> None:
    internal = bundle / "_internal"
    top = {p.name for p in internal.iterdir()}
    assert not [n for n in top if n.startswith("opencv_python-") and n.endswith(".dist-info")]
    assert not (internal / "cv2" / "qt").exists()  # the non-headless OpenCV's Qt plugins
    assert not top & set(NOT_IN_APP)
    assert not [n for n in top if n.split("-")[0].lower() in ("pytest", "scikit_image", "scikit_learn", "pysodmetrics")]
    modules = bundled_modules(bundle / "u2studio")
    assert "u2studio.selftest" in modules and "u2studio.cli.frozen" in modules
    leaked = sorted(m for m in modules if m.split(".")[0] in NOT_IN_APP)
    assert not leaked, leaked[:20]
    weights = internal / "resources" / "weights"
    assert (weights / "u2netp.safetensors").is_file() and (weights / "u2netp.json").is_file()
    assert (weights / "u2netp-320.export.onnx").is_file()
    assert not (weights / "u2netp.onnx").exists()  # the original ONNX release stays in the checkout
    assert (internal / "resources" / "sample.png").is_file()
    assert (internal / "resources" / "icons" / "u2studio.png").is_file()
    assert list((internal / "qtawesome" / "fonts").glob("*.ttf"))
    assert not (internal / "torch" / "test").exists() and not (internal / "torch" / "bin" / "test_api").exists()
