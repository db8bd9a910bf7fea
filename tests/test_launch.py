"""launch.self_command: the argv that runs u2studio again, from source and frozen."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from u2studio import __version__
from u2studio.launch import is_frozen, self_command

ROOT = Path(__file__).resolve().parents[1]


def test_from_source_runs_the_package_module() -> None:
    assert not is_frozen()
    assert self_command("train", "--epochs", "1") == [sys.executable, "-m", "u2studio", "train", "--epochs", "1"]


def test_frozen_runs_the_executable_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", "/opt/u2studio/u2studio")
    assert is_frozen()
    assert self_command("train", "data") == ["/opt/u2studio/u2studio", "train", "data"]


def test_source_command_really_starts_u2studio() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run(self_command("--version"), capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"u2studio {__version__}"
