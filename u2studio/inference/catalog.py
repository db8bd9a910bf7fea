"""What the studio's pickers offer: installed models and the devices present. Plain data, no Qt."""

from __future__ import annotations

from dataclasses import dataclass

from u2studio.core.installed import FINETUNE_KEY
from u2studio.core.run_report import describe_finetune


@dataclass(frozen=True)
class ModelChoice:
    """One installed model as a picker shows it."""

    name: str
    label: str
    description: str = ""  # for fine-tuned models: what they were trained on and how they scored


@dataclass(frozen=True)
class Catalog:
    """Installed models (bundled first), device choices (``auto`` first) and a device description."""

    models: tuple[ModelChoice, ...]
    devices: tuple[str, ...]
    device_note: str


def load_catalog() -> Catalog:
    """Look up the installed models and probe the devices; call it off the UI thread.

    Torch is imported only where a GPU could be present (``hardware.accelerator_possible``): on a CPU-only
    machine the devices are known without it, and the studio's CPU path may never need torch at all."""
    from u2studio.inference.hardware import accelerator_possible
    from u2studio.models.store import list_models

    models = tuple(ModelChoice(e.name, e.label, describe_finetune(e.metadata.get(FINETUNE_KEY))) for e in list_models())
    if not accelerator_possible():
        return Catalog(models, ("auto", "cpu"), "CPU only")
    from u2studio.inference.device import probe

    info = probe()
    note = f"CUDA: {info.cuda_name}" if info.cuda else ("MPS" if info.mps else "CPU only")
    return Catalog(models, tuple(info.available()), note)
