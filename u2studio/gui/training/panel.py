"""The fine-tune panel: open the Fine-tune dialog, run the training child, watch its loss, review and install."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from u2studio.core.atomic import atomic_write_bytes
from u2studio.core.installed import install_run_checkpoint
from u2studio.core.paths import data_dir, safe_model_name
from u2studio.core.run_report import RunReport, RunReportError, read_run_report
from u2studio.gui.common.folder_field import FolderField
from u2studio.gui.training.dialog import FineTuneChoice, FineTuneDialog
from u2studio.gui.training.loss_plot import LossPlot
from u2studio.gui.training.process import TrainingProcess, TrainingRequest
from u2studio.gui.training.recipe import RecipeError, load_recipe
from u2studio.gui.training.results import ResultsView

UNLABELED = "unlabeled-input"  # in the run folder: copies of the session's other images
BEST = "best.safetensors"  # the guard's pick: the accepted weights, or the starting ones when it declined


def gather_unlabeled(images: tuple[Path, ...], folder: Path) -> Path:
    """Copy the session's images into one folder for ``--unlabeled`` (numbered: names may repeat)."""
    for index, image in enumerate(images):
        if image.is_file():
            atomic_write_bytes(folder / f"{index:05d}-{safe_model_name(image.stem)}{image.suffix.lower()}", image.read_bytes())
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class TrainingPanel(QWidget):
    """Fine-tunes a model on a dataset folder in a child process; a crash there never reaches the studio."""

    model_installed = Signal(str, str)  # model name, path
    message = Signal(str, bool)  # text, is_error
    report_ready = Signal(object)  # RunReport

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.process = TrainingProcess(self)
        self.dataset = FolderField("", "dataset folder (im/ + gt/)", "Dataset folder")
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
        column.addWidget(self.dataset)
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
        self.total_steps: int | None = None
        self.total_epochs = 1
        self.phase = ""  # which training of a cross-validated fine-tune is running ("fold 1/2", "refit on every pair")
        # the session's open images, offered for distillation by the panel's own button too (set by the dataset side)
        self.open_images: Callable[[], tuple[Path, ...]] = tuple
        self.start_button.clicked.connect(lambda: self.open_dialog(others=self.open_images()))
        self.cancel_button.clicked.connect(self.process.cancel)
        self.results.install_requested.connect(self.install)
        self.results.discard_requested.connect(self.discard)
        self.process.run_started.connect(self._on_run_started)
        self.process.step.connect(self._on_step)
        self.process.epoch_done.connect(self._on_epoch)
        self.process.notice.connect(lambda text: self.message.emit(text, False))
        self.process.finished.connect(self._on_finished)

    def open_dialog(self, dataset: str | None = None, others: tuple[Path, ...] = ()) -> FineTuneDialog | None:
        """Show the Fine-tune dialog (window-modal, not blocking), pre-filled with ``dataset`` or the panel's.

        ``others`` are the session's open images: offered for distillation (``--unlabeled``).
        """
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
        dialog = FineTuneDialog(recipe, self.dataset.text(), others, self)
        dialog.accepted.connect(lambda: self.start(dialog.choice()))
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return dialog

    def follow_dataset(self, root: str | None) -> None:
        """Show the dataset just opened in the studio in the dataset field (the Fine-tune button then starts from it);
        kept while a run is going, so the field always names what is training."""
        if root and not self.process.running:
            self.dataset.setText(root)

    def request(self, choice: FineTuneChoice) -> TrainingRequest:
        """The trainer request for ``choice``, with a fresh run folder."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        run_dir = data_dir() / "runs" / f"{safe_model_name(choice.name, 'fine-tuned')}-{stamp}"
        quick = ["--size", str(self.size_override[0]), "--crop", str(self.size_override[1])] if self.size_override else []
        return TrainingRequest(choice.dataset, run_dir, choice.arch, choice.init, (*choice.flags(), *quick))

    def start(self, choice: FineTuneChoice) -> None:
        """Start fine-tuning as chosen in the dialog."""
        if not str(choice.dataset) or not choice.dataset.is_dir():
            self.message.emit("choose a dataset folder first", True)
            return
        request = self.request(choice)
        if choice.unlabeled:
            try:
                folder = gather_unlabeled(choice.unlabeled, request.run_dir / UNLABELED)
            except OSError as exc:
                self.message.emit(f"could not gather the other open images: {exc}", True)
                return
            request = replace(request, options=(*request.options, "--unlabeled", str(folder)))
        self.choice, self.run_dir, self.report, self.total_steps, self.phase = choice, request.run_dir, None, None, ""
        self.dataset.setText(str(choice.dataset))
        self.plot.clear()
        self.results.hide()
        self.progress.setRange(0, 0)  # busy until the trainer says how long the run is
        self.progress.setFormat("starting…")
        self.status.setText("")
        self.process.start(request)
        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)

    def _on_run_started(self, event: dict) -> None:
        steps, epochs = event.get("steps") or event.get("max_steps"), event.get("epochs")
        self.total_steps = steps if isinstance(steps, int) and steps > 0 else None
        self.total_epochs = epochs if isinstance(epochs, int) and epochs > 0 else 1
        self.progress.setRange(0, self.total_steps or self.total_epochs)
        self.progress.setValue(0)
        counts = f"training on {event.get('train', '?')} pairs"
        if event.get("val"):
            counts += f", judging on {event.get('val')} held-out pairs"
        phase = event.get("phase")  # the cross-validated fine-tune: "fold 1/3", ..., "refit on every pair"
        self.phase = phase if isinstance(phase, str) else ""
        self.progress.setFormat(self._with_phase("starting"))
        self.status.setText(f"{phase}: {counts}" if self.phase else counts)

    def _with_phase(self, text: str) -> str:
        """``text`` after the current training's phase, so a count that starts again names the training it counts."""
        return f"{self.phase} · {text}" if self.phase else text

    def _on_step(self, epoch: int, step: int, loss: float) -> None:
        self.plot.add(loss)
        if self.total_steps:
            self.progress.setValue(min(step, self.total_steps))
            self.progress.setFormat(self._with_phase(f"step {step}/{self.total_steps}"))
        else:
            self.progress.setFormat(self._with_phase(f"epoch {epoch}/{self.total_epochs} · step {step}"))

    def _on_epoch(self, epoch: int, metrics: dict) -> None:
        if not self.total_steps and epoch:
            self.progress.setValue(min(epoch, self.progress.maximum()))
        shown = "  ".join(f"{k} {v:.3f}" for k, v in metrics.items() if isinstance(v, (int, float)))
        if shown:
            self.status.setText(self._with_phase(f"epoch {epoch}: {shown}" if epoch else f"before training: {shown}"))

    def _on_finished(self, ok: bool, text: str) -> None:
        self.start_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.progress.setFormat(text)
        if not ok or self.run_dir is None:
            self.progress.setRange(0, 1)
            self.message.emit(text, True)
            return
        try:
            self.report = read_run_report(self.run_dir)
        except RunReportError as exc:
            self.status.setText(f"{exc}. Nothing was installed.")
            self.message.emit("the run has no before/after report, so its model was not installed", True)
            return
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
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
