"""The dark-neutral look: a Fusion palette and a small style sheet."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

BASE = "#1e2124"
PANEL = "#26292d"
RAISED = "#2f3338"
BORDER = "#3a3f45"
TEXT = "#d7dbe0"
MUTED = "#8b939c"
ACCENT = "#3d8bd9"
CANVAS = "#17191b"

STYLE_SHEET = f"""
QMainWindow, QDockWidget {{ background: {PANEL}; }}
QDockWidget::title {{ background: {RAISED}; padding: 4px 8px; color: {MUTED}; }}
QToolBar {{ background: {PANEL}; border: none; border-bottom: 1px solid {BORDER}; spacing: 2px; padding: 3px; }}
QToolBar::separator {{ background: {BORDER}; width: 1px; margin: 4px 6px; }}
QToolButton {{ border: 1px solid transparent; border-radius: 4px; padding: 4px; color: {TEXT}; }}
QToolButton:hover {{ background: {RAISED}; border-color: {BORDER}; }}
QToolButton:checked {{ background: #2b4a66; border-color: {ACCENT}; }}
QStatusBar {{ background: {PANEL}; color: {MUTED}; border-top: 1px solid {BORDER}; }}
QStatusBar QLabel {{ color: {MUTED}; padding: 0 8px; }}
QListWidget {{ background: {BASE}; border: none; outline: 0; }}
QListWidget::item {{ padding: 4px; border-radius: 4px; color: {TEXT}; }}
QListWidget::item:selected {{ background: #2b4a66; }}
QGroupBox {{ border: 1px solid {BORDER}; border-radius: 4px; margin-top: 14px; padding-top: 6px; color: {MUTED}; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 8px; padding: 0 4px; }}
QComboBox, QSpinBox {{ background: {RAISED}; border: 1px solid {BORDER}; border-radius: 3px; padding: 2px 6px; color: {TEXT}; }}
QGraphicsView {{ border: none; background: {CANVAS}; }}
QLabel:disabled {{ color: #5c636b; }}
QSlider::handle:horizontal:disabled {{ background: #4a5058; }}
QSlider::sub-page:horizontal:disabled {{ background: #3a4047; }}
QPushButton {{ background: {RAISED}; border: 1px solid {BORDER}; border-radius: 3px; padding: 3px 8px; color: {TEXT}; }}
QPushButton:hover {{ border-color: {ACCENT}; }}
QLabel#metricValue {{ color: {TEXT}; font-family: monospace; }}
QFrame#toast {{ background: rgba(40, 44, 49, 235); border: 1px solid {BORDER}; border-radius: 6px; }}
QFrame#toast[level="error"] {{ border-left: 4px solid #e05252; }}
QFrame#toast[level="warning"] {{ border-left: 4px solid #e0a852; }}
QFrame#toast[level="info"] {{ border-left: 4px solid {ACCENT}; }}
QProgressBar {{ background: {RAISED}; border: 1px solid {BORDER}; border-radius: 3px; color: {TEXT}; text-align: center; max-height: 14px; }}
QProgressBar::chunk {{ background: {ACCENT}; border-radius: 2px; }}
"""


def apply_theme(app: QApplication) -> None:
    """Give the whole application the studio's dark-neutral look."""
    app.setStyle("Fusion")
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: PANEL,
        QPalette.ColorRole.WindowText: TEXT,
        QPalette.ColorRole.Base: BASE,
        QPalette.ColorRole.AlternateBase: RAISED,
        QPalette.ColorRole.Text: TEXT,
        QPalette.ColorRole.Button: RAISED,
        QPalette.ColorRole.ButtonText: TEXT,
        QPalette.ColorRole.Highlight: ACCENT,
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: RAISED,
        QPalette.ColorRole.ToolTipText: TEXT,
        QPalette.ColorRole.PlaceholderText: MUTED,
    }
    for role, color in roles.items():
        palette.setColor(role, QColor(color))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor(MUTED))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor(MUTED))
    app.setPalette(palette)
    app.setStyleSheet(STYLE_SHEET)
