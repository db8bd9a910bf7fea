"""Model and device pickers for the toolbar, filled from the worker's catalog."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from u2studio.inference.catalog import Catalog


class ModelPicker(QWidget):
    """Two combo boxes; emits ``model_chosen`` and ``device_chosen`` with their names."""

    model_chosen = Signal(str)
    device_chosen = Signal(str)

    def __init__(self, model: str, device: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        self.models = QComboBox()
        self.models.setMinimumWidth(170)
        self.models.addItem(model, model)
        self.devices = QComboBox()
        self.devices.addItem(device, device)
        self.models.setToolTip("Model used for new runs")
        self.devices.setToolTip("Where inference runs; auto picks CUDA, then MPS, then the CPU")
        layout.addWidget(QLabel("Model"))
        layout.addWidget(self.models)
        layout.addSpacing(8)
        layout.addWidget(QLabel("Device"))
        layout.addWidget(self.devices)
        self.models.activated.connect(lambda _i: self.model_chosen.emit(str(self.models.currentData())))
        self.devices.activated.connect(lambda _i: self.device_chosen.emit(str(self.devices.currentData())))

    def set_catalog(self, catalog: Catalog, model: str, device: str) -> None:
        """Offer the installed models and present devices, keeping the current choices when possible."""
        self.models.clear()
        for choice in catalog.models:
            self.models.addItem(choice.name, choice.name)
            tip = f"{choice.label}\n{choice.description}" if choice.description else choice.label
            self.models.setItemData(self.models.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        self.devices.clear()
        for name in catalog.devices:
            self.devices.addItem(name, name)
        self.models.setCurrentIndex(max(self.models.findData(model), 0))
        self.devices.setCurrentIndex(max(self.devices.findData(device), 0))
