"""Autosave: atomic session files, throttled background writes, and recovery after a real SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from u2studio.core.editing import BrushParams, MaskEditor
from u2studio.core.editing.autosave import (
    Autosaver,
    RecoveryError,
    discard,
    find_recoverable,
    image_changed,
    recover,
    session_key,
    sessions_dir,
)
from u2studio.core.synthetic import scene

CHILD = Path(__file__).with_name("autosave_child.py")
ROOT = Path(__file__).resolve().parents[2]


def stroke(editor: MaskEditor, x: float) -> None:
    editor.begin_stroke(BrushParams(radius=6))
    editor.add_point(x, 20.0)
    editor.add_point(x, 100.0)
    editor.end_stroke()


def test_flush_recover_and_clean(tmp_path: Path) -> None:
    image_path = tmp_path / "photo.png"
    image_path.write_bytes(b"not really a png, only its size and time matter")
    _, truth = scene(160, 120)
    editor = MaskEditor(truth)
    saver = Autosaver(image_path, (160, 120), editor.snapshot, interval=60)
    try:
        assert saver.flush() is None and find_recoverable() == []  # untouched: nothing to save
        stroke(editor, 40.0)
        session = saver.flush()
        assert session is not None and session.folder.parent == sessions_dir()
        assert session.folder.name == session_key(image_path, (160, 120))
        [found] = find_recoverable()
        assert found.stroke_count == 1 and found.dirty and not image_changed(found)
        assert np.array_equal(recover(found), editor.mask)
        assert sorted(p.name for p in session.folder.iterdir()) == ["mask-000001.png", "session.json"]
        stroke(editor, 80.0)
        saver.flush()
        assert np.array_equal(recover(find_recoverable()[0]), editor.mask)
        assert len(list(session.folder.glob("mask-*.png"))) == 1  # older masks are removed
        saver.mark_clean()
        assert saver.wait_idle(30) and find_recoverable() == []
    finally:
        saver.close()
    image_path.write_bytes(b"changed on disk")
    os.utime(image_path, ns=(1, 1))
    stroke(editor, 120.0)
    again = Autosaver(image_path, (160, 120), editor.snapshot, interval=60)
    again.close()  # the final flush keeps the unsaved edit
    [found] = find_recoverable()
    assert np.array_equal(recover(found), editor.mask) and found.meta["seq"] > 2
    assert not image_changed(found)
    discard(found)
    assert find_recoverable() == []


def test_background_writes_are_throttled(tmp_path: Path) -> None:
    _, truth = scene(160, 120)
    editor = MaskEditor(truth)
    saved: list[int] = []
    saver = Autosaver(tmp_path / "a.png", (160, 120), editor.snapshot, interval=0.3,
                      on_saved=lambda s: saved.append(s.stroke_count))
    editor.add_listener(lambda rect: saver.notify_changed())
    start = time.monotonic()
    for i in range(12):
        stroke(editor, 10.0 + 10 * i)
        time.sleep(0.05)
    elapsed = time.monotonic() - start
    deadline = time.monotonic() + 5
    while (not saved or saved[-1] != 12) and time.monotonic() < deadline:
        time.sleep(0.02)
    saver.close()
    assert saved and saved[-1] == 12
    assert len(saved) <= elapsed / 0.3 + 2  # at most one write per interval
    assert saved == sorted(saved)


def test_damaged_sessions_are_refused(tmp_path: Path) -> None:
    _, truth = scene(80, 60)
    editor = MaskEditor(truth)
    stroke(editor, 30.0)
    saver = Autosaver(tmp_path / "b.png", (80, 60), editor.snapshot, interval=60)
    session = saver.flush()
    saver.close()
    assert session is not None
    session.mask_path.write_bytes(session.mask_path.read_bytes()[:50])
    with pytest.raises(RecoveryError, match="cannot read"):
        recover(session)
    (session.folder / "session.json").write_text("{broken")
    assert find_recoverable() == []


def run_child(tmp_path: Path, flush_after: int, interval: float, extra_states: int) -> tuple[dict[int, str], int]:
    """Run the scripted session, SIGKILL it ``extra_states`` edits after its flush; returns states and the flushed revision."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    expected = tmp_path / "flushed.npy"
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), str(tmp_path / "photo.png"), str(flush_after), str(interval), str(expected)],
        stdout=subprocess.PIPE, text=True, env=env,
    )
    states: dict[int, str] = {}
    flushed = -1
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            kind, *rest = line.split()
            if kind == "STATE":
                states[int(rest[0])] = rest[1]
            elif kind == "FLUSHED":
                flushed = int(rest[0])
            if flushed >= 0 and max(states) >= flushed + extra_states:
                break
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    assert proc.stdout is not None
    for line in proc.stdout.read().splitlines():  # states printed after we stopped reading
        kind, *rest = line.split()
        if kind == "STATE":
            states[int(rest[0])] = rest[1]
    proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    return states, flushed


