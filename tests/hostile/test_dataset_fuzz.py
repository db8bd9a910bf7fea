"""Hypothesis fuzzing of the manifest and journal readers: whatever they hold, opening, adding to and
checking the dataset never touches a file outside it (a sentinel folder, whose hash the attacker knows)."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hostile_util import snapshot, write_pair
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from u2studio.core.dataset import Dataset, DatasetError
from u2studio.core.hashing import sha256_bytes
from u2studio.core.imageio import ImageLoadError, load_mask

SENTINEL = b"sentinel: must never change\n"
SENTINEL_SHA = sha256_bytes(SENTINEL)
_TEMPLATE: dict[str, Any] = {}


def _template() -> tuple[Path, dict[str, Any]]:
    """A dataset with one record (built once), and that record."""
    if not _TEMPLATE:
        base = Path(tempfile.mkdtemp(prefix="u2-fuzz-template-"))
        ds = Dataset.create(base / "ds")
        image, mask = write_pair(base / "src", "a", 1)
        ds.add(image, load_mask(mask))
        _TEMPLATE.update(root=ds.root, record=ds.get("a").to_dict(), image=image, mask=load_mask(mask))
    return _TEMPLATE["root"], _TEMPLATE


def _paths(outside: str) -> st.SearchStrategy[str]:
    nasty = [
        f"{outside}/sentinel.txt", f"{outside}/new.pth", "../outside/sentinel.txt", "../../outside/sentinel.txt",
        "im/../../outside/sentinel.txt", "gt/.backup/sentinel.txt", "im/link/sentinel.txt", "gt/.backup/../../outside/x",
        "im//a.png", "im/./a.png", "im\\..\\..\\outside\\sentinel.txt", "C:/outside/sentinel.txt", "", ".", "im",
        "im/a.png", "gt/a.png", "gt/.backup/a.x.png", "manifest.jsonl", "dataset.json", "journal.json", "im/.lock",
        "\x00", "im/" + "a" * 300 + ".png", "gt/b.png", "im/b.png",
    ]
    return st.one_of(st.sampled_from(nasty), st.text(alphabet="./abgimt\\ ~", max_size=24))


def _record(base: dict[str, Any], paths: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    shas = st.sampled_from([SENTINEL_SHA, base["image_sha256"], base["mask_sha256"], "0" * 64])
    return st.one_of(
        st.fixed_dictionaries(
            {"stem": st.sampled_from(["a", "b", "sentinel", "..", "a/b"]), "image": paths, "mask": paths,
             "image_sha256": shas, "mask_sha256": shas, "backups": st.lists(paths, max_size=3)}
        ).map(lambda changes: {**base, **changes}),
        st.none(), st.integers(), st.lists(st.integers(), max_size=2), st.text(max_size=5),
    )


@st.composite
def _attack(draw: st.DrawFn, outside: str) -> dict[str, Any]:
    _, template = _template()
    base = template["record"]
    paths = _paths(outside)
    record = _record(base, paths)
    journal = draw(st.one_of(
        st.none(),
        st.fixed_dictionaries({
            "op": st.sampled_from(["add", "remove", ""]), "record": record, "previous": st.one_of(st.none(), record),
            "backups": st.one_of(st.dictionaries(paths, paths, max_size=3), st.lists(paths, max_size=2)),
            "removes": st.one_of(st.lists(paths, max_size=3), st.dictionaries(paths, paths, max_size=1)),
        }),
        st.text(max_size=30),
    ))
    manifest = draw(st.lists(record, min_size=0, max_size=3))
    return {"journal": journal, "manifest": manifest, "backup_link": draw(st.booleans()), "im_link": draw(st.booleans())}


def _exercise(root: Path, template: dict[str, Any]) -> None:
    """Everything a user would do with the dataset; refusals are fine, escapes are not."""
    try:
        ds = Dataset.open(root, lock_timeout=5)
        ds.check()
        ds.add(template["image"], template["mask"])
        ds.set_state("a", "approved")
    except (DatasetError, ImageLoadError, ValueError, KeyError, OSError):
        pass


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_no_manifest_or_journal_touches_a_file_outside_the_dataset(data: st.DataObject) -> None:
    template_root, template = _template()
    with tempfile.TemporaryDirectory(prefix="u2-fuzz-") as tmp:
        base = Path(tmp)
        outside = base / "outside"
        outside.mkdir()
        (outside / "sentinel.txt").write_bytes(SENTINEL)
        attack = data.draw(_attack(str(outside)))
        root = base / "ds"
        shutil.copytree(template_root, root, symlinks=True)
        if attack["backup_link"]:
            (root / "gt" / ".backup").symlink_to(outside, target_is_directory=True)
        if attack["im_link"]:
            (root / "im" / "link").symlink_to(outside, target_is_directory=True)
        if attack["manifest"]:
            lines = [json.dumps(r) for r in attack["manifest"]]
            (root / "manifest.jsonl").write_text("\n".join(lines) + "\n")
        if attack["journal"] is not None:
            text = attack["journal"] if isinstance(attack["journal"], str) else json.dumps(attack["journal"])
            (root / "journal.json").write_text(text)
        before = sorted(p.name for p in base.iterdir())
        _exercise(root, template)
        assert snapshot(outside) == {"sentinel.txt": SENTINEL}
        assert sorted(p.name for p in base.iterdir()) == before
