"""The Tools panel: the active tool's options (only those that apply to it) and the whole-mask commands.

The tool buttons themselves live in the tool bar left of the canvas (the same actions, so one click
or key picks a tool everywhere); this panel stays short enough that the View tab fits a laptop screen.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QSlider, QSpinBox, QVBoxLayout, QWidget

from u2studio.gui.editing.tools import MAX_SIZE, MIN_SIZE, Tool, ToolSettings

# whole-mask commands as labelled buttons: name -> short label
MASK_COMMANDS = {"grow": "Grow", "shrink": "Shrink", "smooth": "Smooth", "invert": "Invert", "clear": "Clear", "reset": "Reset"}
BRUSHES = (Tool.BRUSH, Tool.ERASER)
# which option rows each tool shows (the grow/shrink radius is always there: the commands use it)
OPTIONS_OF: dict[str, tuple[Tool, ...]] = {
    "size": BRUSHES,
    "hardness": BRUSHES,
    "opacity": BRUSHES,
    "tolerance": (Tool.FLOOD,),
    "refine_width": (Tool.REFINE,),
    "cut": (Tool.LASSO, Tool.POLYGON, Tool.FLOOD),
}


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
        self.tool_actions = tool_actions
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 0)
        self.box = QGroupBox("Correct the mask")
        column = QVBoxLayout(self.box)
        self.form = QFormLayout()
        self.size = _slider(int(MIN_SIZE), 400)
        self.hardness = _slider(0, 100)
        self.opacity = _slider(5, 100)
        self.tolerance = _slider(0, 128)
        self.refine_width = _slider(4, 200)
        self.radius = QSpinBox()
        self.radius.setRange(1, 50)
        self.radius.setSuffix(" px")
        self.cut = QPushButton(commands["cut"].icon(), "Cut instead of fill")
        self.cut.setCheckable(True)
        self.cut.setToolTip(commands["cut"].toolTip())
        self.cut.toggled.connect(lambda on: commands["cut"].setChecked(on))
        commands["cut"].toggled.connect(self.cut.setChecked)
        self.value_labels: dict[str, QLabel] = {}
        self.rows: dict[str, QWidget] = {}
        for name, title, widget in (
            ("size", "Size", self.size),
            ("hardness", "Hardness", self.hardness),
            ("opacity", "Opacity", self.opacity),
            ("tolerance", "Fill tolerance", self.tolerance),
            ("refine_width", "Refine band", self.refine_width),
        ):
            label = QLabel()
            label.setMinimumWidth(label.fontMetrics().horizontalAdvance("1000 px") + 4)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.value_labels[name] = label
            row = QWidget()
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            line.addWidget(widget, 1)
            line.addWidget(label)
            self.form.addRow(title, row)
            self.rows[name] = row
        self.form.addRow(self.cut)
        self.rows["cut"] = self.cut
        self.form.addRow("Grow/shrink radius", self.radius)
        column.addLayout(self.form)
        grid = QGridLayout()
        grid.setSpacing(4)
        for i, (name, text) in enumerate(MASK_COMMANDS.items()):
            grid.addWidget(_labelled(commands[name], text), i // 3, i % 3)
        column.addLayout(grid)
        layout.addWidget(self.box)
        self._updating = False
        self.size.valueChanged.connect(lambda v: self._emit(size=float(v)))
        self.hardness.valueChanged.connect(lambda v: self._emit(hardness=v / 100))
        self.opacity.valueChanged.connect(lambda v: self._emit(opacity=v / 100))
        self.tolerance.valueChanged.connect(lambda v: self._emit(tolerance=float(v)))
        self.refine_width.valueChanged.connect(lambda v: self._emit(refine_width=float(v)))
        self.radius.valueChanged.connect(lambda v: self._emit(morph_radius=int(v)))

    def show_settings(self, s: ToolSettings) -> None:
        """Move the controls to ``s`` without emitting ``changed``; show only the active tool's options."""
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
        tool_name = self.tool_actions[s.tool].text().split(":")[0].split(" (")[0]
        self.box.setTitle(f"Correct the mask · {tool_name}")
        for name, tools in OPTIONS_OF.items():
            self.form.setRowVisible(self.rows[name], s.tool in tools)

    def _emit(self, **change: object) -> None:
        if not self._updating:
            self.changed.emit(change)
