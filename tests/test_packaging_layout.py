"""The installed layout: one import name, ``u2studio``; the top-level ``training/`` folder installs as
``u2studio.training``, and nothing installs as a top-level ``training``."""

from __future__ import annotations

import subprocess
import sys

import zipfile
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parents[1]


def test_package_list_matches_the_folders() -> None:
    """pyproject lists packages explicitly (the mapping needs it); a new subpackage must not be left out."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "u2studio").rglob("__init__.py")}
    assert on_disk | {"u2studio.training"} == listed
    assert config["package-dir"] == {"u2studio.training": "training"}


def test_training_imports_only_under_u2studio(tmp_path: Path) -> None:
    """From an unrelated folder, with the user site and PYTHONPATH ignored, only the mapped name imports."""
    bare = subprocess.run([sys.executable, "-I", "-c", "import training"], cwd=tmp_path, capture_output=True, text=True)
    assert bare.returncode != 0 and "No module named 'training'" in bare.stderr
    mapped = subprocess.run(
        [sys.executable, "-I", "-c", "import u2studio.training.trainer as t; print(t.__name__)"],
        cwd=tmp_path, capture_output=True, text=True,
    )
    assert mapped.returncode == 0, mapped.stderr
    assert mapped.stdout.strip() == "u2studio.training.trainer"


@pytest.mark.slow
def test_wheel_top_level_is_u2studio_only(tmp_path: Path) -> None:
    """The built wheel holds one top-level package; training's modules sit under u2studio/training/."""
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("u2studio-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith((".dist-info", ".data"))}
    assert top == {"u2studio"}
    assert "u2studio/training/trainer.py" in names
    assert not any(n.startswith("training/") for n in names)
