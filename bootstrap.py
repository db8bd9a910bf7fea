#!/usr/bin/env python3
"""Set up .venv at the repo root and run the studio, the tests, or any u2studio command.

    python3 bootstrap.py run [ARGS...]    create/update .venv, fetch the bundled model, open the studio
    python3 bootstrap.py test [ARGS...]   create/update .venv, fetch the bundled model, run the whole test suite
    python3 bootstrap.py setup            only create/update .venv and fetch the bundled model

Works on Linux, macOS and Windows (``py bootstrap.py ...``). Uses only the standard library.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".u2studio-installed"
QT_LIBS = {
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libdbus-1.so.3": "libdbus-1-3",
}


def venv_python() -> Path:
    """The interpreter inside .venv."""
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def install_fingerprint() -> str:
    """Changes whenever the pinned dependencies change, so an up-to-date .venv is not reinstalled."""
    digest = hashlib.sha256()
    for name in ("pyproject.toml", "constraints.txt"):
        digest.update((ROOT / name).read_bytes())
    digest.update(sys.version.encode())
    return digest.hexdigest()


def run(cmd: list[str], **kwargs: object) -> None:
    """Run a command, stopping the bootstrap if it fails."""
    print("+", " ".join(cmd), flush=True)
    result = subprocess.run(cmd, cwd=ROOT, **kwargs)  # type: ignore[call-overload]
    if result.returncode != 0:
        sys.exit(result.returncode)


def ensure_venv(extras: str) -> None:
    """Create .venv if needed and install the pinned dependencies when they changed."""
    if not venv_python().exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=False).create(VENV)
    fingerprint = install_fingerprint() + extras
    if STAMP.exists() and STAMP.read_text() == fingerprint:
        return
    py = str(venv_python())
    run([py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-c", "constraints.txt",
         "-e", f".[{extras}]"])
    STAMP.write_text(fingerprint)


def ensure_qt_system_libraries() -> None:
    """On Linux, make sure the shared libraries Qt loads are present (installed with apt-get when root)."""
    if not sys.platform.startswith("linux") or not shutil.which("ldconfig"):
        return
    listing = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
    missing = sorted({pkg for lib, pkg in QT_LIBS.items() if lib not in listing})
    if not missing:
        return
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        run(["apt-get", "update", "-qq"])
        run(["apt-get", "install", "-y", "-qq", *missing])
    else:
        print(f"warning: Qt needs these system packages: sudo apt-get install {' '.join(missing)}", flush=True)


def ensure_weights() -> None:
    """Fetch and convert the bundled U²-Net† weights unless they are installed."""
    run([str(venv_python()), "-m", "u2studio", "weights", "fetch"])


def test_exit_code(pytest_code: int) -> int:
    """The exit code of ``bootstrap.py test``: pytest's own, so a run that collected nothing fails.

    pytest exits 5 when no test was collected (a mistyped ``-k`` or path); that is a failure, never
    a pass, whatever arguments were given.
    """
    if pytest_code == 5:
        print("bootstrap: no tests were collected (check the -k expression or the paths)", file=sys.stderr)
    return pytest_code


def main(argv: list[str]) -> int:
    """Dispatch the bootstrap action."""
    action, rest = (argv[0], argv[1:]) if argv else ("run", [])
    if action not in ("run", "test", "setup"):
        print(__doc__)
        return 2
    ensure_venv("test,package")  # one environment for both commands, so neither reinstalls after the other
    ensure_qt_system_libraries()
    ensure_weights()
    py = str(venv_python())
    if action == "setup":
        return 0
    if action == "test":
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        return test_exit_code(subprocess.run([py, "-m", "pytest", *rest], cwd=ROOT, env=env).returncode)
    return subprocess.run([py, "-m", "u2studio", *rest], cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
