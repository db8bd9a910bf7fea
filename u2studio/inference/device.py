"""Choosing where inference runs: CUDA, MPS or the CPU."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from u2studio.inference.hardware import cpu_threads

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


@dataclass(frozen=True)
class DeviceInfo:
    """What is present on this machine, for pickers and status bars."""

    cuda: bool
    cuda_name: str | None
    mps: bool

    def available(self) -> list[str]:
        """Device choices that can run here, ``auto`` first."""
        found = ["auto", "cpu"]
        if self.cuda:
            found.append("cuda")
        if self.mps:
            found.append("mps")
        return found


def probe() -> DeviceInfo:
    """Look for CUDA and MPS."""
    cuda = torch.cuda.is_available()
    mps = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    return DeviceInfo(cuda, torch.cuda.get_device_name(0) if cuda else None, mps)


def resolve(preference: str) -> torch.device:
    """The device for a preference; asking for an absent accelerator is an error."""
    if preference not in DEVICE_CHOICES and not preference.startswith("cuda:"):
        raise ValueError(f"unknown device {preference!r}; choose one of {', '.join(DEVICE_CHOICES)}")
    info = probe()
    if preference == "auto":
        if info.cuda:
            return torch.device("cuda")
        if info.mps:
            return torch.device("mps")
        return torch.device("cpu")
    if preference.startswith("cuda") and not info.cuda:
        raise RuntimeError("CUDA was requested but no CUDA device is available")
    if preference == "mps" and not info.mps:
        raise RuntimeError("MPS was requested but it is not available on this machine")
    return torch.device(preference)


def configure_cpu_threads(keep_ui_core: bool = True) -> int:
    """Set torch's CPU threads: all cores, or all but one when a UI shares the machine (the studio's default).

    ``U2STUDIO_THREADS`` overrides both and is validated (:class:`ThreadSettingError` for 0, too many or text).
    """
    threads = cpu_threads(keep_ui_core)
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return threads


def autocast_dtype(device: torch.device) -> torch.dtype | None:
    """The reduced precision to run under on an accelerator, or None for full fp32."""
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return None
