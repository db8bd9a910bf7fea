"""Items 11 and 13 (imageio's part): only regular files are read, and a decode fits the memory budget."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from hostile_util import ROOT, u2

from u2studio.core.imageio import ImageLoadError, load_image


def _load_in_child(path: Path) -> str:
    """load_image(path) in a child limited to 1 GB of memory and 60 s (old code hung or read /dev/zero forever)."""
    code = (
        "import resource\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
        f"from u2studio.core.imageio import load_image\nload_image({str(path)!r})"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    except subprocess.TimeoutExpired:
        return "timed out"
    return r.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_is_refused_instead_of_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "photo.png"
    os.mkfifo(fifo)
    stderr = _load_in_child(fifo)
    assert "named pipe" in stderr and "only regular files" in stderr


def test_a_device_and_a_socket_are_refused(tmp_path: Path) -> None:
    assert "is a device" in _load_in_child(Path("/dev/zero"))
    sock_path = tmp_path / "s.png"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(sock_path))
        with pytest.raises(ImageLoadError, match="is a socket"):
            load_image(sock_path)
    finally:
        server.close()


def test_a_named_pipe_in_the_dataset_tool_is_one_line(tmp_path: Path) -> None:
    fifo = tmp_path / "mask.png"
    os.mkfifo(fifo)
    image = tmp_path / "img.png"
    cv2.imwrite(str(image), np.zeros((8, 8, 3), np.uint8))
    r = u2("dataset", "add", image, fifo, "--to", tmp_path / "ds", timeout=60)
    assert r.returncode == 2 and "named pipe" in r.stderr and "Traceback" not in r.stderr


def test_decode_is_limited_by_the_memory_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.png"
    cv2.imwrite(str(path), np.zeros((1500, 1500), np.uint8))  # 2.25 MP: ~36 MB while decoding
    assert load_image(path).size == (1500, 1500)
    monkeypatch.setenv("U2STUDIO_DECODE_BUDGET_MB", "8")
    with pytest.raises(ImageLoadError, match="8 MB decode memory budget"):
        load_image(path)
