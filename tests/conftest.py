"""Shared fixtures: an isolated user-data folder, and the bundled model."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets its own user-data folder, so installed models and settings never leak."""
    folder = tmp_path_factory.mktemp("userdata")
    monkeypatch.setenv("U2STUDIO_DATA_DIR", str(folder))
    return folder


@pytest.fixture(scope="session")
def bundled_weights() -> Path:
    """The converted bundled U²-Net† weights (the set-up installs them)."""
    from u2studio.models.bundled import BUNDLED_NAME
    from u2studio.models.store import find_weights

    path = find_weights(BUNDLED_NAME)
    if path is None:
        pytest.fail("bundled weights missing: run `python3 bootstrap.py setup` (or `u2studio weights fetch`)")
    return path
