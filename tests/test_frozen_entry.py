"""The frozen app's start-up: missing consoles go to the log, and `weights fetch` refuses politely."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from u2studio.cli import frozen
from u2studio.cli.main import main


def test_missing_streams_go_to_the_log(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # a windowed app's streams are both None (set here: pytest re-captures between setup and call)
    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)
    monkeypatch.setattr(frozen, "_log_stream", None)
    stream = frozen.redirect_missing_streams(tmp_path / "logs")
    assert stream is not None and sys.stdout is stream and sys.stderr is stream
    print("hello from a windowed app")
    sys.stderr.write("and its errors\n")
    stream.close()
    text = (tmp_path / "logs" / frozen.LOG_NAME).read_text(encoding="utf-8")
    assert "u2studio started" in text
    assert "hello from a windowed app\nand its errors\n" in text


def test_present_streams_are_left_alone(tmp_path: Path) -> None:
    before = sys.stdout
    assert frozen.redirect_missing_streams(tmp_path) is None
    assert sys.stdout is before
    assert not (tmp_path / frozen.LOG_NAME).exists()


def test_crash_traces_accept_a_stream_without_descriptor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    frozen.enable_crash_traces(None)  # StringIO has no fileno: must not raise
    frozen.enable_crash_traces(sys.__stderr__)


def test_weights_fetch_in_the_frozen_app_points_to_the_source_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert main(["weights", "fetch"]) == 2
    assert "needs the source install" in capsys.readouterr().err

