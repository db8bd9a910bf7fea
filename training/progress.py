"""Progress reporting: JSON-lines events on stdout or tqdm bars, and loss/metric curves as PNG."""

from __future__ import annotations

import io
import json
import math
import sys
from pathlib import Path
from typing import Any

from u2studio.core.atomic import atomic_write_bytes


class Reporter:
    """Emits events: one JSON object a line on stdout with ``json_mode``, otherwise tqdm and short lines.

    Only the reporting rank (rank 0) prints anything.
    """

    def __init__(self, json_mode: bool, enabled: bool = True) -> None:
        self.json_mode = json_mode
        self.enabled = enabled
        self._bar: Any = None

    def event(self, name: str, **fields: Any) -> None:
        """Report one event (start, step, epoch, checkpoint, done, error, ...)."""
        if not self.enabled:
            return
        if self.json_mode:
            clean = {k: _jsonable(v) for k, v in fields.items()}
            sys.stdout.write(json.dumps({"event": name, **clean}) + "\n")
            sys.stdout.flush()
            return
        if name == "step":
            if self._bar is not None:
                self._bar.update(1)
                self._bar.set_postfix(loss=f"{fields.get('loss', float('nan')):.4f}", refresh=False)
            return
        self.close_bar()
        if name in ("epoch", "done", "error", "start", "phase", "checkpoint", "notice", "baseline"):
            text = " ".join(f"{k}={_short(v)}" for k, v in fields.items())
            print(f"[{name}] {text}", file=sys.stderr, flush=True)

    def open_bar(self, total: int, desc: str) -> None:
        """Start a tqdm bar for an epoch (terminal mode only)."""
        if not self.enabled or self.json_mode:
            return
        from tqdm import tqdm

        self.close_bar()
        self._bar = tqdm(total=total, desc=desc, unit="step", file=sys.stderr, leave=False)

    def close_bar(self) -> None:
        """Finish the current bar, if any."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_short(v)}" for k, v in value.items()) + "}"
    return str(value)


def plot_curves(history: list[dict[str, Any]], run_dir: Path) -> list[Path]:
    """Write loss.png and metrics.png from the per-epoch history (matplotlib Agg, imported lazily)."""
    if not history:
        return []
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    epochs = [h["epoch"] for h in history]
    written = []
    fig = Figure(figsize=(6, 4), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(epochs, [h.get("train_loss") for h in history], marker="o", label="train loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.legend()
    written.append(_save_figure(fig, run_dir / "loss.png"))
    fig = Figure(figsize=(6, 4), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    plotted = False
    for key in ("maxF", "relaxF", "Sm", "MAE"):
        values = [h.get("metrics", {}).get(key) for h in history]
        if any(v is not None for v in values):
            ax.plot(epochs, [v if v is not None else float("nan") for v in values], marker="o", label=key)
            plotted = True
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation metric")
    if plotted:
        ax.legend()
    written.append(_save_figure(fig, run_dir / "metrics.png"))
    return written


def _save_figure(fig: Any, path: Path) -> Path:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return atomic_write_bytes(path, buffer.getvalue())
