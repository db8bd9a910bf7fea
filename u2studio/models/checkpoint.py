"""Safe checkpoint reading and writing: safetensors or ``torch.load(weights_only=True)``, never a full pickle."""

from __future__ import annotations

import json
import os
import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from safetensors import safe_open

from u2studio.core.atomic import atomic_write_bytes, atomic_write_text

WRAPPER_PREFIXES = ("module.", "_orig_mod.", "model.", "net.")
METADATA_KEY = "u2studio"
# The largest model (U²-Net, IS-Net) is ~180 MB of float32; a checkpoint file, and what it
# decompresses to, may be a few times that (optimiser state, fp64) but never gigabytes.
DEFAULT_MAX_CHECKPOINT_MB = 1024

if TYPE_CHECKING:  # torch is imported where tensors are made: listing models and reading metadata need no torch
    import torch


class CheckpointError(Exception):
    """A checkpoint is unreadable, unsafe or does not fit the model; the message says which."""


def read_state_dict(path: str | os.PathLike[str]) -> dict[str, torch.Tensor]:
    """Read a state dict on the CPU from safetensors or a weights-only torch file."""
    file_path = Path(path)
    if not file_path.is_file():
        if file_path.exists():
            raise CheckpointError(f"{file_path}: not a regular file (a folder, pipe or device); refused")
        raise CheckpointError(f"{file_path}: no such checkpoint file")
    check_checkpoint_size(file_path)
    import torch
    from safetensors.torch import load as safetensors_load

    try:
        if file_path.suffix == ".safetensors":
            raw: Any = safetensors_load(file_path.read_bytes())
        else:
            raw = torch.load(file_path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise CheckpointError(
            f"{file_path}: refused to load: the file holds Python objects other than tensors, "
            "which could run code. Only plain weights are accepted (safetensors, or a state dict "
            f"saved with torch.save). Details: {str(exc).splitlines()[0]}"
        ) from None
    except Exception as exc:  # torch and safetensors raise many types for damaged files
        raise CheckpointError(f"{file_path}: not a readable checkpoint ({type(exc).__name__}: {exc})") from None
    return clean_state_dict(raw, str(file_path))


def max_checkpoint_bytes() -> int:
    """The cap on a checkpoint's stored and decompressed size; ``U2STUDIO_MAX_CHECKPOINT_MB`` overrides it."""
    try:
        megabytes = int(os.environ.get("U2STUDIO_MAX_CHECKPOINT_MB", DEFAULT_MAX_CHECKPOINT_MB))
    except ValueError:
        megabytes = DEFAULT_MAX_CHECKPOINT_MB
    return max(megabytes, 1) << 20


def check_checkpoint_size(path: Path) -> None:
    """Refuse a file whose stored size, or (for torch's zip format) the sum of its entries' declared
    uncompressed sizes, is over the cap, before anything is decoded; also refuse entries whose
    decompressed size is not declared honestly (a deflated payload larger than it says)."""
    import zipfile

    limit = max_checkpoint_bytes()
    size = path.stat().st_size
    if size > limit:
        raise CheckpointError(f"{path}: {size / 2**20:.0f} MB is over the {limit >> 20} MB checkpoint limit "
                              "(set U2STUDIO_MAX_CHECKPOINT_MB to raise it)")
    if path.suffix == ".safetensors" or not zipfile.is_zipfile(path):
        return
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise CheckpointError(f"{path}: not a readable checkpoint ({exc})") from None
    total = sum(info.file_size for info in entries)
    if total > limit:
        raise CheckpointError(f"{path}: decompresses to {total / 2**20:.0f} MB, over the {limit >> 20} MB "
                              "checkpoint limit (set U2STUDIO_MAX_CHECKPOINT_MB to raise it)")
    for info in entries:
        if info.compress_type != zipfile.ZIP_STORED and info.file_size > 64 * info.compress_size + (1 << 20):
            raise CheckpointError(f"{path}: entry {info.filename} expands {info.file_size // max(info.compress_size, 1)}x; "
                                  "refused as a decompression bomb (torch saves its tensors uncompressed)")


def clean_state_dict(raw: Any, label: str = "checkpoint") -> dict[str, torch.Tensor]:
    """Unwrap ``state_dict``/``model`` containers and strip DDP and torch.compile prefixes."""
    import torch

    state = raw
    for key in ("state_dict", "model_state_dict", "model", "net"):
        if isinstance(state, Mapping) and key in state and isinstance(state[key], Mapping):
            state = state[key]
            break
    if not isinstance(state, Mapping) or not state:
        raise CheckpointError(f"{label}: holds no state dict of tensors")
    tensors = {k: v for k, v in state.items() if isinstance(v, torch.Tensor)}
    if not tensors:
        raise CheckpointError(f"{label}: holds no tensors")
    changed = True
    while changed:
        changed = False
        for prefix in WRAPPER_PREFIXES:
            if all(k.startswith(prefix) for k in tensors):
                tensors = {k[len(prefix):]: v for k, v in tensors.items()}
                changed = True
    return tensors


def detect_arch(state: Mapping[str, torch.Tensor]) -> str:
    """Tell u2net, u2netp and isnet apart by their keys and shapes."""
    if "conv_in.weight" in state and "stage1.rebnconvin.conv_s1.weight" in state:
        return "isnet"
    first = state.get("stage1.rebnconv1.conv_s1.weight")
    if first is not None and "outconv.weight" in state:
        mid = first.shape[0]
        if mid == 32:
            return "u2net"
        if mid == 16:
            return "u2netp"
    raise CheckpointError(
        "cannot tell the architecture from the checkpoint's keys: expected U²-Net (stage1.rebnconv1 "
        "with 32 channels), U²-Net† (16 channels) or IS-Net (conv_in); pass the architecture explicitly"
    )


def load_into(model: torch.nn.Module, state: Mapping[str, torch.Tensor], label: str = "checkpoint") -> None:
    """Load ``state`` with strict key and shape checks, naming every mismatch."""
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    wrong_shape = sorted(
        f"{k}: checkpoint {tuple(state[k].shape)} vs model {tuple(own[k].shape)}"
        for k in set(own) & set(state)
        if tuple(own[k].shape) != tuple(state[k].shape)
    )
    if missing or unexpected or wrong_shape:
        parts = []
        if missing:
            parts.append(f"missing keys ({len(missing)}): {', '.join(missing[:12])}{' …' if len(missing) > 12 else ''}")
        if unexpected:
            parts.append(
                f"unexpected keys ({len(unexpected)}): {', '.join(unexpected[:12])}{' …' if len(unexpected) > 12 else ''}"
            )
        if wrong_shape:
            parts.append(f"shape mismatches ({len(wrong_shape)}): {'; '.join(wrong_shape[:6])}")
        raise CheckpointError(f"{label} does not fit {type(model).__name__}: " + "; ".join(parts))
    check_values(model, state, label)
    model.load_state_dict(dict(state), strict=True)


def check_values(model: torch.nn.Module, state: Mapping[str, torch.Tensor], label: str = "checkpoint") -> None:
    """Refuse weights that would load silently wrong: integer tensors where the model has floats
    (they would be cast), and NaN or infinite values (they give empty masks)."""
    import torch

    own = model.state_dict()
    bad_type = [k for k in own if own[k].is_floating_point() and not state[k].is_floating_point()]
    if bad_type:
        raise CheckpointError(f"{label}: {len(bad_type)} weight tensor(s) are not floating point "
                              f"({bad_type[0]} is {state[bad_type[0]].dtype}); not a trained model's weights")
    for key in own:
        if own[key].is_floating_point() and not bool(torch.isfinite(state[key]).all()):
            raise CheckpointError(f"{label}: weight {key} holds NaN or infinite values; refused")


def read_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The u2studio metadata stored in a safetensors header (empty if there is none)."""
    try:
        with safe_open(str(path), framework="numpy") as handle:  # the header only: no torch
            meta = handle.metadata() or {}
    except Exception as exc:
        raise CheckpointError(f"{path}: not a readable safetensors file ({exc})") from None
    text = meta.get(METADATA_KEY)
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CheckpointError(f"{path}: damaged metadata ({exc})") from None
    return value if isinstance(value, dict) else {}


def save_weights(path: str | os.PathLike[str], state: Mapping[str, torch.Tensor], metadata: Mapping[str, Any]) -> Path:
    """Write weights as safetensors with metadata in the header and a JSON file beside it, atomically."""
    from safetensors.torch import save as safetensors_save

    target = Path(path)
    tensors = {k: v.detach().to("cpu").contiguous() for k, v in state.items()}
    meta_text = json.dumps(dict(metadata), sort_keys=True)
    atomic_write_bytes(target, safetensors_save(tensors, metadata={METADATA_KEY: meta_text}))
    atomic_write_text(target.with_suffix(".json"), json.dumps(dict(metadata), indent=2, sort_keys=True) + "\n")
    return target
