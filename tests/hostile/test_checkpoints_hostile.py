"""Items 7 and 10, and NaN/integer weights: checkpoints are capped in size, bad values refused, and an
installed model is replaced only with --force."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import torch
from hostile_util import u2
from safetensors.torch import load_file, save_file

from u2studio.models.checkpoint import CheckpointError, read_state_dict


@pytest.fixture
def u2netp_state(bundled_weights: Path) -> dict[str, torch.Tensor]:
    """The bundled U²-Net† weights as a plain state dict."""
    return load_file(str(bundled_weights))


def _deflated_torch_file(path: Path, tensor: torch.Tensor) -> Path:
    """A torch.save file whose entries are re-packed with deflate (a small file, a big tensor)."""
    buffer = io.BytesIO()
    torch.save({"weight": tensor}, buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
    return path


def test_a_deflated_tensor_over_the_cap_is_refused_before_decoding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("U2STUDIO_MAX_CHECKPOINT_MB", "16")
    bomb = _deflated_torch_file(tmp_path / "bomb.pth", torch.zeros(8 << 20))  # 32 MB of zeros, a few kB stored
    assert bomb.stat().st_size < 1 << 20
    with pytest.raises(CheckpointError, match="checkpoint limit|decompression bomb"):
        read_state_dict(bomb)


def test_a_checkpoint_file_over_the_cap_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("U2STUDIO_MAX_CHECKPOINT_MB", "1")
    path = tmp_path / "big.safetensors"
    save_file({"w": torch.ones(1 << 19)}, str(path))  # 2 MB
    with pytest.raises(CheckpointError, match="over the 1 MB checkpoint limit"):
        read_state_dict(path)


@pytest.mark.parametrize("damage", ["nan", "int"])
def test_nan_or_integer_weights_are_refused_on_import(tmp_path: Path, u2netp_state: dict[str, torch.Tensor], damage: str) -> None:
    state = dict(u2netp_state)
    key = "stage1.rebnconv1.conv_s1.weight"
    if damage == "nan":
        state[key] = torch.full_like(state[key], float("nan"))
    else:
        state = {k: (v.to(torch.int32) if v.is_floating_point() else v) for k, v in state.items()}
    path = tmp_path / f"{damage}.safetensors"
    save_file(state, str(path))
    r = u2("weights", "import", path, "--name", damage)
    assert r.returncode == 1 and ("NaN" in r.stderr or "floating point" in r.stderr) and "Traceback" not in r.stderr
    assert "imported" not in r.stdout


def test_import_under_an_installed_name_needs_force(tmp_path: Path, u2netp_state: dict[str, torch.Tensor], isolated_data_dir: Path) -> None:
    first, second = tmp_path / "first.safetensors", tmp_path / "second.safetensors"
    save_file(u2netp_state, str(first))
    changed = dict(u2netp_state)
    changed["outconv.bias"] = changed["outconv.bias"] + 1.0
    save_file(changed, str(second))
    env = {"U2STUDIO_DATA_DIR": str(isolated_data_dir)}
    assert u2("weights", "import", first, "--name", "mine", env=env).returncode == 0
    installed = isolated_data_dir / "models" / "mine.safetensors"
    original = installed.read_bytes()
    r = u2("weights", "import", second, "--name", "mine", env=env)
    assert r.returncode == 0 and "'mine-2'" in r.stdout and installed.read_bytes() == original
    r = u2("weights", "import", second, "--name", "mine", "--force", env=env)
    assert r.returncode == 0 and "'mine'" in r.stdout and installed.read_bytes() != original
    # names that clean to the same string never overwrite each other
    a = u2("weights", "import", first, "--name", "ñ日本", env=env)
    b = u2("weights", "import", second, "--name", " ", env=env)
    assert a.returncode == 0 and b.returncode == 0
    models = sorted(p.name for p in (isolated_data_dir / "models").glob("*.safetensors"))
    assert len(models) == 4, models
