"""Item 1 and 2: a crafted journal or manifest never writes, deletes or replaces a file outside the dataset,
and recovery touches only files whose hashes prove the change made them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hostile_util import snapshot, u2, write_pair

from u2studio.core.dataset import Dataset, ManifestError
from u2studio.core.hashing import sha256_bytes
from u2studio.core.imageio import load_mask


def _journal(ds: Dataset, **changes: object) -> dict[str, object]:
    """A journal entry shaped like a genuine one for a new record ``b``, with ``changes`` applied."""
    rec = ds.get("a").to_dict()
    record = {**rec, "stem": "b", "image": "im/b.png", "mask": "gt/b.png", "backups": []}
    entry: dict[str, object] = {"op": "add", "record": record, "previous": None, "backups": {}, "removes": []}
    entry.update(changes)
    return entry


def _plant(ds: Dataset, entry: dict[str, object]) -> None:
    (ds.root / "journal.json").write_text(json.dumps(entry))


def test_journal_backup_onto_an_absolute_path_writes_nothing_outside(ds: Dataset, outside: Path) -> None:
    evil = outside / "evil.pth"
    previous = ds.get("a").to_dict()
    record = {**previous, "mask_sha256": "0" * 64, "backups": ["gt/a.png"]}
    _plant(ds, _journal(ds, record=record, previous=previous, backups={str(evil): "gt/a.png"}))
    before = snapshot(outside)
    for action in (("check", ds.root), ("stats", ds.root), ("state", ds.root, "a", "approved")):
        r = u2("dataset", *action)
        assert "Traceback" not in r.stderr
    assert not evil.exists()
    with pytest.raises(ManifestError, match="journal.json"):
        Dataset.open(ds.root)
    assert not evil.exists() and snapshot(outside) == before


def test_journal_removal_outside_the_dataset_deletes_nothing(ds: Dataset, outside: Path) -> None:
    previous = ds.get("a").to_dict()
    victim = outside / "sentinel.txt"
    rel = "../" * 3 + str(victim).lstrip("/")
    for removes in ([rel], [str(victim)], ["im/../../outside/sentinel.txt"]):
        _plant(ds, _journal(ds, record={**previous, "revision": 2}, previous=previous, removes=removes))
        r = u2("dataset", "check", ds.root)
        assert r.returncode == 1 and "journal.json" in r.stdout  # reported, never replayed by check
        with pytest.raises(ManifestError, match="journal.json"):
            Dataset.open(ds.root)
        assert victim.read_text() == "do not touch\n"


def test_rollback_never_deletes_a_file_the_change_did_not_write(ds: Dataset) -> None:
    """A journal naming an existing file as the new record's image: the file's hash is not the record's."""
    keep = ds.root / "im" / "b.png"
    keep.write_bytes(b"someone else's file")
    _plant(ds, _journal(ds))  # record b claims im/b.png with a's image hash, previous None, not committed
    Dataset.open(ds.root)
    assert keep.read_bytes() == b"someone else's file"
    assert not (ds.root / "journal.json").exists()


def test_rollback_restores_only_a_backup_with_the_right_hash(ds: Dataset) -> None:
    previous = ds.get("a").to_dict()
    backup = ds.root / "gt" / ".backup" / "a.20260101T000000000Z.png"
    backup.parent.mkdir(parents=True, exist_ok=True)
    backup.write_bytes(b"not the previous mask")
    original = (ds.root / "gt" / "a.png").read_bytes()
    record = {**previous, "mask_sha256": sha256_bytes(b"x"), "revision": 2, "backups": ["gt/.backup/a.20260101T000000000Z.png"]}
    _plant(ds, _journal(ds, record=record, previous=previous, backups={"gt/a.png": "gt/.backup/a.20260101T000000000Z.png"}))
    Dataset.open(ds.root)
    assert (ds.root / "gt" / "a.png").read_bytes() == original


def test_a_manifest_image_outside_the_dataset_is_refused_and_never_deleted(ds: Dataset, outside: Path, tmp_path: Path) -> None:
    victim = outside / "photo.png"
    image, mask = write_pair(tmp_path / "src2", "a", 1)  # the same picture as record a
    victim.write_bytes(b"the user's photo")
    lines = (ds.root / "manifest.jsonl").read_text().splitlines()
    record = json.loads(lines[0])
    record["image"] = str(victim)
    (ds.root / "manifest.jsonl").write_text(json.dumps(record) + "\n")
    r = u2("dataset", "add", image, mask, "--to", ds.root)
    assert r.returncode == 2 and "manifest.jsonl: line 1" in r.stderr and "Traceback" not in r.stderr
    r = u2("dataset", "check", ds.root)
    assert r.returncode == 1 and "absolute" in r.stdout
    assert victim.read_bytes() == b"the user's photo"


def test_a_symlinked_image_folder_pointing_outside_is_refused(tmp_path: Path, outside: Path) -> None:
    ds = Dataset.create(tmp_path / "ds")
    (ds.root / "im").rmdir()
    (ds.root / "im").symlink_to(outside, target_is_directory=True)
    before = snapshot(outside)
    image, mask = write_pair(tmp_path / "src", "x", 3)
    with pytest.raises(ManifestError, match="outside the dataset"):
        ds.add(image, load_mask(mask))
    assert snapshot(outside) == before
