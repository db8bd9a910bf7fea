"""The Fine-tune dialog: dataset, length (steps or epochs), batch size, device and validation share.

Every field starts at the training recipe's default (``u2studio train --print-defaults``), so a run
started without touching anything is exactly ``u2studio train --data DS --arch ARCH --init bundled``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from u2studio.gui.training.recipe import Recipe

EPOCHS, STEPS = "epochs", "steps"


@dataclass(frozen=True)
class FineTuneChoice:
    """What the user asked for; ``max_steps`` is None when the run is measured in epochs."""

    dataset: Path
    name: str
    arch: str
    init: str
    epochs: int
    max_steps: int | None
    batch_size: int
    device: str
    val_percent: float


class FineTuneDialog(QDialog):
    """Asks how to fine-tune; ``choice()`` reads the answer after it is accepted."""

    def __init__(self, recipe: Recipe, dataset: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Fine-tune")
        self.setObjectName("fine_tune_dialog")
        self.recipe = recipe
        self.dataset = QLineEdit(dataset)
        self.dataset.setPlaceholderText("dataset folder (im/ + gt/, or a u2studio dataset)")
        browse = QPushButton("…")
        browse.setFixedWidth(28)
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.dataset)
        row.addWidget(browse)
        self.arch = QComboBox()
        self.arch.addItems(recipe.options("arch", ["u2netp", "u2net", "isnet"]))
        self.arch.setCurrentText("u2netp")
        self.init = QComboBox()
        self.init.addItems(["bundled", "scratch"])
        self.init.setCurrentText(str(recipe.defaults.get("init") or "bundled"))
        self.length = QSpinBox()
        self.length.setRange(1, 1_000_000)
        self.unit = QComboBox()
        self.unit.addItems([EPOCHS, STEPS])
        length_row = QHBoxLayout()
        length_row.addWidget(self.length, 1)
        length_row.addWidget(self.unit)
        self.batch_size = QSpinBox()
        self.batch_size.setRange(1, 256)
        self.batch_size.setValue(recipe.int_default("batch_size", 4))
        self.device = QComboBox()
        self.device.addItems(recipe.options("device", ["auto", "cpu", "cuda", "mps"]))
        self.device.setCurrentText(str(recipe.defaults.get("device") or "auto"))
        self.val_percent = QDoubleSpinBox()
        self.val_percent.setRange(0.0, 90.0)
        self.val_percent.setDecimals(1)
        self.val_percent.setSuffix(" %")
        self.val_percent.setValue(recipe.float_default("val_percent", 25.0))
        self.val_percent.setToolTip("Share of the pairs held out to judge the new model against the one you start from")
        self.name = QLineEdit("fine-tuned")
        form = QFormLayout()
        form.addRow("Dataset", row)
        form.addRow("Model", self.arch)
        form.addRow("Start from", self.init)
        form.addRow("Train for", length_row)
        form.addRow("Batch size", self.batch_size)
        form.addRow("Device", self.device)
        form.addRow("Validation share", self.val_percent)
        form.addRow("Save as", self.name)
        note = QLabel("The defaults are the training recipe's. The new model is installed only if you accept it.")
        note.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Start fine-tuning")
        self.buttons.accepted.connect(self._accept_if_valid)
        self.buttons.rejected.connect(self.reject)
        self.problem = QLabel("")
        self.problem.setStyleSheet("color: #e07070")
        column = QVBoxLayout(self)
        column.addLayout(form)
        column.addWidget(note)
        column.addWidget(self.problem)
        column.addWidget(self.buttons)
        self.unit.currentTextChanged.connect(self._unit_changed)
        steps = recipe.defaults.get("max_steps")
        self.unit.setCurrentText(STEPS if isinstance(steps, int) else EPOCHS)
        self._unit_changed(self.unit.currentText())

    def _unit_changed(self, unit: str) -> None:
        if unit == STEPS:
            steps = self.recipe.defaults.get("max_steps")
            self.length.setValue(steps if isinstance(steps, int) else 100)
        else:
            self.length.setValue(self.recipe.int_default("epochs", 10))

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Dataset folder", self.dataset.text())
        if folder:
            self.dataset.setText(folder)

    def _accept_if_valid(self) -> None:
        if not self.dataset.text() or not Path(self.dataset.text()).is_dir():
            self.problem.setText("choose a dataset folder first")
            return
        self.accept()

    def choice(self) -> FineTuneChoice:
        """The settings as chosen (each one starts at the recipe's default)."""
        length = self.length.value()
        steps = length if self.unit.currentText() == STEPS else None
        # in steps mode, enough epochs to reach the step count (every epoch takes at least one step)
        epochs = length if steps is None else max(self.recipe.int_default("epochs", 10), length)
        return FineTuneChoice(
            dataset=Path(self.dataset.text()), name=self.name.text().strip() or "fine-tuned",
            arch=self.arch.currentText(), init=self.init.currentText(), epochs=epochs, max_steps=steps,
            batch_size=self.batch_size.value(), device=self.device.currentText(), val_percent=self.val_percent.value(),
        )
