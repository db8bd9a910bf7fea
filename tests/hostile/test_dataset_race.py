"""Item 6: ``dataset create`` racing a first ``dataset add``, and concurrent first adds: a reported add is never lost."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

import pytest
from hostile_util import write_pair

from u2studio.core.dataset import Dataset, DatasetError
from u2studio.core.imageio import load_mask

TRIALS = 12


def _create(root: str, gate: mp.synchronize.Event, out: mp.Queue) -> None:  # type: ignore[type-arg]
    gate.wait()
    try:
        Dataset.create(root)
        out.put(("create", "ok"))
    except DatasetError as exc:
        out.put(("create", f"refused: {exc}"))


def _add(root: str, image: str, mask: str, gate: mp.synchronize.Event, out: mp.Queue) -> None:  # type: ignore[type-arg]
    gate.wait()
    try:
        record = Dataset.open_or_create(root).add(image, load_mask(mask))
        out.put(("add", record.stem))
    except DatasetError as exc:
        out.put(("add", f"failed: {exc}"))


def _race(targets: list[tuple[object, tuple[object, ...]]]) -> list[tuple[str, str]]:
    ctx = mp.get_context("fork")
    gate, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=fn, args=(*args, gate, out)) for fn, args in targets]  # type: ignore[arg-type]
    for proc in procs:
        proc.start()
    gate.set()
    results = [out.get(timeout=60) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
    return results


@pytest.mark.parametrize("trial", range(TRIALS))
def test_create_racing_a_first_add_never_loses_the_add(tmp_path: Path, trial: int) -> None:
    image, mask = write_pair(tmp_path / "src", "photo", trial)
    root = str(tmp_path / "ds")
    results = _race([(_create, (root,)), (_add, (root, str(image), str(mask)))])
    added = [stem for kind, stem in results if kind == "add" and not stem.startswith("failed")]
    assert added, results  # the add itself may not fail because someone creates the same folder
    assert [r.stem for r in Dataset.open(root).records()] == added


@pytest.mark.parametrize("trial", range(4))
def test_concurrent_first_adds_all_land(tmp_path: Path, trial: int) -> None:
    pairs = [write_pair(tmp_path / "src", f"p{i}", 10 * trial + i) for i in range(4)]
    root = str(tmp_path / "ds")
    results = _race([(_add, (root, str(image), str(mask))) for image, mask in pairs])
    assert all(not stem.startswith("failed") for _, stem in results), results
    assert sorted(r.stem for r in Dataset.open(root).records()) == sorted(stem for _, stem in results)
