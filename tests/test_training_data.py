"""Training data: folder formats, the manifest, the stable split and reproducible augmentation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from u2studio.training.data import DataError, TrainDataset, ValDataset, collect, dataset_hashes, discover, hash_split
from u2studio.core.imageio import save_png
from u2studio.core.synthetic import scene
from u2studio.models.config import CONFIGS


def make_folder(root: Path, stems: list[str], im: str = "im", gt: str = "gt", size: tuple[int, int] = (48, 40)) -> Path:
    for index, stem in enumerate(stems):
        image, mask = scene(size[0], size[1], seed=index)
        save_png(root / im / f"{stem}.png", image)
        save_png(root / gt / f"{stem}.png", mask)
    return root


def test_plain_folder_pairs_by_stem_and_splits_by_hash(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "d", [f"img{i:02d}" for i in range(12)])
    save_png(root / "im" / "orphan.png", np.zeros((4, 4, 3), np.uint8))
    samples = discover(root)
    assert [s.stem for s in samples] == [f"img{i:02d}" for i in range(12)]
    assert all(s.split == hash_split(s.stem) for s in samples)
    assert discover(root) == samples


def test_hash_split_is_stable_and_about_ten_percent() -> None:
    stems = [f"photo_{i}" for i in range(2000)]
    splits = [hash_split(s) for s in stems]
    share = splits.count("val") / len(stems)
    assert 0.08 < share < 0.12
    assert splits == [hash_split(s) for s in stems]
    assert hash_split("photo_1", 0.0) == "train"


def test_val_count_picks_exactly_that_many(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "d", [f"s{i}" for i in range(12)], im="images", gt="masks")
    samples = discover(root, val_count=4)
    assert sum(s.split == "val" for s in samples) == 4
    assert [s.split for s in discover(root, val_count=4)] == [s.split for s in samples]


def test_manifest_sets_splits_and_skips_rejected(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "d", ["a", "b", "c", "d", "e"])
    lines = [
        json.dumps({"stem": "a", "split": "train", "state": "approved"}),
        json.dumps({"stem": "b", "split": "val", "state": "corrected", "extra": 1}),
        json.dumps({"stem": "c", "split": "train", "state": "rejected"}),
        "{not json",
        json.dumps({"stem": "d"}),
        json.dumps({"split": "val"}),
    ]
    (root / "manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    samples = {s.stem: s for s in discover(root)}
    assert set(samples) == {"a", "b", "d"}
    assert samples["a"].split == "train" and samples["b"].split == "val"
    assert samples["d"].split == hash_split("d")


def test_collect_lends_a_validation_sample_and_hashes_change_with_content(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "d", ["a", "b", "c"])
    samples = collect([str(root)], val_percent=0.0)
    assert sum(s.split == "val" for s in samples) == 1
    before = dataset_hashes(samples)
    save_png(root / "gt" / "a.png", np.zeros((40, 48), np.uint8))
    assert dataset_hashes(samples) != before


def test_bad_folders_give_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such dataset folder"):
        discover(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="expected image and mask folders"):
        discover(tmp_path / "empty")
    (tmp_path / "nopairs" / "im").mkdir(parents=True)
    (tmp_path / "nopairs" / "gt").mkdir()
    with pytest.raises(DataError, match="no image"):
        discover(tmp_path / "nopairs")


def test_augmentation_is_reproducible_aligned_and_normalised(tmp_path: Path) -> None:
    root = tmp_path / "d"
    _, mask = scene(60, 50, seed=1)
    save_png(root / "im" / "x.png", np.repeat(mask[:, :, None], 3, axis=2))
    save_png(root / "gt" / "x.png", mask)
    config = CONFIGS["u2netp"]
    ds = TrainDataset(discover(root), config, 40, 32, vflip=True, seed=5)
    x, y = ds[(0, 0)]
    assert x.shape == (3, 32, 32) and y.shape == (1, 32, 32)
    x2, y2 = ds[(0, 0)]
    assert torch.equal(x, x2) and torch.equal(y, y2)
    assert any(not torch.equal(ds[(0, e)][1], y) for e in range(1, 6))
    mean = torch.tensor(config.mean)[:, None, None]
    std = torch.tensor(config.std)[:, None, None]
    raw = x * std + mean
    assert raw.max().item() == pytest.approx(1.0, abs=1e-5)  # "max" scaling, as the Predictor does
    assert torch.allclose(raw[0], y[0], atol=1e-5)  # image and mask stay aligned through flips and crops


def test_validation_items_keep_the_full_size_reference(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "d", ["a"], size=(50, 30))
    ds = ValDataset(discover(root), CONFIGS["isnet"], 64)
    x, gt = ds[0]
    assert x.shape == (3, 64, 64) and gt.shape == (30, 50) and gt.dtype == np.uint8
