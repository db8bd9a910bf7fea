"""Runs ``u2studio train --progress-json`` in a child process and turns its JSON lines into signals."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, Signal

from u2studio.launch import self_command


@dataclass(frozen=True)
class TrainingRequest:
    """What to fine-tune, on what, and where the run goes; ``options`` are extra ``u2studio train`` flags.

    Options not given keep the training recipe's defaults, so the studio trains exactly as
    ``u2studio train --data DS --arch ARCH --init bundled --out RUN`` does.
    """

    dataset: Path
    run_dir: Path
    arch: str = "u2netp"
    init: str = "bundled"
    options: tuple[str, ...] = field(default_factory=tuple)

    def argv(self) -> list[str]:
        """The ``u2studio train`` arguments for this request."""
        return ["train", "--data", str(self.dataset), "--arch", self.arch, "--init", self.init, "--out", str(self.run_dir),
                "--progress-json", *self.options]


class TrainingProcess(QObject):
    """One training child process; a crash or a bad line never reaches the studio as an exception."""

    started = Signal()
    run_started = Signal(object)  # the trainer's start event: epochs, steps, train/val counts...
    step = Signal(int, int, float)  # epoch, global step, loss
    epoch_done = Signal(int, object)  # epoch, metrics dict
    notice = Signal(str)
    checkpoint = Signal(str, str)  # kind (last/best), path
    finished = Signal(bool, str)  # ok, message

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._proc: QProcess | None = None
        self._buffer = b""
        self._stderr_tail = b""
        self._error: str | None = None
        self._cancelled = False
        self.best_path: str | None = None
        self.last_path: str | None = None

    @property
    def running(self) -> bool:
        """Whether a child is alive."""
        return self._proc is not None and self._proc.state() != QProcess.ProcessState.NotRunning

    def start(self, request: TrainingRequest) -> None:
        """Launch the child; refuses a second run while one is going."""
        if self.running:
            raise RuntimeError("a training run is already going")
        self._buffer, self._stderr_tail, self._error, self._cancelled = b"", b"", None, False
        self.best_path = self.last_path = None
        proc = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        env.insert("PYTHONUNBUFFERED", "1")
        proc.setProcessEnvironment(env)
        proc.readyReadStandardOutput.connect(self._read_stdout)
        proc.readyReadStandardError.connect(self._read_stderr)
        proc.finished.connect(self._on_finished)
        proc.errorOccurred.connect(self._on_error)
        command = self_command(*request.argv())
        self._proc = proc
        proc.start(command[0], command[1:])
        self.started.emit()

    def cancel(self) -> None:
        """Ask the child to stop, and kill it if it has not stopped within three seconds."""
        if not self.running or self._proc is None:
            return
        self._cancelled = True
        proc = self._proc
        proc.terminate()
        # owned by the process, so it dies with it; killing a finished process does nothing
        killer = QTimer(proc)
        killer.setSingleShot(True)
        killer.timeout.connect(proc.kill)
        killer.start(3000)

    def stop_now(self) -> None:
        """Kill a running child and wait for it (used when the studio closes)."""
        if self._proc is not None and self.running:
            self._cancelled = True
            self._proc.kill()
            self._proc.waitForFinished(3000)

    def _read_stdout(self) -> None:
        assert self._proc is not None
        self._buffer += bytes(self._proc.readAllStandardOutput().data())
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            self._handle_line(line)

    def _read_stderr(self) -> None:
        assert self._proc is not None
        self._stderr_tail = (self._stderr_tail + bytes(self._proc.readAllStandardError().data()))[-4000:]

    def _handle_line(self, raw: bytes) -> None:
        try:
            event = json.loads(raw.decode("utf-8", "replace"))
        except json.JSONDecodeError:
            return
        if not isinstance(event, dict):
            return
        kind = event.get("event")
        if kind == "start":
            self.run_started.emit(event)
        elif kind == "step":
            self.step.emit(int(event.get("epoch", 0)), int(event.get("step", 0)), float(event.get("loss", 0.0)))
        elif kind in ("epoch", "baseline"):
            self.epoch_done.emit(int(event.get("epoch", 0)), dict(event.get("metrics") or {}))
        elif kind == "checkpoint":
            path = str(event.get("path", ""))
            if event.get("kind") == "best":
                self.best_path = path
            else:
                self.last_path = path
            self.checkpoint.emit(str(event.get("kind", "")), path)
        elif kind == "notice":
            self.notice.emit(str(event.get("message", "")))
        elif kind == "error":
            self._error = str(event.get("message", "training failed"))

    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._error = "the trainer could not be started"
            self._proc = None
            self.finished.emit(False, self._error)

    def _on_finished(self, code: int, status: QProcess.ExitStatus) -> None:
        if self._buffer:
            self._handle_line(self._buffer)
            self._buffer = b""
        if self._proc is not None:
            self._proc.deleteLater()
        self._proc = None
        if self._cancelled:
            self.finished.emit(False, "training cancelled")
        elif code == 0 and status == QProcess.ExitStatus.NormalExit and self._error is None:
            self.finished.emit(True, "training finished")
        else:
            tail = self._stderr_tail.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            reason = self._error or tail[0] or f"exit code {code}"
            self.finished.emit(False, f"training failed: {reason}")
