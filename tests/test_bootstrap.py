"""bootstrap.py test: a run that collects no tests fails, with or without extra arguments."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def load_bootstrap() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bootstrap_under_test", ROOT / "bootstrap.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pytest_exit_codes_pass_through_and_no_tests_is_a_failure() -> None:
    bootstrap = load_bootstrap()
    assert bootstrap.test_exit_code(0) == 0
    assert bootstrap.test_exit_code(1) == 1
    assert bootstrap.test_exit_code(5) == 5


def test_a_mistyped_k_expression_fails_for_real() -> None:
    # the real dispatch: bootstrap reuses the set-up .venv (its stamp), then runs pytest, which collects nothing
    result = subprocess.run(
        [sys.executable, str(ROOT / "bootstrap.py"), "test", "-q", "-p", "no:cacheprovider",
         "-k", "nonexistent_zzz", str(Path(__file__).resolve())],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 5, result.stdout + result.stderr
    assert "no tests were collected" in result.stderr
