"""The dataset core on generated images: layout, manifest, updates, stems, splits, stats, check."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from u2studio.core.dataset import (
    Dataset,
    DatasetError,
    ManifestError,
    correction_stats,
    split_for,
)
from u2studio.core.dataset.files import sha256_file
from u2studio.core.imageio import encode_png, load_mask
from u2studio.core.synthetic import scene


def _jpeg(rgb: np.ndarray, orientation: int | None = None) -> bytes:
    buf = io.BytesIO()
    img = Image.fromarray(rgb)
    if orientation is None:
        img.save(buf, "JPEG", quality=90)
    else:
        exif = Image.Exif()
        exif[0x0112] = orientation
        img.save(buf, "JPEG", quality=90, exif=exif.tobytes())
    return buf.getvalue()


def _image(seed: int, w: int = 48, h: int = 32) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


@pytest.fixture
def ds(tmp_path: Path) -> Dataset:
    return Dataset.create(tmp_path / "ds", val_ratio=0.25)


def test_layout_and_record_fields(ds: Dataset, tmp_path: Path) -> None:
    rgb, mask = scene(64, 48, seed=3)
    jpg = tmp_path / "photo one.jpg"
    jpg.write_bytes(_jpeg(rgb))
    pred = np.roll(mask, 4, axis=1)
    rec = ds.add(jpg, mask, model="u2netp", checkpoint_sha256="ab" * 32, prediction=pred, strokes=5, seconds=12.5, annotator="ana")

    assert rec.stem == "photo_one"
    assert rec.image == "im/photo_one.jpg" and rec.mask == "gt/photo_one.png"
    assert (ds.root / rec.image).read_bytes() == jpg.read_bytes()  # original bytes kept
    assert not rec.image_converted
    assert rec.image_sha256 == sha256_file(jpg) and rec.mask_sha256 == sha256_file(ds.root / rec.mask)
    with Image.open(ds.root / rec.mask) as m:
        assert (m.format, m.mode, m.size) == ("PNG", "L", (64, 48))
    np.testing.assert_array_equal(load_mask(ds.root / rec.mask), mask)
    assert rec.source == str(jpg.resolve())
    assert (rec.model, rec.annotator, rec.state, rec.revision) == ("u2netp", "ana", "corrected", 1)
    assert rec.split == split_for(rec.image_sha256, 0.25)
    assert rec.created.endswith("Z") and rec.created == rec.updated

    p, g = pred >= 128, mask >= 128
    assert rec.correction.iou == pytest.approx((p & g).sum() / (p | g).sum(), abs=1e-6)
    assert rec.correction.changed == pytest.approx((p ^ g).mean(), abs=1e-6)
    assert 0.0 < rec.correction.relax_f <= 1.0
    assert (rec.correction.strokes, rec.correction.seconds) == (5, 12.5)

    header = json.loads((ds.root / "dataset.json").read_text())
    assert header["version"] == 1 and header["val_ratio"] == 0.25
    line = json.loads((ds.root / "manifest.jsonl").read_text().splitlines()[0])
    assert line["stem"] == "photo_one" and line["correction"]["strokes"] == 5
    reopened = Dataset.open(ds.root)
    assert reopened.records() == [rec] and reopened.get("photo_one") == rec
    assert ds.check() == []


def test_inputs_bytes_array_and_conversions(ds: Dataset) -> None:
    rgb = _image(1)
    mask = np.zeros(rgb.shape[:2], np.uint8)
    png = encode_png(rgb)
    r1 = ds.add(png, mask, source="/somewhere/a.png")
    assert r1.image.endswith(".png") and not r1.image_converted and (ds.root / r1.image).read_bytes() == png
    r2 = ds.add(_image(2), mask.astype(bool))
    assert r2.image_converted and r2.stem.startswith("img-")
    # an EXIF-rotated JPEG is stored upright (training loaders ignore EXIF), mask in upright size
    rotated = _jpeg(_image(3, 40, 30), orientation=6)
    r3 = ds.add(rotated, np.zeros((40, 30), np.uint8), source="/x/rot.jpg")
    assert r3.image_converted and (r3.width, r3.height) == (30, 40)
    with Image.open(ds.root / r3.image) as im:
        assert im.size == (30, 40)
    # RGBA PNG: alpha dropped, 3-channel PNG stored
    rgba = np.dstack([_image(4), np.full((32, 48), 128, np.uint8)])
    r4 = ds.add(encode_png(rgba), mask, source="/x/alpha.png")
    assert r4.image_converted
    with Image.open(ds.root / r4.image) as im:
        assert im.mode == "RGB"
    assert ds.check() == []


def test_bad_input_is_rejected_without_writing(ds: Dataset) -> None:
    rgb = _image(5)
    with pytest.raises(ValueError, match="mask is 10x10 but the image is 48x32"):
        ds.add(rgb, np.zeros((10, 10), np.uint8))
    with pytest.raises(ValueError, match="single-channel"):
        ds.add(rgb, np.zeros((32, 48, 3), np.uint8))
    with pytest.raises(ValueError, match="uint8"):
        ds.add(rgb, np.zeros((32, 48), np.float32))
    with pytest.raises(ValueError, match="review state"):
        ds.add(rgb, np.zeros((32, 48), np.uint8), state="done")
    with pytest.raises(ValueError, match="prediction"):
        ds.add(rgb, np.zeros((32, 48), np.uint8), prediction=np.zeros((5, 5), np.uint8))
    assert ds.records() == [] and list((ds.root / "im").iterdir()) == []


def test_update_is_idempotent_and_keeps_backups(ds: Dataset) -> None:
    rgb = _image(6)
    m1 = np.zeros((32, 48), np.uint8)
    m1[5:20, 5:30] = 255
    r1 = ds.add(rgb, m1, source="/a/cat.png")
    assert ds.add(rgb, m1, source="/a/cat.png") == r1  # same thing again: nothing changes
    (ds.root / r1.mask).unlink()  # ...unless its files were damaged: adding again repairs them
    assert ds.check() != [] and ds.add(rgb, m1, source="/a/cat.png").revision == 2 and ds.check() == []
    r1 = ds.get(r1.stem)
    assert len(list((ds.root / "gt").glob(".backup/*"))) == 0

    m2 = m1.copy()
    m2[20:30] = 255
    r2 = ds.add(rgb, m2, source="/elsewhere/copy.png", state="approved")  # duplicate by hash -> update
    assert r2.stem == r1.stem and r2.revision == 3 and r2.created == r1.created and r2.state == "approved"
    assert len(ds.records()) == 1
    (backup,) = r2.backups
    assert backup.startswith(f"gt/.backup/{r1.stem}.")
    assert sha256_file(ds.root / backup) == r1.mask_sha256
    np.testing.assert_array_equal(load_mask(ds.mask_path(r2)), m2)

    # same source path, new content (the photo was edited): update, old image kept as a backup
    m3 = np.zeros((32, 48), np.uint8)
    jpg = _jpeg(_image(7))
    match = ds.match(jpg, source="/elsewhere/copy.png")
    assert match is not None and match.reason == "same source path"
    r3 = ds.add(jpg, m3, source="/elsewhere/copy.png")
    assert r3.stem == r1.stem and r3.image.endswith(".jpg") and r3.revision == 4
    assert not (ds.root / r1.image).exists()  # the superseded .png is gone from im/
    assert any(b.startswith("im/.backup/") for b in r3.backups)
    assert ds.check() == []


def test_same_stem_different_images_get_distinct_names(ds: Dataset, tmp_path: Path) -> None:
    stems = []
    for i in range(3):
        folder = tmp_path / f"d{i}"
        folder.mkdir()
        path = folder / "IMG_0001.png"
        path.write_bytes(encode_png(_image(10 + i)))
        stems.append(ds.add(path, np.zeros((32, 48), np.uint8)).stem)
    assert stems == ["IMG_0001", "IMG_0001-2", "IMG_0001-3"]
    # a name differing only in case would clash on Windows/macOS
    other = tmp_path / "img_0001.png"
    other.write_bytes(encode_png(_image(20)))
    assert ds.add(other, np.zeros((32, 48), np.uint8)).stem == "img_0001-4"
    assert ds.check() == []


def test_split_is_stable_by_hash_and_follows_ratio(tmp_path: Path) -> None:
    hashes = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(2000)]
    val = [split_for(h, 0.2) == "val" for h in hashes]
    assert 0.16 < np.mean(val) < 0.24
    assert split_for("0" * 64, 0.0) == "train" and split_for("f" * 64, 1.0) == "val"

    ds = Dataset.create(tmp_path / "s", val_ratio=0.5)
    recs = [ds.add(_image(100 + i, 8, 8), np.zeros((8, 8), np.uint8)) for i in range(16)]
    assert {r.split for r in recs} == {"train", "val"}
    ds.set_val_ratio(0.75)
    after = {r.stem: r.split for r in Dataset.open(ds.root).records()}
    assert all(after[r.stem] == "val" for r in recs if r.split == "val")  # raising the ratio only adds to val
    assert Dataset.open(ds.root).val_ratio == 0.75 and ds.check() == []


def test_states_pairs_and_stats(ds: Dataset) -> None:
    _, base = scene(48, 32, seed=1)
    recs = []
    for i, shift in enumerate([0, 2, 8, 16]):
        recs.append(ds.add(_image(30 + i), base, prediction=np.roll(base, shift, axis=1), strokes=i, seconds=10.0 * i, annotator="ann" if i % 2 else "bo"))
    ds.set_state(recs[0].stem, "approved")
    ds.set_state(recs[3].stem, "rejected")
    with pytest.raises(KeyError):
        ds.set_state("nope", "approved")
    with pytest.raises(ValueError):
        ds.set_state(recs[1].stem, "finished")

    pairs = ds.pairs()
    assert len(pairs) == 3 and all(i.exists() and m.exists() for i, m in pairs)
    assert len(ds.pairs(states=["rejected"])) == 1
    assert len(ds.pairs(split="train")) + len(ds.pairs(split="val")) == 3

    s = ds.stats(worst=2)
    assert s.count == 4 and s.by_state == {"corrected": 2, "approved": 1, "rejected": 1}
    assert sum(s.by_split.values()) == 4 and s.by_annotator == {"ann": 2, "bo": 2}
    assert s.mean_strokes == 1.5 and s.total_seconds == 60.0
    assert [w.stem for w in s.worst_by_iou] == [recs[3].stem, recs[2].stem]
    assert s.worst_by_iou[0].iou < s.worst_by_iou[1].iou < 1.0
    assert s.mean_iou == pytest.approx(np.mean([r.correction.iou for r in recs]), abs=1e-6)
    assert json.loads(json.dumps(s.to_dict()))["count"] == 4


def test_correction_stats_edge_cases() -> None:
    empty = np.zeros((10, 10), np.uint8)
    assert correction_stats(empty, empty).iou == 1.0
    full = np.full((10, 10), 255, np.uint8)
    c = correction_stats(empty, full, strokes=2, seconds=1.5)
    assert (c.iou, c.changed, c.strokes, c.seconds) == (0.0, 1.0, 2, 1.5)
    soft = np.full((10, 10), 0.7, np.float32)  # float predictions binarise at 0.5
    assert correction_stats(soft, full).iou == 1.0
    assert correction_stats(None, full).iou is None


def test_check_finds_what_is_wrong(ds: Dataset) -> None:
    recs = [ds.add(_image(40 + i), np.zeros((32, 48), np.uint8)) for i in range(5)]
    (ds.root / recs[0].mask).unlink()
    (ds.root / recs[1].image).write_bytes(encode_png(_image(99)))
    cv2.imwrite(str(ds.root / recs[2].mask), np.zeros((10, 12), np.uint8))
    cv2.imwrite(str(ds.root / recs[3].mask), np.zeros((32, 48, 3), np.uint8))
    (ds.root / "gt" / "stray.png").write_bytes(encode_png(np.zeros((4, 4), np.uint8)))
    kinds = {(p.kind, p.stem or p.path) for p in ds.check()}
    assert ("missing", recs[0].stem) in kinds
    assert ("hash", recs[1].stem) in kinds
    assert ("size", recs[2].stem) in kinds
    assert ("mask-format", recs[3].stem) in kinds
    assert ("orphan", "gt/stray.png") in kinds
    assert not any(stem == recs[4].stem for _, stem in kinds)


def test_damaged_manifest_and_newer_version_are_named(ds: Dataset) -> None:
    for i in range(3):
        ds.add(_image(50 + i), np.zeros((32, 48), np.uint8))
    manifest = ds.root / "manifest.jsonl"
    lines = manifest.read_text().splitlines()
    manifest.write_text("\n".join([lines[0], lines[1][:40], lines[2]]) + "\n")
    with pytest.raises(ManifestError, match=r"manifest\.jsonl: line 2: not valid JSON"):
        Dataset.open(ds.root)
    bad = json.loads(lines[1])
    bad["state"] = "weird"
    manifest.write_text("\n".join([lines[0], json.dumps(bad), lines[2]]) + "\n")
    with pytest.raises(ManifestError, match=r"line 2: unknown review state 'weird'"):
        Dataset.open(ds.root)
    manifest.write_text("\n".join([lines[0], lines[0]]) + "\n")
    with pytest.raises(ManifestError, match="line 2: stem .* already used on line 1"):
        Dataset.open(ds.root)
    manifest.write_text("\n".join(lines) + "\n")
    header = json.loads((ds.root / "dataset.json").read_text())
    (ds.root / "dataset.json").write_text(json.dumps(header | {"version": 99}))
    with pytest.raises(ManifestError, match=r"dataset\.json: format version 99 is newer"):
        Dataset.open(ds.root)


def test_create_and_open_refuse_wrong_folders(tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x.txt").write_text("x")
    with pytest.raises(DatasetError, match="not empty"):
        Dataset.create(tmp_path / "full")
    with pytest.raises(ManifestError, match="not a u2studio dataset"):
        Dataset.open(tmp_path / "full")
    with pytest.raises(ValueError, match="val_ratio"):
        Dataset.create(tmp_path / "r", val_ratio=1.5)
    Dataset.create(tmp_path / "ok")
    with pytest.raises(DatasetError, match="already a dataset"):
        Dataset.create(tmp_path / "ok")
