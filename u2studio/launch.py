"""How u2studio starts another copy of itself (the studio runs training in a child process).

From source the child is ``python -m u2studio ARGS``; in the frozen app there
is no Python interpreter, so the child is the app's own executable, which runs
the same CLI (``u2studio train ...``). Qt-free, so the CLI and tests can use it.
"""

from __future__ import annotations

import sys


def is_frozen() -> bool:
    """Whether this process runs from a PyInstaller bundle."""
    return bool(getattr(sys, "frozen", False))


def self_command(*args: str) -> list[str]:
    """The argv that runs ``u2studio ARGS`` with this very installation."""
    if is_frozen():
        return [sys.executable, *args]
    return [sys.executable, "-m", "u2studio", *args]
