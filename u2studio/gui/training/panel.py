"""The fine-tune panel: open the Fine-tune dialog, run the training child, watch its loss, review and install."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QLineEdit, QProgressBar, QPushButton, QVBoxLayout, QWidget

from u2studio.core.installed import install_run_checkpoint
from u2studio.core.paths import data_dir
from u2studio.core.run_report import RunReport, RunReportError, read_run_report
from u2studio.gui.training.dialog import FineTuneChoice, FineTuneDialog
from u2studio.gui.training.loss_plot import LossPlot
from u2studio.gui.training.process import TrainingProcess, TrainingRequest
from u2studio.gui.training.recipe import RecipeError, load_recipe
from u2studio.gui.training.results import ResultsView

BEST = "best.safetensors"  # the guard's pick: the accepted weights, or the starting ones when it declined


class TrainingPanel(QWidget):
    """Fine-tunes a model on a dataset folder in a child process; a crash there never reaches the studio."""

    model_installed = Signal(str, str)  # model name, path
    message = Signal(str, bool)  # text, is_error
    report_ready = Signal(object)  # RunReport

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.process = TrainingProcess(self)
        self.dataset = QLineEdit()
        self.dataset.setPlaceholderText("dataset folder (im/ + gt/)")
        browse = QPushButton("…")
        browse.setFixedWidth(28)
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.dataset)
        row.addWidget(browse)
        self.start_button = QPushButton("Fine-tune…")
        self.start_button.setToolTip("Choose how to fine-tune on this dataset")
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
        self.results = ResultsView()
        self.results.hide()
        column = QVBoxLayout(self)
        column.addLayout(row)
        column.addLayout(buttons)
        column.addWidget(self.progress)
        column.addWidget(self.plot)
        column.addWidget(self.status)
        column.addWidget(self.results)
        column.addStretch(1)
        self.size_override: tuple[int, int] | None = None  # (size, crop), for quick runs and tests
        self.dialog: FineTuneDialog | None = None
        self.choice: FineTuneChoice | None = None
        self.run_dir: Path | None = None
        self.report: RunReport | None = None
        self.start_button.clicked.connect(lambda: self.open_dialog())
        self.cancel_button.clicked.connect(self.process.cancel)
        self.results.install_requested.connect(self.install)
        self.results.discard_requested.connect(self.discard)
        self.process.step.connect(self._on_step)
        self.process.epoch_done.connect(self._on_epoch)
        self.process.notice.connect(lambda text: self.message.emit(text, False))
        self.process.finished.connect(self._on_finished)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Dataset folder", self.dataset.text())
        if folder:
            self.dataset.setText(folder)

    def open_dialog(self, dataset: str | None = None) -> FineTuneDialog | None:
        """Show the Fine-tune dialog (window-modal, not blocking), pre-filled with ``dataset`` or the panel's."""
        if self.process.running:
            self.message.emit("a fine-tuning run is already going", True)
            return None
        try:
            recipe = load_recipe()
        except RecipeError as exc:
            self.message.emit(str(exc), True)
            return None
        if dataset is not None:
            self.dataset.setText(dataset)
        dialog = FineTuneDialog(recipe, self.dataset.text(), self)
        dialog.accepted.connect(lambda: self.start(dialog.choice()))
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return dialog

    def request(self, choice: FineTuneChoice) -> TrainingRequest:
        """The trainer request for ``choice``, with a fresh run folder."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        run_dir = data_dir() / "runs" / f"{choice.name}-{stamp}"
        size, crop = self.size_override or (None, None)
        return TrainingRequest(
            dataset=choice.dataset, run_dir=run_dir, arch=choice.arch, init=choice.init, epochs=choice.epochs,
            max_steps=choice.max_steps, batch_size=choice.batch_size, device=choice.device,
            val_percent=choice.val_percent, size=size, crop=crop,
        )

    def start(self, choice: FineTuneChoice) -> None:
        """Start fine-tuning as chosen in the dialog."""
        if not str(choice.dataset) or not choice.dataset.is_dir():
            self.message.emit("choose a dataset folder first", True)
            return
        request = self.request(choice)
        self.choice, self.run_dir, self.report = choice, request.run_dir, None
        self.dataset.setText(str(choice.dataset))
        self.plot.clear()
        self.results.hide()
        self.progress.setRange(0, choice.max_steps or choice.epochs)
        self.progress.setValue(0)
        self.progress.setFormat("starting…")
        self.status.setText("")
        self.process.start(request)
        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)

    def _on_step(self, epoch: int, step: int, loss: float) -> None:
        self.plot.add(loss)
        if self.choice is not None and self.choice.max_steps:
            self.progress.setValue(min(step, self.choice.max_steps))
            self.progress.setFormat(f"step {step}/{self.choice.max_steps}")
        elif self.choice is not None:
            self.progress.setFormat(f"epoch {epoch}/{self.choice.epochs} · step {step}")

    def _on_epoch(self, epoch: int, metrics: dict) -> None:
        if self.choice is not None and not self.choice.max_steps:
            self.progress.setValue(epoch)
        shown = "  ".join(f"{k} {v:.3f}" for k, v in metrics.items() if isinstance(v, (int, float)))
        self.status.setText(f"epoch {epoch}: {shown}" if epoch else f"before training: {shown}")

    def _on_finished(self, ok: bool, text: str) -> None:
        self.start_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.progress.setFormat(text)
        if not ok or self.run_dir is None:
            self.message.emit(text, True)
            return
        try:
            self.report = read_run_report(self.run_dir)
        except RunReportError as exc:
            self.status.setText(f"{exc}. Nothing was installed.")
            self.message.emit("the run has no before/after report, so its model was not installed", True)
            return
        self.progress.setValue(self.progress.maximum())
        self.results.show_report(self.report)
        verdict = "beat the starting model: review it and install it" if self.report.accepted else "did not beat the starting model (declined)"
        self.message.emit(f"fine-tuning finished; the new model {verdict}", False)
        self.report_ready.emit(self.report)

    def install(self) -> Path | None:
        """Install the run's accepted weights under the chosen name, with what they were trained on and scored."""
        if self.report is None or self.run_dir is None or self.choice is None:
            return None
        if not self.report.accepted:
            self.message.emit("the guard declined these weights; nothing to install", True)
            return None
        try:
            target = install_run_checkpoint(self.run_dir / BEST, self.choice.name, self.report.summary(str(self.choice.dataset)))
        except OSError as exc:
            self.message.emit(f"could not install the new model: {exc}", True)
            return None
        self.results.install_button.setEnabled(False)
        self.status.setText(f"installed as {target.stem!r}")
        self.message.emit(f"new model {target.stem!r} is in the model picker", False)
        self.model_installed.emit(target.stem, str(target))
        return target

    def discard(self) -> None:
        """Leave the run's weights where they are, install nothing."""
        self.results.hide()
        self.status.setText("the new weights were not installed" + (f" (they stay in {self.run_dir})" if self.run_dir else ""))

    def shutdown(self) -> None:
        """Stop a running child when the studio closes."""
        self.process.stop_now()
