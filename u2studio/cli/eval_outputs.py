"""Where ``u2studio eval`` may write: never onto its inputs, and output failures reported after the results.

An output folder (``--visualize``, ``--plots``, ``--pred`` when it is written with
``--images``) must not resolve to an input folder (``--gt``, ``--images``, or
``--pred`` when it is read), and an output file (``--json``, ``--csv``) must not
resolve to an input file or folder. Targets are compared after resolving symlinks.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from u2studio.core.imageio import is_image_path

MAX_RHO = 255


def _real(path: Path) -> Path:
    return path.expanduser().resolve(strict=False)


def check_rho(rho: int) -> str | None:
    """A message when ``--rho`` is outside [0, MAX_RHO], else None."""
    if not 0 <= rho <= MAX_RHO:
        return f"--rho must be between 0 and {MAX_RHO} pixels, got {rho}"
    return None


def input_folders(args: argparse.Namespace) -> list[tuple[str, Path]]:
    """(flag, folder) of every folder eval reads."""
    found = [("--gt", args.gt)]
    if args.images is not None:
        found.append(("--images", args.images))
    elif args.pred is not None:
        found.append(("--pred", args.pred))
    return found


def clashes(args: argparse.Namespace) -> list[str]:
    """One line per output that would land on an input; empty when every target is safe."""
    inputs = [(flag, _real(folder)) for flag, folder in input_folders(args)]
    problems: list[str] = []
    folders = [("--visualize", args.visualize), ("--plots", args.plots)]
    if args.images is not None:
        folders.append(("--pred", args.pred))
    for flag, target in folders:
        if target is None:
            continue
        real = _real(target)
        for in_flag, folder in inputs:
            if real == folder:
                problems.append(f"{flag} {target} is the {in_flag} folder; its files would be overwritten")
    for flag, target in (("--json", args.json), ("--csv", args.csv)):
        if target is None:
            continue
        real = _real(target)
        for in_flag, folder in inputs:
            if real == folder or (real.parent == folder and is_image_path(real)):
                problems.append(f"{flag} {target} would be an image in the {in_flag} folder; refusing to write there")
    return problems


class OutputLog:
    """Runs output writes, turning each failure into one line instead of losing the computed results."""

    def __init__(self) -> None:
        self.failures: list[str] = []
        self.disabled: set[str] = set()

    def attempt(self, what: str, write: Callable[[], object]) -> bool:
        """Run ``write``; on OSError (or a bad target) note it once under ``what`` (the flag and its target)
        and skip later writes of it."""
        if what in self.disabled:
            return False
        try:
            write()
            return True
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.failures.append(f"{what}: {reason}")
            self.disabled.add(what)
            return False

    def report(self) -> int:
        """Print each failure; 1 when any output could not be written, else 0."""
        for line in self.failures:
            print(f"error: could not write {line}", file=sys.stderr)
        return 1 if self.failures else 0
