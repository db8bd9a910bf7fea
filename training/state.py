"""Run-folder files: model checkpoints (safetensors + metadata JSON) and the resumable training state.

``last.safetensors`` and ``best.safetensors`` load with ``Predictor(model=PATH)``
and install into the studio (metadata ``arch`` and ``source: fine-tuned``).
``state.pt`` holds everything needed to continue exactly: model, optimiser,
position in the run, history and RNG state; it holds only tensors and plain
containers, so it loads with ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import io
import json
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any

import torch

from u2studio.core.atomic import atomic_write_bytes
from u2studio.models.checkpoint import save_weights

STATE_FILE = "state.pt"
LAST = "last.safetensors"
BEST = "best.safetensors"
GT_ENCODER = "gt_encoder.safetensors"
STATE_FORMAT = 1


class ResumeError(RuntimeError):
    """The run folder's state cannot be resumed; the message says why."""


@lru_cache(maxsize=1)
def code_version() -> dict[str, str]:
    """The u2studio version and, in a git checkout, the commit."""
    from u2studio import __version__

    info = {"u2studio": __version__, "torch": torch.__version__}
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parent, capture_output=True, text=True, timeout=5
        )
        if result.returncode == 0:
            info["git"] = result.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return info


def save_model(path: Path, state: dict[str, torch.Tensor], metadata: dict[str, Any]) -> Path:
    """Write a checkpoint the Predictor and the model store accept."""
    return save_weights(path, state, metadata)


def save_state(path: Path, payload: dict[str, Any]) -> Path:
    """Write the training state atomically (tensors and plain containers only)."""
    buffer = io.BytesIO()
    torch.save({"format": STATE_FORMAT, **payload}, buffer)
    return atomic_write_bytes(path, buffer.getvalue())


def load_state(path: Path) -> dict[str, Any]:
    """Read a training state written by ``save_state``, refusing anything but weights."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ResumeError(f"{path}: cannot read the training state ({type(exc).__name__}: {exc})") from None
    if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
        raise ResumeError(f"{path}: not a u2studio training state (format {STATE_FORMAT})")
    return state


def history_to_text(history: list[dict[str, Any]]) -> str:
    """History as JSON text for the state file."""
    return json.dumps(history)


def history_from_text(text: str) -> list[dict[str, Any]]:
    """History back from the state file."""
    value = json.loads(text)
    return value if isinstance(value, list) else []
