"""GPU fall-back: per failure, with a message that says what happened, and never for a bug in our code."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import torch

from u2studio.core.synthetic import scene
from u2studio.inference.fallback import device_failure
from u2studio.inference.predictor import Predictor

CUDA = torch.device("cuda")


def test_out_of_memory_falls_back_for_this_image_only() -> None:
    oom = torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 12.00 GiB")
    failure = device_failure(oom, CUDA)
    assert failure is not None and not failure.lasting
    assert "ran out of memory on this image" in failure.message and "next image tries CUDA again" in failure.message
    mps = device_failure(RuntimeError("MPS backend out of memory (MPS allocated: 9 GB)"), torch.device("mps"))
    assert mps is not None and not mps.lasting


def test_a_broken_device_falls_back_for_good_and_says_so() -> None:
    lost = torch.AcceleratorError("CUDA error: an illegal memory access was encountered")
    failure = device_failure(lost, CUDA)
    assert failure is not None and failure.lasting
    assert "CUDA stopped working (CUDA error: an illegal memory access" in failure.message
    driver = device_failure(RuntimeError("CUDA error: unspecified launch failure\nCompile with TORCH_USE_CUDA_DSA"), CUDA)
    assert driver is not None and driver.lasting and "\n" not in driver.message


@pytest.mark.parametrize("bug", [
    RuntimeError("mat1 and mat2 shapes cannot be multiplied (1x3 and 4x5)"),
    TypeError("forward() missing 1 required positional argument: 'x'"),
    NotImplementedError("Cannot copy out of meta tensor; no data!"),
    ValueError("bad config"),
])
def test_bugs_are_not_device_failures(bug: Exception) -> None:
    assert device_failure(bug, CUDA) is None
    assert device_failure(torch.OutOfMemoryError("out of memory"), torch.device("cpu")) is None


def test_a_bug_on_the_accelerator_path_raises_instead_of_running_on_the_cpu(bundled_weights: Path) -> None:
    """A real failure that is not the device's: the network on the meta device runs, then cannot be read back."""
    notices: list[str] = []
    predictor = Predictor("u2netp", device="cpu", backend="torch", on_notice=notices.append)
    predictor.device = torch.device("meta")
    predictor._model = copy.deepcopy(predictor._cpu_model).to("meta")
    image = scene(96, 64, seed=2)[0]
    with pytest.raises(NotImplementedError, match="meta tensor"):
        predictor.predict(image)
    assert notices == [] and predictor.device.type == "meta", "no silent fall-back to the CPU"


@pytest.mark.gpu
def test_a_real_cuda_out_of_memory_runs_that_image_on_the_cpu_and_the_next_on_cuda(bundled_weights: Path) -> None:
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    notices: list[str] = []
    predictor = Predictor("u2netp", device="cuda", on_notice=notices.append)
    cpu = Predictor("u2netp", device="cpu", backend="torch")
    images = [scene(320, 240, seed=s)[0] for s in range(64)]
    small = images[:1]
    torch.cuda.empty_cache()
    total = torch.cuda.get_device_properties(0).total_memory
    torch.cuda.set_per_process_memory_fraction(max(64 * 2**20 / total, 1e-6))
    try:
        maps = predictor.predict_batch(images)  # 64 × 3 × 320 × 320 activations do not fit in 64 MiB
    finally:
        torch.cuda.set_per_process_memory_fraction(1.0)
    assert notices and "ran out of memory on this image" in notices[-1]
    assert np.abs(maps[0] - cpu.predict(images[0])).max() < 1e-4  # ran on the CPU
    assert predictor.device.type == "cuda"
    predictor.predict_batch(small)
    assert len(notices) == 1, "the next run used CUDA again"
