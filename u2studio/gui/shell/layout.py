"""The window's dock layout: which panel goes where, the default sizes that leave the canvas most of the
width, and saving/restoring it so dock sizes come back as the person left them."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QScrollArea, QVBoxLayout, QWidget

# bump when docks or toolbars change, so a layout saved by an older version is ignored instead of
# misapplied (4: the right-hand panels scroll and the defaults give the canvas >= 60 % of the width)
LAYOUT_VERSION = 4
LEFT_WIDTH = 220  # the filmstrip: a 56-px thumbnail and about 20 characters of name
RIGHT_WIDTH = 340  # the View / Fine-tune / Dataset tabs
MIN_LEFT_WIDTH = 150
DEFAULT_SIZE = (1400, 880)
WIDTHS_KEY = "dock_widths"  # "name=width,name=width": applied after the window is shown


def scrolled(widget: QWidget) -> QScrollArea:
    """``widget`` in a frameless vertical scroller, so a short screen scrolls it instead of squeezing it."""
    scroller = QScrollArea()
    scroller.setWidget(widget)
    scroller.setWidgetResizable(True)
    scroller.setFrameShape(QFrame.Shape.NoFrame)
    scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return scroller


def column(*widgets: QWidget) -> QWidget:
    """Widgets stacked top to bottom, the rest of the height left empty."""
    side = QWidget()
    stack = QVBoxLayout(side)
    stack.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        stack.addWidget(widget)
    stack.addStretch(1)
    return side


def add_dock(window: QMainWindow, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
    """A movable, closable dock named after its title (the name keys the saved layout)."""
    dock = QDockWidget(title, window)
    dock.setObjectName(title.lower().replace(" ", "_"))
    dock.setWidget(widget)
    dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetClosable)
    window.addDockWidget(area, dock)
    return dock


def side_docks(window: QMainWindow) -> list[QDockWidget]:
    """The docks whose width is saved: the filmstrip and one visible dock of the right-hand tabs."""
    # a tab behind another is "visible" but off screen: only the shown tab has a visible region
    docks = [d for d in window.findChildren(QDockWidget) if not d.isFloating() and not d.visibleRegion().isEmpty()]
    chosen: dict[Qt.DockWidgetArea, QDockWidget] = {}
    for dock in docks:
        area = window.dockWidgetArea(dock)
        if area in (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea):
            chosen.setdefault(area, dock)
    return list(chosen.values())


def apply_default_sizes(window: QMainWindow) -> None:
    """Narrow side panels: the canvas keeps most of the width."""
    names = {"images": LEFT_WIDTH, "view": RIGHT_WIDTH}
    docks = [window.findChild(QDockWidget, name) for name in names]
    found = [(d, w) for d, w in zip(docks, names.values(), strict=True) if d is not None]
    window.resizeDocks([d for d, _ in found], [w for _, w in found], Qt.Orientation.Horizontal)


def save_layout(window: QMainWindow, settings: QSettings) -> None:
    """Geometry, dock arrangement and the side docks' widths."""
    settings.setValue("geometry", window.saveGeometry())
    settings.setValue("window_state", window.saveState(LAYOUT_VERSION))
    settings.setValue(WIDTHS_KEY, ",".join(f"{d.objectName()}={d.width()}" for d in side_docks(window)))


def restore_geometry(window: QMainWindow, settings: QSettings) -> None:
    """The window's size and place (before it is shown)."""
    geometry = settings.value("geometry")
    if not (isinstance(geometry, QByteArray) and not geometry.isEmpty() and window.restoreGeometry(geometry)):
        window.resize(*DEFAULT_SIZE)


def restore_docks(window: QMainWindow, settings: QSettings) -> bool:
    """The dock arrangement and widths (once the window is shown and has its real size); False: defaults."""
    state = settings.value("window_state")
    restored = isinstance(state, QByteArray) and not state.isEmpty() and window.restoreState(state, LAYOUT_VERSION)
    widths = _parse_widths(settings.value(WIDTHS_KEY, ""))
    docks = [(window.findChild(QDockWidget, name), width) for name, width in widths.items()]
    docks = [(d, w) for d, w in docks if d is not None and not d.isFloating()]
    if restored and docks:
        window.resizeDocks([d for d, _ in docks], [w for _, w in docks], Qt.Orientation.Horizontal)
    if not restored:
        apply_default_sizes(window)
    return bool(restored)


def _parse_widths(value: object) -> dict[str, int]:
    text = ",".join(value) if isinstance(value, list) else str(value or "")  # QSettings splits on commas
    widths: dict[str, int] = {}
    for part in text.split(","):
        name, _, width = part.partition("=")
        if name and width.isdigit():
            widths[name] = int(width)
    return widths
