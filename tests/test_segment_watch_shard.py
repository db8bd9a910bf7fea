"""``segment --watch`` (size-stable files, Ctrl+C summary) and ``--shard I/N`` with mergeable JSON summaries."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from segment_util import ROOT, SHARED_CACHE, err, files_in, photos, segment

pytestmark = pytest.mark.usefixtures("bundled_weights")


def _wait_for(path: Path, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if path.exists():
            return True
        time.sleep(0.1)
    return False


def test_watch_processes_arrivals_once_complete_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    photos(inbox, ["first.png"])
    env = dict(os.environ, U2STUDIO_DATA_DIR=str(tmp_path / "d"), U2STUDIO_CACHE_DIR=str(SHARED_CACHE),
               PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "u2studio", "segment", str(inbox), "-o", str(out), "--watch"],
                            stderr=subprocess.PIPE, env=env, cwd=ROOT)
    try:
        assert _wait_for(out / "first.png", 120), "the file present at the start was not segmented"
        photos(tmp_path / "src", ["late.png"])
        data = (tmp_path / "src" / "late.png").read_bytes()
        partial = inbox / "late.png"
        with open(partial, "wb") as handle:  # written slowly: it must wait until the size holds for 1 s
            for start in range(0, len(data), max(1, len(data) // 6)):
                handle.write(data[start:start + max(1, len(data) // 6)])
                handle.flush()
                time.sleep(0.4)
                assert not (out / "late.png").exists(), "a file still being written was read"
        assert _wait_for(out / "late.png", 60), "the new file was not segmented"
    finally:
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    text = stderr.decode()
    assert proc.returncode == 0, text
    assert "segmented 2/2 images" in text and "Traceback" not in text
    assert files_in(out) == ["first.png", "late.png"]


def test_watch_refuses_its_output_folder_as_input(tmp_path: Path) -> None:
    photos(tmp_path / "in", ["a.png"])
    result = segment(tmp_path / "in", "-o", tmp_path / "in", "--watch", data=tmp_path / "d")
    assert result.returncode == 2 and "must not be a watched folder" in err(result)


def test_shards_split_the_folder_and_their_summaries_merge(tmp_path: Path) -> None:
    names = [f"img{i:02d}.png" for i in range(9)] + ["img00.jpg"]  # a stem clash across shards, too
    photos(tmp_path / "in", names, size=(48, 36))
    out = tmp_path / "out"
    for index in (1, 2, 3):
        result = segment(tmp_path / "in", "-o", out, "--shard", f"{index}/3", data=tmp_path / "d")
        assert result.returncode == 0, err(result)
        assert f"[shard {index}/3]" in err(result)
    masks = [n for n in files_in(out) if not n.endswith(".json")]
    assert len(masks) == 10 and "img00.png" in masks and "img00-2.png" in masks  # each once, names agree
    summaries = sorted(out.glob("segment-summary-*-of-3.json"))
    assert len(summaries) == 3
    per_shard = [json.loads(p.read_text())["segmented"] for p in summaries]
    assert sum(per_shard) == 10 and max(per_shard) < 10
    merged = subprocess.run([sys.executable, "-m", "u2studio.cli.segment.summary", *map(str, summaries)],
                            capture_output=True, text=True, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert merged.returncode == 0, merged.stderr
    total = json.loads(merged.stdout)
    assert total["segmented"] == 10 and total["failed"] == 0 and total["missing_shards"] == []
    partial = subprocess.run([sys.executable, "-m", "u2studio.cli.segment.summary", str(summaries[0])],
                             capture_output=True, text=True, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert partial.returncode == 1 and "missing shards: 2, 3" in partial.stderr


@pytest.mark.parametrize("bad", ["0/3", "4/3", "1/0", "x/3", "2"])
def test_bad_shards_are_usage_errors(tmp_path: Path, bad: str) -> None:
    photos(tmp_path, ["a.png"])
    result = segment(tmp_path / "a.png", "-o", tmp_path / "o", "--shard", bad, data=tmp_path / "d")
    assert result.returncode == 2 and "--shard" in err(result)
