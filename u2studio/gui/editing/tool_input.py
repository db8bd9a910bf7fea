"""Turns canvas mouse, tablet and key events (in scene = image coordinates) into edits through the EditController."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QObject, QPointF, Qt
from PySide6.QtGui import QColor, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsPathItem

from u2studio.core.editing import BrushMode, BrushParams
from u2studio.gui.canvas.brush_cursor import Z_TOP, BrushCursor
from u2studio.gui.canvas.canvas import Canvas
from u2studio.gui.editing.controller import EditController
from u2studio.gui.editing.tools import Tool, ToolSettings

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier
CLOSE_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape, Qt.Key.Key_Backspace)


class CanvasToolInput(QObject):
    """The active tool's mouse handling: strokes, lasso and polygon outlines, flood clicks, refine bands, Ctrl+drag sizing."""

    def __init__(self, canvas: Canvas, edits: EditController) -> None:
        super().__init__(canvas)
        self.canvas = canvas
        self.edits = edits
        self.cursor = BrushCursor()
        canvas.scene().addItem(self.cursor)
        self.path_item = QGraphicsPathItem()
        self.path_item.setZValue(Z_TOP - 1)
        canvas.scene().addItem(self.path_item)
        self._points: list[tuple[float, float]] = []
        self._dragging = False
        self._sizing_from: tuple[float, float] | None = None  # (view x, size) during Ctrl+drag
        self._hover = QPointF()
        edits.settings_changed.connect(self._settings_changed)
        self._settings_changed(edits.settings)
        canvas.tool_input = self

    # ----- look ------------------------------------------------------------------------
    @property
    def settings(self) -> ToolSettings:
        """The current tool options."""
        return self.edits.settings

    def _settings_changed(self, settings: ToolSettings) -> None:
        radius = settings.refine_width / 2 if settings.tool is Tool.REFINE else settings.radius
        self.cursor.set_brush(radius, settings.hardness if settings.tool in (Tool.BRUSH, Tool.ERASER) else 1.0)
        self.cursor.setVisible(settings.tool in (Tool.BRUSH, Tool.ERASER, Tool.REFINE) and self.canvas.underMouse())
        if settings.tool is not Tool.POLYGON and self._points and not self._dragging:
            self._reset_path()
        self.canvas.viewport().setCursor(
            Qt.CursorShape.ArrowCursor if settings.tool is Tool.NAVIGATE else Qt.CursorShape.CrossCursor
        )

    def _draw_path(self, closed: bool, extra: QPointF | None = None) -> None:
        path = QPainterPath()
        points = [QPointF(x, y) for x, y in self._points] + ([extra] if extra is not None else [])
        if points:
            path.moveTo(points[0])
            for point in points[1:]:
                path.lineTo(point)
            if closed and len(points) > 2:
                path.closeSubpath()
        if self.settings.tool is Tool.REFINE:
            pen = QPen(QColor(124, 196, 255, 90), self.settings.refine_width)  # the band, in image pixels
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        else:
            pen = QPen(QColor(255, 90, 90) if self._cut_active() else QColor(255, 230, 90), 1.5, Qt.PenStyle.DashLine)
            pen.setCosmetic(True)
        self.path_item.setPen(pen)
        self.path_item.setPath(path)

    def _reset_path(self) -> None:
        self._points = []
        self.path_item.setPath(QPainterPath())

    def _cut_active(self, modifiers: Qt.KeyboardModifier | None = None) -> bool:
        from PySide6.QtWidgets import QApplication

        mods = QApplication.keyboardModifiers() if modifiers is None else modifiers
        return self.settings.cut != bool(mods & ALT)

    # ----- events from the canvas (scene coordinates) -----------------------------------
    def press(self, pos: QPointF, modifiers: Qt.KeyboardModifier, pressure: float, view_x: float) -> bool:
        """Left button down: start the tool's gesture; returns whether the event was used."""
        tool = self.settings.tool
        if tool is Tool.NAVIGATE:
            return False
        if modifiers & CTRL and tool in (Tool.BRUSH, Tool.ERASER, Tool.REFINE):
            self._sizing_from = (view_x, self.settings.refine_width if tool is Tool.REFINE else self.settings.size)
            return True
        x, y = pos.x(), pos.y()
        if tool in (Tool.BRUSH, Tool.ERASER):
            editor = self.edits.editor()
            if editor is None:
                return True
            s = self.settings
            mode = BrushMode.ADD if tool is Tool.BRUSH else BrushMode.ERASE
            editor.begin_stroke(BrushParams(radius=s.radius, hardness=s.hardness, opacity=s.opacity, mode=mode))
            self._dragging = True
            editor.add_point(x, y, pressure)
        elif tool in (Tool.LASSO, Tool.REFINE):
            self._dragging = True
            self._points = [(x, y)]
            self._draw_path(closed=tool is Tool.LASSO)
        elif tool is Tool.POLYGON:
            self._points.append((x, y))
            self._draw_path(closed=True)
        elif tool is Tool.FLOOD:
            s = self.settings
            self.edits.run(lambda e: e.flood_fill(x, y, tolerance=s.tolerance, erase=self._cut_active(modifiers)))
        return True

    def move(self, pos: QPointF, buttons: Qt.MouseButton, pressure: float, view_x: float) -> None:
        """Cursor moved (with or without a button): extend the gesture and move the outline."""
        self._hover = pos
        self.cursor.move_to(pos)
        tool = self.settings.tool
        self.cursor.setVisible(tool in (Tool.BRUSH, Tool.ERASER, Tool.REFINE))
        if self._sizing_from is not None:
            start_x, start_size = self._sizing_from
            size = start_size * math.pow(2.0, (view_x - start_x) / 150.0)
            self.edits.set_settings(**({"refine_width": max(4.0, min(400.0, size))} if tool is Tool.REFINE else {"size": size}))
            return
        if not self._dragging:
            if tool is Tool.POLYGON and self._points:
                self._draw_path(closed=True, extra=pos)
            return
        if tool in (Tool.BRUSH, Tool.ERASER):
            editor = self.edits.editor()
            if editor is not None and editor.in_stroke:
                editor.add_point(pos.x(), pos.y(), pressure)
        elif tool in (Tool.LASSO, Tool.REFINE):
            last = self._points[-1]
            if (pos.x() - last[0]) ** 2 + (pos.y() - last[1]) ** 2 >= 0.25:
                self._points.append((pos.x(), pos.y()))
                self._draw_path(closed=tool is Tool.LASSO)

    def release(self, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        """Left button up: finish the gesture as one undo step."""
        if self._sizing_from is not None:
            self._sizing_from = None
            return
        if not self._dragging:
            return
        self._dragging = False
        tool = self.settings.tool
        if tool in (Tool.BRUSH, Tool.ERASER):
            self.edits.finish_stroke()
        elif tool is Tool.LASSO:
            points = np.array(self._points, np.float64)
            self._reset_path()
            if len(points) >= 3:
                cut = self._cut_active(modifiers)
                self.edits.run(lambda e: e.fill_polygon(points, erase=cut))
        elif tool is Tool.REFINE:
            points = np.array(self._points + [(pos.x(), pos.y())], np.float64)
            self._reset_path()
            self._refine(points)

    def double_click(self, pos: QPointF) -> bool:
        """Double-click closes a polygon."""
        if self.settings.tool is Tool.POLYGON and self._points:
            self.close_polygon()
            return True
        return False

    def wants_key(self, key: int) -> bool:
        """Whether a key belongs to the gesture in progress (so shortcuts such as Esc do not take it)."""
        return self.settings.tool is Tool.POLYGON and bool(self._points) and key in CLOSE_KEYS

    def key(self, key: int) -> bool:
        """Enter closes the polygon, Backspace removes its last corner, Esc abandons it."""
        if not self.wants_key(key):
            return False
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.close_polygon()
        elif key == Qt.Key.Key_Backspace:
            self._points.pop()
            self._draw_path(closed=True, extra=self._hover)
        else:
            self._reset_path()
        return True

    def leave(self) -> None:
        """The cursor left the canvas: hide the outline."""
        self.cursor.setVisible(False)

    # ----- finishing ------------------------------------------------------------------------
    def close_polygon(self) -> None:
        """Fill (or cut) the polygon drawn so far."""
        points = self._dedup(self._points)
        self._reset_path()
        if len(points) >= 3:
            cut = self._cut_active()
            self.edits.run(lambda e: e.fill_polygon(np.array(points, np.float64), erase=cut))

    @staticmethod
    def _dedup(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        out: list[tuple[float, float]] = []
        for p in points:
            if not out or (p[0] - out[-1][0]) ** 2 + (p[1] - out[-1][1]) ** 2 > 1e-6:
                out.append(p)
        return out

    def _refine(self, points: np.ndarray) -> None:
        self.edits.refine_along(points, self.settings.refine_width)  # off the GUI thread, then one undo step
