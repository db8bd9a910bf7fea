"""The training recipe's defaults, as ``u2studio train --print-defaults`` reports them (no torch imported here)."""

from __future__ import annotations

import functools
import json
import os
import subprocess
from dataclasses import dataclass, field
from typing import Any

from u2studio.launch import self_command


class RecipeError(RuntimeError):
    """The trainer could not report its defaults."""


@dataclass(frozen=True)
class Recipe:
    """The trainer's option defaults and choices, by option destination name (``batch_size``, ``device``...)."""

    defaults: dict[str, Any]
    choices: dict[str, list[Any]] = field(default_factory=dict)
    help: dict[str, str] = field(default_factory=dict)

    def int_default(self, name: str, fallback: int) -> int:
        """An integer default, or ``fallback`` when the trainer has none for ``name``."""
        value = self.defaults.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else fallback

    def float_default(self, name: str, fallback: float) -> float:
        """A number default, or ``fallback``."""
        value = self.defaults.get(name)
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else fallback

    def options(self, name: str, fallback: list[str]) -> list[str]:
        """The choices of an option, or ``fallback``."""
        values = self.choices.get(name)
        return [str(v) for v in values] if isinstance(values, list) and values else fallback


@functools.cache
def load_recipe() -> Recipe:
    """Ask a child ``u2studio train --print-defaults`` (argparse only, well under a second); cached."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    try:
        done = subprocess.run(self_command("train", "--print-defaults"), capture_output=True, text=True, timeout=60, env=env)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RecipeError(f"the trainer did not report its defaults: {exc}") from None
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        raise RecipeError(f"the trainer did not report its defaults: {tail}")
    try:
        raw = json.loads(lines[-1])
    except json.JSONDecodeError as exc:
        raise RecipeError(f"the trainer's defaults are not JSON: {exc}") from None
    defaults, choices, helps = raw.get("defaults"), raw.get("choices"), raw.get("help")
    if not isinstance(defaults, dict):
        raise RecipeError("the trainer's defaults have no 'defaults' table")
    helps = {str(k): str(v) for k, v in helps.items()} if isinstance(helps, dict) else {}
    return Recipe(defaults, choices if isinstance(choices, dict) else {}, helps)
