"""The Tools panel: tool buttons, the active tool's options (size, hardness, opacity, tolerance, radius) and mask commands."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QSlider, QSpinBox, QToolButton, QVBoxLayout, QWidget

from u2studio.gui.editing.tools import MAX_SIZE, MIN_SIZE, Tool, ToolSettings

COMMAND_ROW = ("undo", "redo", "cut")
# whole-mask commands as labelled buttons: name -> short label
MASK_COMMANDS = {"grow": "Grow", "shrink": "Shrink", "smooth": "Smooth", "invert": "Invert", "clear": "Clear", "reset": "Reset"}


def _button(action: QAction) -> QToolButton:
    button = QToolButton()
    button.setDefaultAction(action)
    button.setAutoRaise(True)
    return button


def _labelled(action: QAction, text: str) -> QPushButton:
    """A push button with the action's icon, a short label and its tooltip, that triggers it."""
    button = QPushButton(action.icon(), text)
    button.setToolTip(action.toolTip())
    button.clicked.connect(action.trigger)
    return button


def _slider(low: int, high: int) -> QSlider:
    slider = QSlider(Qt.Orientation.Horizontal)
    slider.setRange(low, high)
    return slider


class ToolPanel(QWidget):
    """Shows and edits ToolSettings; ``changed`` carries the option that changed as keyword arguments."""

    changed = Signal(dict)

    def __init__(self, tool_actions: dict[Tool, QAction], commands: dict[str, QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 0)
        box = QGroupBox("Correct the mask")
        column = QVBoxLayout(box)
        tools = QGridLayout()
        tools.setSpacing(2)
        for i, action in enumerate(tool_actions.values()):
            tools.addWidget(_button(action), i // 7, i % 7)
        column.addLayout(tools)
        form = QFormLayout()
        self.size = _slider(int(MIN_SIZE), 400)
        self.hardness = _slider(0, 100)
        self.opacity = _slider(5, 100)
        self.tolerance = _slider(0, 128)
        self.refine_width = _slider(4, 200)
        self.radius = QSpinBox()
        self.radius.setRange(1, 50)
        self.radius.setSuffix(" px")
        self.value_labels: dict[str, QLabel] = {}
        for name, title, widget in (
            ("size", "Size", self.size),
            ("hardness", "Hardness", self.hardness),
            ("opacity", "Opacity", self.opacity),
            ("tolerance", "Fill tolerance", self.tolerance),
            ("refine_width", "Refine band", self.refine_width),
        ):
            label = QLabel()
            label.setMinimumWidth(44)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.value_labels[name] = label
            row = QHBoxLayout()
            row.addWidget(widget, 1)
            row.addWidget(label)
            form.addRow(title, row)
        form.addRow("Grow/shrink radius", self.radius)
        column.addLayout(form)
        commands_row = QHBoxLayout()
        commands_row.setSpacing(2)
        for name in COMMAND_ROW:
            commands_row.addWidget(_button(commands[name]))
        commands_row.addStretch(1)
        column.addLayout(commands_row)
        grid = QGridLayout()
        grid.setSpacing(4)
        for i, (name, text) in enumerate(MASK_COMMANDS.items()):
            grid.addWidget(_labelled(commands[name], text), i // 3, i % 3)
        column.addLayout(grid)
        layout.addWidget(box)
        self._updating = False
        self.size.valueChanged.connect(lambda v: self._emit(size=float(v)))
        self.hardness.valueChanged.connect(lambda v: self._emit(hardness=v / 100))
        self.opacity.valueChanged.connect(lambda v: self._emit(opacity=v / 100))
        self.tolerance.valueChanged.connect(lambda v: self._emit(tolerance=float(v)))
        self.refine_width.valueChanged.connect(lambda v: self._emit(refine_width=float(v)))
        self.radius.valueChanged.connect(lambda v: self._emit(morph_radius=int(v)))

    def show_settings(self, s: ToolSettings) -> None:
        """Move the controls to ``s`` without emitting ``changed``."""
        self._updating = True
        self.size.setValue(int(round(min(s.size, 400))))
        self.hardness.setValue(int(round(s.hardness * 100)))
        self.opacity.setValue(int(round(s.opacity * 100)))
        self.tolerance.setValue(int(round(s.tolerance)))
        self.refine_width.setValue(int(round(s.refine_width)))
        self.radius.setValue(s.morph_radius)
        self._updating = False
        self.value_labels["size"].setText(f"{s.size:.0f} px" if s.size < MAX_SIZE else "max")
        self.value_labels["hardness"].setText(f"{s.hardness * 100:.0f} %")
        self.value_labels["opacity"].setText(f"{s.opacity * 100:.0f} %")
        self.value_labels["tolerance"].setText(f"{s.tolerance:.0f}")
        self.value_labels["refine_width"].setText(f"{s.refine_width:.0f} px")
        brush = s.tool in (Tool.BRUSH, Tool.ERASER)
        for name, on in (("hardness", brush), ("opacity", brush), ("size", brush),
                         ("tolerance", s.tool is Tool.FLOOD), ("refine_width", s.tool is Tool.REFINE)):
            getattr(self, name).setEnabled(on)
            self.value_labels[name].setEnabled(on)

    def _emit(self, **change: object) -> None:
        if not self._updating:
            self.changed.emit(change)
