"""``weights import`` names official files after their architecture, never replaces or shadows the bundled
u2netp, and ``weights list`` says where each model came from. Real official-format .pth files: our own
models' state dicts saved with torch.save, as the official repositories ship them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from u2studio.cli.main import main
from u2studio.core.hashing import sha256_file
from u2studio.inference.predictor import Predictor
from u2studio.models.checkpoint import CheckpointError
from u2studio.models.registry import create_model
from u2studio.models.store import install_name, list_models, resolve_model

ROOT = Path(__file__).resolve().parents[1]


def official_pth(folder: Path, file_name: str, arch: str, seed: int = 0) -> Path:
    """An official-format checkpoint: a plain state dict saved with torch.save."""
    torch.manual_seed(seed)
    path = folder / file_name
    torch.save(create_model(arch).state_dict(), path)
    return path


def test_install_name_rules() -> None:
    bundled = {"u2netp"}
    assert install_name("u2net", "u2net", bundled) == "u2net"
    assert install_name("isnet", "isnet-general-use", bundled) == "isnet"
    assert install_name("isnet", "isnet", bundled) == "isnet"
    assert install_name("u2netp", "u2netp", bundled) == "u2netp-imported"
    assert install_name("u2net", "my run (3)", bundled) == "my-run-3"
    assert install_name("u2net", "isnet-general-use", bundled) == "isnet-general-use"  # not what the name says
    with pytest.raises(CheckpointError, match="bundled"):
        install_name("u2netp", "whatever", bundled, wanted="u2netp")


@pytest.mark.slow
def test_official_u2net_and_isnet_imports_serve_model_u2net_and_model_isnet(tmp_path: Path) -> None:
    image = np.full((40, 56, 3), 120, np.uint8)
    for file_name, arch in (("u2net.pth", "u2net"), ("isnet-general-use.pth", "isnet")):
        src = official_pth(tmp_path, file_name, arch)
        assert main(["weights", "import", str(src)]) == 0
        entry = resolve_model(arch)
        assert (entry.name, entry.arch, entry.source) == (arch, arch, "imported")
        assert entry.origin == f"imported from {src.resolve()}"
        assert create_model(arch, pretrained=True).u2_config.arch == arch
        assert Predictor(arch, device="cpu").predict(image).shape == image.shape[:2]
        src.unlink()


def test_importing_u2netp_keeps_the_bundled_weights(tmp_path: Path, bundled_weights: Path) -> None:
    before = sha256_file(bundled_weights)
    src = official_pth(tmp_path, "u2netp.pth", "u2netp", seed=1)
    assert main(["weights", "import", str(src)]) == 0
    assert main(["weights", "import", str(src), "--name", "u2netp"]) == 1  # asking for the bundled name is refused
    assert sha256_file(bundled_weights) == before
    bundled, imported = resolve_model("u2netp"), resolve_model("u2netp-imported")
    assert bundled.path == bundled_weights and bundled.source == "bundled"
    assert imported.path != bundled_weights and imported.origin.startswith("imported from ")
    names = [e.name for e in list_models()]
    assert names.count("u2netp") == 1 and "u2netp-imported" in names
    loaded = create_model("u2netp", pretrained=imported.path).state_dict()
    assert all(torch.equal(loaded[k], v) for k, v in torch.load(src, weights_only=True).items())


def test_an_older_install_under_the_official_stem_still_serves_model_isnet(tmp_path: Path) -> None:
    """The previous release installed isnet-general-use.pth as isnet-general-use.safetensors."""
    src = official_pth(tmp_path, "isnet-general-use.pth", "isnet")
    assert main(["weights", "import", str(src), "--name", "isnet-general-use"]) == 0
    entry = resolve_model("isnet")
    assert entry.name == "isnet-general-use" and entry.arch == "isnet"
    assert create_model("isnet", pretrained=True).u2_config.arch == "isnet"


def test_weights_list_shows_where_each_model_came_from(tmp_path: Path, bundled_weights: Path) -> None:
    src = official_pth(tmp_path, "u2netp.pth", "u2netp", seed=2)
    data = tmp_path / "data"
    env = dict(os.environ, U2STUDIO_DATA_DIR=str(data), PYTHONPATH=str(ROOT))
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "u2studio", "weights", *args], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert run("import", str(src)).returncode == 0
    listing = run("list")
    assert listing.returncode == 0, listing.stderr
    lines = {line.split()[0]: line for line in listing.stdout.splitlines()}
    assert " bundled " in lines["u2netp"]
    assert f"imported from {src.resolve()}" in lines["u2netp-imported"]


def test_a_fine_tuned_model_names_its_datasets(tmp_path: Path) -> None:
    from u2studio.core.installed import install_run_checkpoint
    from u2studio.models.checkpoint import save_weights

    run_best = tmp_path / "run" / "best.safetensors"
    run_best.parent.mkdir()
    # the metadata keys the trainer writes (training/trainer.py metadata()): source and the datasets' hashes
    save_weights(run_best, create_model("u2netp").state_dict(),
                 {"arch": "u2netp", "source": "fine-tuned", "datasets": {"shoes": "ab" * 32, "bags": "cd" * 32}})
    target = install_run_checkpoint(run_best, "u2netp")  # the bundled name: never taken, never shadowed
    assert target.stem == "u2netp-2"
    assert resolve_model("u2netp-2").origin == "fine-tuned from bags, shoes"
    assert resolve_model("u2netp").source == "bundled"
