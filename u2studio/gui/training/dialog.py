"""The Fine-tune dialog: dataset, length (steps or epochs), batch size, device and validation share.

Every field starts at the training recipe's default (``u2studio train --print-defaults``), so a run
started without touching anything is exactly ``u2studio train --data DS --arch ARCH --init bundled``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from u2studio.gui.common.folder_field import FolderField
from u2studio.gui.training.recipe import Recipe

AUTO, EPOCHS, STEPS = "as the recipe decides", "epochs", "steps"


@dataclass(frozen=True)
class FineTuneChoice:
    """What the user asked for: the dataset, the model, and only the options changed from the recipe's defaults."""

    dataset: Path
    name: str
    arch: str
    init: str
    overrides: dict[str, str] = field(default_factory=dict)  # option destination (``batch_size``) -> value
    unlabeled: tuple[Path, ...] = ()  # the session's other images, for distillation (``--unlabeled``)

    def flags(self) -> list[str]:
        """The overrides as ``u2studio train`` flags."""
        return [item for dest, value in self.overrides.items() for item in (f"--{dest.replace('_', '-')}", value)]

    def length(self) -> tuple[str, int] | None:
        """(``"steps"`` or ``"epochs"``, count) when the user set the run's length, else None."""
        for dest, unit in (("max_steps", STEPS), ("epochs", EPOCHS)):
            if dest in self.overrides:
                return unit, int(self.overrides[dest])
        return None


class FineTuneDialog(QDialog):
    """Asks how to fine-tune; ``choice()`` reads the answer after it is accepted."""

    def __init__(self, recipe: Recipe, dataset: str, others: tuple[Path, ...] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.others = others
        self.setWindowTitle("Fine-tune")
        self.setObjectName("fine_tune_dialog")
        self.recipe = recipe
        self.dataset = FolderField(dataset, "dataset folder (im/ + gt/, or a u2studio dataset)", "Dataset folder")
        self.arch = QComboBox()
        self.arch.addItems(recipe.options("arch", ["u2netp", "u2net", "isnet"]))
        self.arch.setCurrentText("u2netp")
        self.init = QComboBox()
        self.init.addItems(["bundled", "scratch"])
        self.init.setCurrentText(str(recipe.defaults.get("init") or "bundled"))
        self.length = QSpinBox()
        self.length.setRange(1, 1_000_000)
        self.unit = QComboBox()
        # a recipe may size the run from the data (its epochs default is then None)
        self.unit.addItems(([AUTO] if recipe.defaults.get("epochs") is None else []) + [EPOCHS, STEPS])
        length_row = QHBoxLayout()
        length_row.addWidget(self.length, 1)
        length_row.addWidget(self.unit)
        self.batch_size = QSpinBox()
        self.batch_size.setRange(0, 256)
        self.batch_size.setSpecialValueText("recipe's")  # shown at 0, when the recipe picks the batch
        self.batch_size.setValue(recipe.int_default("batch_size", 0))
        self.device = QComboBox()
        self.device.addItems(recipe.options("device", ["auto", "cpu", "cuda", "mps"]))
        self.device.setCurrentText(str(recipe.defaults.get("device") or "auto"))
        self.val_percent = QDoubleSpinBox()
        self.val_percent.setRange(0.0, 90.0)
        self.val_percent.setDecimals(1)
        self.val_percent.setSuffix(" %")
        self.val_percent.setSpecialValueText("recipe's")  # shown at 0, when the recipe picks the share
        self.val_percent.setValue(self._share_default())
        for widget, dest in ((self.length, "max_steps"), (self.unit, "epochs"), (self.batch_size, "batch_size"),
                             (self.device, "device"), (self.val_percent, "val_percent"), (self.init, "init")):
            widget.setToolTip(recipe.help.get(dest, ""))
        self.name = QLineEdit("fine-tuned")
        self.use_others = QCheckBox(f"Also learn from the {len(others)} other open image{'s' if len(others) != 1 else ''}")
        self.use_others.setToolTip(recipe.help.get("unlabeled", "") + " (copies of the dataset's pairs are skipped)")
        self.use_others.setChecked(bool(others))
        self.offers_others = bool(others) and "unlabeled" in recipe.defaults  # a trainer with --unlabeled
        self.use_others.setVisible(self.offers_others)
        form = QFormLayout()
        form.addRow("Dataset", self.dataset)
        form.addRow("Model", self.arch)
        form.addRow("Start from", self.init)
        form.addRow("Train for", length_row)
        form.addRow("Batch size", self.batch_size)
        form.addRow("Device", self.device)
        form.addRow("Validation share", self.val_percent)
        form.addRow("Save as", self.name)
        form.addRow("", self.use_others)
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
        if self.unit.findText(AUTO) < 0:
            self.unit.setCurrentText(STEPS if isinstance(self._default(STEPS), int) else EPOCHS)
        self._unit_changed(self.unit.currentText())

    def _share_default(self) -> float:
        return self.recipe.float_default("val_percent", 0.0)  # 0 shows "recipe's"

    def _default(self, unit: str) -> object:
        return self.recipe.defaults.get("max_steps" if unit == STEPS else "epochs")

    def _unit_changed(self, unit: str) -> None:
        self.length.setEnabled(unit != AUTO)
        self.length.setVisible(unit != AUTO)  # a greyed "10" beside "as the recipe decides" read as ten of something
        default = self._default(unit)
        self.length.setValue(default if isinstance(default, int) else (100 if unit == STEPS else 10))

    def _accept_if_valid(self) -> None:
        if not self.dataset.text() or not Path(self.dataset.text()).is_dir():
            self.problem.setText("choose a dataset folder first")
            return
        self.accept()

    def choice(self) -> FineTuneChoice:
        """The settings as chosen; an option left at the recipe's default is not passed, so the trainer applies its own."""
        defaults, overrides = self.recipe.defaults, {}
        unit, length = self.unit.currentText(), self.length.value()
        if unit == EPOCHS and defaults.get("epochs") != length:
            overrides["epochs"] = str(length)
        elif unit == STEPS and defaults.get("max_steps") != length:
            overrides["max_steps"] = str(length)
            epochs = defaults.get("epochs")
            if isinstance(epochs, int) and epochs < length:
                overrides["epochs"] = str(length)  # enough epochs to reach the step count (each takes ≥ 1 step)
        batch = self.batch_size.value()
        if batch and defaults.get("batch_size") != batch:
            overrides["batch_size"] = str(batch)
        if defaults.get("device") != self.device.currentText():
            overrides["device"] = self.device.currentText()
        share = self.val_percent.value()
        if share and abs(share - self._share_default()) > 1e-9:
            overrides["val_percent"] = f"{share:g}"
        others = self.others if self.offers_others and self.use_others.isChecked() else ()
        return FineTuneChoice(Path(self.dataset.text()), self.name.text().strip() or "fine-tuned",
                              self.arch.currentText(), self.init.currentText(), overrides, others)
