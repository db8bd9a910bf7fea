"""Checkpoint safety: unsafe pickles are refused, keys are checked by name, imports detect the architecture."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import torch

from u2studio.models import create_model
from u2studio.models.checkpoint import CheckpointError, detect_arch, read_state_dict
from u2studio.models.importer import import_checkpoint
from u2studio.models.store import list_models, resolve_model


class _WritesAFile:
    """A pickle payload that would create a file if it were ever unpickled."""

    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.write_text, (self.target, "pwned"))


def test_a_pickle_that_would_write_a_file_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "marker.txt"
    evil = tmp_path / "evil.pth"
    torch.save({"state_dict": {"w": torch.zeros(1)}, "payload": _WritesAFile(marker)}, evil)
    assert not marker.exists()
    with pytest.raises(CheckpointError, match="refused to load"):
        read_state_dict(evil)
    assert not marker.exists()
    # the same through the user-facing import
    with pytest.raises(CheckpointError):
        import_checkpoint(evil)
    assert not marker.exists()


def test_a_raw_pickle_file_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "marker.txt"
    evil = tmp_path / "evil.pkl"
    evil.write_bytes(pickle.dumps(_WritesAFile(marker)))
    with pytest.raises(CheckpointError):
        read_state_dict(evil)
    assert not marker.exists()


@pytest.mark.parametrize("arch", ["u2net", "u2netp", "isnet"])
def test_official_style_checkpoints_import_with_detected_architecture(tmp_path: Path, arch: str) -> None:
    model = create_model(arch)
    path = tmp_path / f"{arch}-official.pth"
    # the official scripts save a plain state dict; DDP runs add "module."
    torch.save({f"module.{k}": v for k, v in model.state_dict().items()}, path)
    assert detect_arch(read_state_dict(path)) == arch
    entry = import_checkpoint(path, name=f"my-{arch}")
    assert entry.arch == arch and entry.path.suffix == ".safetensors"
    assert any(e.name == f"my-{arch}" for e in list_models())
    reloaded = create_model(arch, pretrained=entry.path)
    for key, value in model.state_dict().items():
        assert torch.equal(reloaded.state_dict()[key], value)
    assert resolve_model(f"my-{arch}").path == entry.path


def test_missing_and_unexpected_keys_are_named(tmp_path: Path) -> None:
    state = create_model("u2netp").state_dict()
    del state["side3.weight"]
    state["extra.head.weight"] = torch.zeros(2)
    path = tmp_path / "broken.pth"
    torch.save(state, path)
    with pytest.raises(CheckpointError) as info:
        create_model("u2netp", pretrained=path)
    message = str(info.value)
    assert "side3.weight" in message and "extra.head.weight" in message


def test_a_damaged_file_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "damaged.safetensors"
    path.write_bytes(b"\x00\x01not really")
    with pytest.raises(CheckpointError, match="not a readable checkpoint"):
        read_state_dict(path)


def test_unknown_model_name_lists_what_is_installed() -> None:
    with pytest.raises(CheckpointError, match="unknown model 'nope'"):
        resolve_model("nope")
