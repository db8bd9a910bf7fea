"""Issue 16, items 11 and 12: a named pipe never hangs ``segment``; ``U2STUDIO_THREADS`` is validated."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from segment_util import err, files_in, photos, segment

pytestmark = pytest.mark.usefixtures("bundled_weights")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_item11_a_named_pipe_is_skipped_with_a_message(tmp_path: Path) -> None:
    photos(tmp_path / "in", ["good.png"])
    fifo = tmp_path / "in" / "pipe.png"
    os.mkfifo(fifo)
    given = segment(fifo, "--out", tmp_path / "o1", data=tmp_path / "d", timeout=60)  # old code: hung here
    assert given.returncode == 2, err(given)
    assert f"{fifo}: a named pipe (FIFO), not an image file; skipped" in err(given)
    in_folder = segment(tmp_path / "in", "--out", tmp_path / "o2", data=tmp_path / "d", timeout=60)
    assert in_folder.returncode == 0, err(in_folder)
    assert "named pipe" in err(in_folder) and "1 skipped" in err(in_folder)
    assert files_in(tmp_path / "o2") == ["good.png"]


def test_item11_a_device_is_skipped_with_a_message(tmp_path: Path) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    photos(tmp_path, ["good.png"])
    result = segment("/dev/zero", tmp_path / "good.png", "--out", tmp_path / "o", data=tmp_path / "d", timeout=60)
    assert result.returncode == 0, err(result)
    assert "/dev/zero: a character device, not an image file; skipped" in err(result)
    assert files_in(tmp_path / "o") == ["good.png"]


@pytest.mark.parametrize(("value", "says"), [("0", "at least 1 thread"), ("1024", "more than the"),
                                             ("100000", "more than the"), ("four", "not a whole number"),
                                             ("-3", "at least 1 thread")])
def test_item12_bad_thread_counts_are_refused_clearly(tmp_path: Path, value: str, says: str) -> None:
    photos(tmp_path, ["a.png"])
    result = segment(tmp_path / "a.png", "--out", tmp_path / "o", data=tmp_path / "d", timeout=60,
                     env={"U2STUDIO_THREADS": value})
    assert result.returncode == 2, err(result)
    assert f"U2STUDIO_THREADS" in err(result) and says in err(result) and "Traceback" not in err(result)
    assert not (tmp_path / "o" / "a.png").exists()


def test_item12_a_valid_thread_count_runs(tmp_path: Path) -> None:
    photos(tmp_path, ["a.png"])
    result = segment(tmp_path / "a.png", "--out", tmp_path / "o", data=tmp_path / "d", env={"U2STUDIO_THREADS": "1"})
    assert result.returncode == 0, err(result)
