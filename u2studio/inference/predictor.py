"""The Predictor: numpy image in, probability map out, with preprocessing from the model's config (torch, any device)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import nn

from u2studio.inference import device as devices
from u2studio.inference.fallback import device_failure, release_memory
from u2studio.inference.maps import MapPredictor, Prediction
from u2studio.inference.onnx_cache import OrtEngine
from u2studio.inference.preprocessing import ensure_rgb, postprocess, preprocess
from u2studio.models.config import ModelConfig
from u2studio.models.fuse import folded_copy
from u2studio.models.registry import create_model, model_config
from u2studio.models.store import ModelEntry, resolve_model

log = logging.getLogger("u2studio.inference")
__all__ = ["Prediction", "Predictor", "ensure_rgb", "postprocess", "preprocess"]
MPS_TOLERANCE = 1e-2


def main_logits(outputs: object, config: ModelConfig) -> list[torch.Tensor]:
    """The list of map logits from a model's raw output (IS-Net also returns features)."""
    if isinstance(outputs, tuple) and len(outputs) == 2 and isinstance(outputs[0], list):
        outputs = outputs[0]
    assert isinstance(outputs, list)
    return outputs


class Predictor(MapPredictor):
    """Runs one model on numpy images; preprocessing, forward and postprocessing stay separate.

    ``model`` is a registry name, an installed model name or a checkpoint path.
    ``device`` is auto, cpu, cuda or mps. ``backend`` picks how the CPU runs the
    model: ``auto`` uses onnxruntime on an export of this very model when it is
    available (faster on small CPUs) and torch otherwise. ``on_notice`` receives
    human-readable notes, such as a fall-back from the GPU to the CPU.
    ``keep_ui_core`` leaves one core to a UI that shares the machine (the studio);
    batch commands pass False and use every core. ``lean_memory`` (the studio) trades a few percent of CPU
    speed for resident memory: onnxruntime plans no memory pattern (about 190 MB less for U²-Net†).
    """

    def __init__(
        self,
        model: str | os.PathLike[str] = "u2netp",
        device: str = "auto",
        min_max: bool = True,
        backend: str = "auto",
        on_notice: Callable[[str], None] | None = None,
        keep_ui_core: bool = True,
        lean_memory: bool = False,
    ) -> None:
        if backend not in ("auto", "torch", "onnx"):
            raise ValueError(f"unknown backend {backend!r}; choose auto, torch or onnx")
        self.entry: ModelEntry = resolve_model(model)
        self.min_max = min_max
        self._notice = on_notice or (lambda text: log.warning(text))
        self.threads = devices.configure_cpu_threads(keep_ui_core)
        self.lean_memory = lean_memory
        network = create_model(self.entry.arch, pretrained=self.entry.path)
        self.config: ModelConfig = model_config(network)
        self._cpu_model = folded_copy(network)
        self._backend_choice = backend
        self._onnx: OrtEngine | None = None
        self._onnx_tried = False
        self.device = devices.resolve(device)  # first the device: an export is made only for the CPU
        self._model = self._cpu_model
        self._checked_mps = False
        if self.device.type != "cpu":
            self._model = folded_copy(network).to(self.device)
        elif backend != "torch":
            self._ensure_onnx()
            if self._onnx is None and backend == "onnx":
                raise RuntimeError("the onnxruntime backend is not available here")

    def _ensure_onnx(self) -> None:
        """Open the onnxruntime engine on the cached export once (exporting it if needed), unless torch was asked."""
        if self._onnx_tried or self._backend_choice == "torch":
            return
        self._onnx_tried = True
        from u2studio.inference.onnx_backend import try_runner

        self._onnx = try_runner(self._cpu_model, self.config, self.entry.path, self.threads, self.lean_memory)

    @property
    def name(self) -> str:
        """The model's name as the user knows it."""
        return self.entry.name

    @property
    def path(self) -> Path:
        """The weights file."""
        return self.entry.path

    def forward(self, batch: np.ndarray) -> list[np.ndarray]:
        """Run N×3×S×S preprocessed input; return every map's sigmoid as N×S×S float32 arrays."""
        tensor = torch.from_numpy(batch)
        if self.device.type == "mps" and not self._checked_mps:
            self._check_mps(tensor)
        if self.device.type != "cpu":
            try:
                return self._run(self._model, tensor, self.device)
            except Exception as exc:
                failure = device_failure(exc, self.device)
                if failure is None:
                    raise  # a bug, not the device: the user sees the error, not a silent CPU run
                if failure.lasting:
                    self._fall_back(failure.message)
                else:  # out of memory on this image only: the next one tries the device again
                    release_memory(self.device)
                    self._notice(failure.message)
        return self._run_cpu(tensor)

    @property
    def backend(self) -> str:
        """What runs the model now: torch on an accelerator, or onnxruntime/torch on the CPU."""
        if self.device.type != "cpu":
            return f"torch-{self.device.type}"
        return "onnxruntime" if self._onnx is not None else "torch-cpu"

    @property
    def onnx_engine(self) -> OrtEngine | None:
        """The onnxruntime engine running the CPU path, if there is one."""
        return self._onnx

    @property
    def max_batch(self) -> int:
        """How many images one forward should take: a batch on an accelerator, one at a time on the CPU."""
        if self.device.type != "cuda":
            return 1
        return 8 if self.config.input_size <= 512 else 2

    def _run_cpu(self, tensor: torch.Tensor) -> list[np.ndarray]:
        self._ensure_onnx()
        if self._onnx is not None:
            return self._onnx.forward(tensor.numpy())
        return self._run(self._cpu_model, tensor, torch.device("cpu"))

    def _run(self, network: nn.Module, tensor: torch.Tensor, device: torch.device) -> list[np.ndarray]:
        dtype = devices.autocast_dtype(device)
        with torch.inference_mode():
            if device.type == "cuda":  # pinned host memory lets the copy overlap the previous batch's work
                x = tensor.pin_memory().to(device, non_blocking=True)
            else:
                x = tensor.to(device)
            if dtype is not None:
                with torch.autocast(device.type, dtype=dtype):
                    raw = network(x)
            else:
                raw = network(x)
            return [torch.sigmoid(t.float())[:, 0].cpu().numpy() for t in main_logits(raw, self.config)]

    def _check_mps(self, tensor: torch.Tensor) -> None:
        """Compare MPS with the CPU once; drop MPS if they disagree."""
        self._checked_mps = True
        probe = tensor[:1]
        try:
            on_mps = self._run(self._model, probe, self.device)[self.config.main_output]
            on_cpu = self._run_cpu(probe)[self.config.main_output]
        except RuntimeError as exc:
            self._fall_back(f"MPS failed its first run ({exc}); using the CPU")
            return
        gap = float(np.abs(on_mps - on_cpu).max())
        if gap > MPS_TOLERANCE:
            self._fall_back(f"MPS disagrees with the CPU (max difference {gap:.3g}); using the CPU")

    def _fall_back(self, message: str) -> None:
        self._notice(message)
        self.device = torch.device("cpu")
        self._model = self._cpu_model
