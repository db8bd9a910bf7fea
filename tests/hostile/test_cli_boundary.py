"""One error boundary per command: full disks, read-only folders and a file where a folder is expected
give one line naming the file and the documented status; a traceback only with --debug."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile_util import snapshot, u2, write_pair


@pytest.fixture
def tiny_fs(tmp_path: Path) -> Iterator[Path]:
    """A 64 kB tmpfs (a real full disk); skipped where mounting is not permitted."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _remount_read_only(mount: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)


def _fill(mount: Path) -> None:
    with open(mount / "filler", "wb") as handle:
        try:
            handle.write(b"\0" * (1 << 20))
        except OSError:
            pass


def _one_line_error(r: subprocess.CompletedProcess[str], code: int = 1) -> None:
    assert r.returncode == code, (r.returncode, r.stderr)
    assert "Traceback" not in r.stderr
    assert [line for line in r.stderr.splitlines() if line.startswith("error:")], r.stderr


def test_dataset_add_on_a_full_disk(tiny_fs: Path, tmp_path: Path) -> None:
    image, mask = write_pair(tmp_path / "src", "big", 2, size=(400, 300))
    assert u2("dataset", "create", tiny_fs / "ds").returncode == 0
    _fill(tiny_fs)
    r = u2("dataset", "add", image, mask, "--to", tiny_fs / "ds")
    _one_line_error(r)
    assert "No space left" in r.stderr and str(tiny_fs / "ds") in r.stderr


def test_dataset_commands_on_a_read_only_dataset(tiny_fs: Path, tmp_path: Path) -> None:
    image, mask = write_pair(tmp_path / "src", "a", 1)
    assert u2("dataset", "add", image, mask, "--to", tiny_fs / "ds").returncode == 0
    _remount_read_only(tiny_fs)
    before = snapshot(tiny_fs)
    other, other_mask = write_pair(tmp_path / "src", "b", 2)
    for args in (("add", other, other_mask, "--to", tiny_fs / "ds"), ("state", tiny_fs / "ds", "a", "approved"),
                 ("import", tmp_path / "src", "--layout", "plain", "--to", tiny_fs / "ds")):
        r = u2("dataset", *args)
        assert r.returncode in (1, 2) and "Traceback" not in r.stderr, (args, r.stderr)
    assert u2("dataset", "check", tiny_fs / "ds").returncode == 0  # reading still works
    assert u2("dataset", "stats", tiny_fs / "ds").returncode == 0
    assert snapshot(tiny_fs) == before


def test_weights_import_into_a_full_data_folder(tiny_fs: Path, bundled_weights: Path) -> None:
    r = u2("weights", "import", bundled_weights, "--name", "copy", env={"U2STUDIO_DATA_DIR": str(tiny_fs)})
    _one_line_error(r)
    assert "No space left" in r.stderr
    assert not list((tiny_fs / "models").glob("copy*"))  # nothing half-installed


def test_a_file_where_a_folder_is_expected(tmp_path: Path) -> None:
    blocker = tmp_path / "plain-file"
    blocker.write_text("x")
    image, mask = write_pair(tmp_path / "src", "a", 1)
    r = u2("dataset", "add", image, mask, "--to", blocker / "ds")
    _one_line_error(r)
    assert str(blocker) in r.stderr
    r = u2("--debug", "dataset", "add", image, mask, "--to", blocker / "ds")
    assert "Traceback" in r.stderr  # --debug shows it


def test_a_failed_import_leaves_no_destination(tmp_path: Path) -> None:
    target = tmp_path / "new-ds"
    r = u2("dataset", "import", tmp_path / "no-such-folder", "--layout", "dis", "--to", target)
    assert r.returncode == 2 and not target.exists()
    (tmp_path / "empty").mkdir()
    r = u2("dataset", "import", tmp_path / "empty", "--layout", "dis", "--to", target)
    assert r.returncode == 2 and not target.exists()


def test_check_exit_status_follows_the_documentation(tmp_path: Path) -> None:
    image, mask = write_pair(tmp_path / "src", "a", 1)
    ds = tmp_path / "ds"
    assert u2("dataset", "add", image, mask, "--to", ds).returncode == 0
    assert u2("dataset", "check", ds).returncode == 0
    (ds / "manifest.jsonl").write_text("{broken\n")
    r = u2("dataset", "check", ds)
    assert r.returncode == 1 and "manifest.jsonl: line 1" in r.stdout  # a problem found
    assert u2("dataset", "check", tmp_path / "src").returncode == 2  # not a dataset at all
