"""What a failure on the GPU means: a device problem (say so and run on the CPU) or a bug (let it raise).

The Predictor asks ``device_failure(exc, device)`` once per failed accelerator run. Running out of
memory is about this image: it runs on the CPU and the next image tries the accelerator again. A
broken or lost device (a CUDA/driver error) is lasting: later images run on the CPU too. Anything
else (a plain RuntimeError, TypeError, ... from our own code) is a bug and gets no fall-back: it
must reach the user as an error instead of hiding behind a slower CPU run.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

# messages of RuntimeErrors that come from the device or its driver, not from our code
DEVICE_ERROR_MARKERS = (
    "cuda error",
    "cudnn",
    "cublas",
    "cufft",
    "cusolver",
    "nvml",
    "illegal memory access",
    "unspecified launch failure",
    "device-side assert",
    "launch timed out",
    "ecc error",
    "no cuda gpus are available",
    "cuda driver",
    "device lost",
    "gpu is lost",
    "mps backend",
    "command buffer",
)
OUT_OF_MEMORY_MARKERS = ("out of memory", "cudnn_status_alloc_failed", "cublas_status_alloc_failed")


@dataclass(frozen=True)
class DeviceFailure:
    """A device problem and what to tell the user; ``lasting`` means stop using the device."""

    message: str
    lasting: bool


def device_failure(exc: BaseException, device: torch.device) -> DeviceFailure | None:
    """The device problem behind ``exc`` raised while running on ``device``, or None when it is a bug."""
    if device.type == "cpu":
        return None
    name = device.type.upper()
    text = str(exc).lower()
    if isinstance(exc, torch.OutOfMemoryError) or (
        isinstance(exc, RuntimeError) and any(m in text for m in OUT_OF_MEMORY_MARKERS)
    ):
        return DeviceFailure(
            f"{name} ran out of memory on this image, so it ran on the CPU instead; the next image tries {name} again.",
            lasting=False,
        )
    accelerator_error = getattr(torch, "AcceleratorError", ())
    if isinstance(exc, accelerator_error) or (isinstance(exc, RuntimeError) and any(m in text for m in DEVICE_ERROR_MARKERS)):
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return DeviceFailure(
            f"{name} stopped working ({first_line}); this image and the following ones run on the CPU "
            "until the studio is restarted.",
            lasting=True,
        )
    return None


def release_memory(device: torch.device) -> None:
    """Give back the accelerator's cached blocks after running out of memory (best effort)."""
    try:
        if device.type == "cuda":
            torch.cuda.empty_cache()
        elif device.type == "mps":
            torch.mps.empty_cache()
    except RuntimeError:  # a device that cannot even free its cache will fail the next run and say so
        pass
