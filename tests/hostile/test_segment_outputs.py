"""Issue 16, items 3 and 5, and the ``segment --out`` tracebacks: outputs never replace inputs or each other."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from segment_util import err, files_in, mask, photos, segment

pytestmark = pytest.mark.usefixtures("bundled_weights")


def test_item3_out_is_the_input_folder_and_the_photo_survives(tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    (photo,) = photos(folder, ["photo.png"])
    before = photo.read_bytes()
    result = segment(folder, "--out", folder, data=tmp_path / "d")
    assert result.returncode == 2, err(result)
    assert "would replace an input image" in err(result) and str(photo) in err(result)
    assert photo.read_bytes() == before and files_in(folder) == ["photo.png"]


def test_item3_a_hard_link_to_an_input_is_not_written_through(tmp_path: Path) -> None:
    (photo,) = photos(tmp_path / "in", ["photo.jpg"])
    out = tmp_path / "out"
    out.mkdir()
    os.link(photo, out / "photo.png")
    before = photo.read_bytes()
    result = segment(photo, "--out", out, "--overwrite", data=tmp_path / "d")
    assert result.returncode == 2 and "would replace an input image" in err(result)
    assert photo.read_bytes() == before


def test_item5_colliding_names_get_distinct_outputs(tmp_path: Path) -> None:
    sizes = {"a.jpg": (40, 30), "a.png": (44, 30), "a-2.png": (48, 30), "b.png": (52, 30), "b_cutout.png": (56, 30)}
    for name, size in sizes.items():
        photos(tmp_path / "in", [name], size=size)
    out = tmp_path / "out"
    result = segment(tmp_path / "in", "--out", out, "--cutout", data=tmp_path / "d")
    assert result.returncode == 0, err(result)
    # each input keeps its own stem where it can; the ones that collided get a number nobody asked for
    stems = {"a.jpg": "a", "a-2.png": "a-2", "a.png": "a-3", "b.png": "b", "b_cutout.png": "b_cutout-2"}
    assert files_in(out) == sorted(n for s in stems.values() for n in (f"{s}.png", f"{s}_cutout.png"))
    for name, stem in stems.items():  # every mask is its own input's (told apart by width)
        assert mask(out / f"{stem}.png").shape == (30, sizes[name][0]), name
    assert "segmented 5/5 images" in err(result)


def test_item5_stems_differing_only_in_case_do_not_share_a_file(tmp_path: Path) -> None:
    photos(tmp_path / "in", ["Cat.png", "cat.jpg"])
    result = segment(tmp_path / "in", "--out", tmp_path / "out", data=tmp_path / "d")
    assert result.returncode == 0, err(result)
    assert len(files_in(tmp_path / "out")) == 2


def test_out_naming_an_existing_file_is_one_line(tmp_path: Path) -> None:
    photos(tmp_path, ["a.png"])
    target = tmp_path / "taken.txt"
    target.write_text("x")
    result = segment(tmp_path / "a.png", "--out", target, data=tmp_path / "d")
    assert result.returncode == 2 and "is a file, not a folder" in err(result) and "Traceback" not in err(result)
    assert target.read_text() == "x"


@pytest.mark.parametrize("where", ["/proc/u2studio-out", "/sys/u2studio-out"])
def test_out_where_nothing_can_be_created_is_one_line(tmp_path: Path, where: str) -> None:
    if not Path(where).parent.is_dir():
        pytest.skip(f"no {Path(where).parent} here")
    photos(tmp_path, ["a.png"])
    result = segment(tmp_path / "a.png", "--out", where, data=tmp_path / "d")
    assert result.returncode == 2 and "cannot write there" in err(result) and "Traceback" not in err(result)


@pytest.fixture
def read_only_folder(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A folder nothing can be written into: a read-only tmpfs as root, a 0o555 folder otherwise."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a read-only file system here ({mounted.stderr.decode().strip()})")
    yield folder
    subprocess.run(["umount", str(folder)], capture_output=True)


def test_out_on_a_read_only_file_system_is_one_line(tmp_path: Path, read_only_folder: Path) -> None:
    photos(tmp_path, ["a.png"])
    for out in (read_only_folder, read_only_folder / "sub"):
        result = segment(tmp_path / "a.png", "--out", out, data=tmp_path / "d")
        assert result.returncode == 2, err(result)
        assert "cannot write there" in err(result) and "Traceback" not in err(result)


def test_the_mask_of_each_input_is_its_own(tmp_path: Path) -> None:
    a, b = photos(tmp_path / "in", ["x.jpg", "x.png"], size=(80, 60))
    result = segment(tmp_path / "in", "--out", tmp_path / "out", data=tmp_path / "d")
    assert result.returncode == 0, err(result)
    assert mask(tmp_path / "out" / "x.png").shape == mask(tmp_path / "out" / "x-2.png").shape == (60, 80)
