"""Fixtures for the hostile-input regression tests: a small dataset and a sentinel folder outside it."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile_util import write_pair

from u2studio.core.dataset import Dataset
from u2studio.core.imageio import load_mask


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the dataset holding a sentinel file that nothing may touch."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "sentinel.txt").write_text("do not touch\n")
    return folder


@pytest.fixture
def ds(tmp_path: Path) -> Dataset:
    """A dataset with one record, ``a``."""
    dataset = Dataset.create(tmp_path / "ds")
    image, mask = write_pair(tmp_path / "src", "a", 1)
    dataset.add(image, load_mask(mask))
    return dataset
