"""What this machine offers, found without importing torch: CPU threads and whether a GPU could be present."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

THREADS_VARIABLE = "U2STUDIO_THREADS"


class ThreadSettingError(ValueError):
    """``U2STUDIO_THREADS`` holds something that cannot be a thread count here; the message says what."""


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity mask where the platform has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def threads_override(env: Mapping[str, str] | None = None) -> int | None:
    """The thread count ``U2STUDIO_THREADS`` asks for, checked against the CPU count, or None when unset.

    0, negative numbers, non-numbers and more threads than CPUs are refused with a message that gives the
    allowed range (1024 threads hung onnxruntime and 100000 crashed torch before this check).
    """
    text = (os.environ if env is None else env).get(THREADS_VARIABLE, "").strip()
    if not text:
        return None
    cpus = available_cpus()
    try:
        value = int(text, 10)
    except ValueError:
        raise ThreadSettingError(f"{THREADS_VARIABLE}={text!r} is not a whole number; use 1..{cpus}") from None
    if value < 1:
        raise ThreadSettingError(f"{THREADS_VARIABLE}={value}: at least 1 thread is needed; use 1..{cpus}")
    if value > cpus:
        raise ThreadSettingError(
            f"{THREADS_VARIABLE}={value} is more than the {cpus} CPU(s) this process may use; use 1..{cpus}"
        )
    return value


def cpu_threads(keep_ui_core: bool) -> int:
    """Threads for CPU inference: ``U2STUDIO_THREADS`` if set, else every CPU, or all but one for the studio."""
    override = threads_override()
    if override is not None:
        return override
    cpus = available_cpus()
    return max(1, cpus - 1) if keep_ui_core else cpus


def accelerator_possible() -> bool:
    """False only when no CUDA, ROCm or MPS device can exist here, so ``auto`` means the CPU without asking torch.

    Linux: no NVIDIA, AMD (ROCm) or WSL GPU device node. Windows: no CUDA driver library. macOS: torch's
    builds are arm64, where MPS may be present, so the answer is always True there.
    """
    if sys.platform == "darwin":
        return True
    if sys.platform.startswith("win"):
        system = Path(os.environ.get("SystemRoot", r"C:\Windows")) / "System32"
        return (system / "nvcuda.dll").exists()
    nodes = ("/dev/nvidiactl", "/dev/nvidia0", "/dev/kfd", "/dev/dxg", "/proc/driver/nvidia/version")
    return any(Path(node).exists() for node in nodes)