@pytest.mark.parametrize("interval, extra", [(600.0, 0), (0.05, 15)])
def test_recovery_after_sigkill_is_pixel_identical(tmp_path: Path, interval: float, extra: int) -> None:
    from u2studio.core.editing.autosave import mask_digest

    states, flushed = run_child(tmp_path, flush_after=5, interval=interval, extra_states=extra)
    [session] = find_recoverable()
    mask = recover(session)
    # the recovered mask is exactly the editor's state at the revision the session records
    assert mask_digest(mask) == states[session.stroke_count]
    assert session.stroke_count >= flushed
    if extra == 0:
        # killed right after flush(), with no background write since: the flushed state itself
        assert session.stroke_count == flushed
        assert np.array_equal(mask, np.load(tmp_path / "flushed.npy"))
    else:
        assert session.stroke_count > flushed  # background autosaves kept going after the flush


def test_a_failed_write_is_reported_kept_and_cleared_by_the_next_success(tmp_path: Path) -> None:
    """A real failure: a regular file stands where the sessions folder should be (tests run as root)."""
    _, truth = scene(80, 60)
    editor = MaskEditor(truth)
    root = sessions_dir()
    root.parent.mkdir(parents=True, exist_ok=True)
    root.write_text("a file, not a folder")
    errors: list[Exception] = []
    saved: list[int] = []
    saver = Autosaver(tmp_path / "c.png", (80, 60), editor.snapshot, interval=0.05,
                      on_error=errors.append, on_saved=lambda s: saved.append(s.stroke_count))
    try:
        stroke(editor, 30.0)
        assert saver.flush() is None  # no exception reaches the caller
        assert saver.failing and isinstance(saver.last_error, OSError)
        assert errors and errors[-1] is saver.last_error
        saver.mark_clean()  # the save path does not raise either: its failure is reported the same way
        assert saver.wait_idle(30) and saver.failing
        stroke(editor, 50.0)
        saver.notify_changed()  # the background thread fails too, and keeps retrying
        deadline = time.monotonic() + 5
        while len(errors) < 4 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(errors) >= 4 and saved == []
        root.unlink()  # the disk is usable again: the retry succeeds without a new edit
        deadline = time.monotonic() + 10
        while not saved and time.monotonic() < deadline:
            time.sleep(0.02)
        assert saved == [2] and not saver.failing
        assert np.array_equal(recover(find_recoverable()[0]), editor.mask)
    finally:
        saver.close()


def test_marking_clean_encodes_on_the_autosave_thread_and_keeps_later_edits_dirty(tmp_path: Path) -> None:
    """The save path only copies the mask; the PNG is written by the autosave thread (a 24-MP encode froze the UI)."""
    import threading

    _, truth = scene(160, 120)
    editor = MaskEditor(truth)
    writers: list[tuple[str, bool]] = []
    saver = Autosaver(tmp_path / "d.png", (160, 120), editor.snapshot, interval=60,
                      on_saved=lambda s: writers.append((threading.current_thread().name, s.dirty)))
    try:
        stroke(editor, 40.0)
        saved_mask = editor.mask.copy()
        saver.mark_clean()
        stroke(editor, 90.0)  # an edit right after saving, maybe before the thread wrote the clean state
        assert saver.wait_idle(30)
        assert writers and writers[0] == ("u2studio-autosave", False)
        session = saver.flush()  # the later edit is still offered for recovery, and the clean write came first
        assert session is not None and session.dirty and session.stroke_count == 2
        assert np.array_equal(recover(find_recoverable()[0]), editor.mask)
        assert not np.array_equal(saved_mask, editor.mask)
    finally:
        saver.close()


def test_closing_while_a_clean_write_is_pending_finishes_it(tmp_path: Path) -> None:
    """Quitting right after a save: close() waits for the queued encode, so the session says saved, with those pixels."""
    from u2studio.core.editing.autosave import read_session

    _, truth = scene(3000, 2000)
    editor = MaskEditor(truth)
    stroke(editor, 400.0)
    saver = Autosaver(tmp_path / "e.png", (3000, 2000), editor.snapshot, interval=60)
    saver.mark_clean()
    saver.close()  # at once: the 6-MP encode is still queued or running
    session = read_session(saver.folder)
    assert not session.dirty and session.stroke_count == 1
    assert np.array_equal(recover(session), editor.mask)
    assert find_recoverable() == []
