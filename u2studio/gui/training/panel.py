"""The fine-tune panel: pick a dataset, start or cancel a training child, watch its loss, install the result."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from u2studio.core.installed import install_run_checkpoint
from u2studio.core.paths import data_dir
from u2studio.gui.training.loss_plot import LossPlot
from u2studio.gui.training.process import TrainingProcess, TrainingRequest


class TrainingPanel(QWidget):
    """Fine-tunes a model on a dataset folder in a child process; a crash there never reaches the studio."""

    model_installed = Signal(str, str)  # model name, path
    message = Signal(str, bool)  # text, is_error

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.process = TrainingProcess(self)
        self.dataset = QLineEdit()
        self.dataset.setPlaceholderText("dataset folder (im/ + gt/)")
        browse = QPushButton("…")
        browse.setFixedWidth(max(28, browse.sizeHint().width()))  # never narrower than its text
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.dataset)
        row.addWidget(browse)
        self.arch = QComboBox()
        self.arch.addItems(["u2netp", "u2net", "isnet"])
        self.init = QComboBox()
        self.init.addItems(["bundled", "scratch"])
        self.loss = QComboBox()
        self.loss.addItems(["hybrid", "bce"])
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 1000)
        self.epochs.setValue(5)
        self.name = QLineEdit("fine-tuned")
        form = QFormLayout()
        form.addRow("Dataset", row)
        form.addRow("Model", self.arch)
        form.addRow("Start from", self.init)
        form.addRow("Loss", self.loss)
        form.addRow("Epochs", self.epochs)
        form.addRow("Save as", self.name)
        self.start_button = QPushButton("Fine-tune")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setFormat("idle")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.plot = LossPlot()
        column = QVBoxLayout(self)
        column.addLayout(form)
        column.addLayout(buttons)
        column.addWidget(self.progress)
        column.addWidget(self.plot)
        column.addWidget(self.status)
        column.addStretch(1)
        self.size_override: tuple[int, int] | None = None  # (size, crop), for quick runs and tests
        self.batch_size = 4
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.process.cancel)
        self.process.step.connect(self._on_step)
        self.process.epoch_done.connect(self._on_epoch)
        self.process.notice.connect(lambda text: self.message.emit(text, False))
        self.process.finished.connect(self._on_finished)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Dataset folder", self.dataset.text())
        if folder:
            self.dataset.setText(folder)

    def request(self) -> TrainingRequest:
        """The request the form describes, with a fresh run folder."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        run_dir = data_dir() / "runs" / f"{self.name.text() or 'run'}-{stamp}"
        size, crop = self.size_override or (None, None)
        return TrainingRequest(
            dataset=Path(self.dataset.text()), run_dir=run_dir, arch=self.arch.currentText(),
            init=self.init.currentText(), epochs=self.epochs.value(), loss=self.loss.currentText(),
            batch_size=self.batch_size, size=size, crop=crop,
        )

    def start(self) -> None:
        """Start fine-tuning with the form's settings."""
        if not self.dataset.text() or not Path(self.dataset.text()).is_dir():
            self.message.emit("choose a dataset folder first", True)
            return
        self.plot.clear()
        self.progress.setRange(0, self.epochs.value())
        self.progress.setValue(0)
        self.progress.setFormat("starting…")
        self.status.setText("")
        self.process.start(self.request())
        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)

    def _on_step(self, epoch: int, step: int, loss: float) -> None:
        self.plot.add(loss)
        self.progress.setFormat(f"epoch {epoch}/{self.epochs.value()} · step {step}")

    def _on_epoch(self, epoch: int, metrics: dict) -> None:
        self.progress.setValue(epoch)
        shown = "  ".join(f"{k} {v:.3f}" for k, v in metrics.items() if isinstance(v, (int, float)))
        self.status.setText(f"epoch {epoch}: {shown}" if epoch else f"before training: {shown}")

    def _on_finished(self, ok: bool, text: str) -> None:
        self.start_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.progress.setFormat(text)
        checkpoint = self.process.best_path or self.process.last_path
        if not ok or not checkpoint:
            self.message.emit(text if not ok else "training finished without a checkpoint", True)
            return
        try:
            target = install_run_checkpoint(Path(checkpoint), self.name.text() or "fine-tuned")
        except OSError as exc:
            self.message.emit(f"could not install the new model: {exc}", True)
            return
        self.progress.setValue(self.progress.maximum())
        self.message.emit(f"new model {target.stem!r} is in the model picker", False)
        self.model_installed.emit(target.stem, str(target))

    def shutdown(self) -> None:
        """Stop a running child when the studio closes."""
        self.process.stop_now()
