"""The status bar: image size, zoom, pixel under the cursor, device, last inference time, batch progress."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QWidget


class StudioStatusBar(QStatusBar):
    """Permanent fields on the right, pixel readout on the left."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pixel = QLabel()
        self._pixel_at: tuple[Callable[[int, int], str], int, int] | None = None
        self.size_label = QLabel()
        self.zoom_label = QLabel()
        self.device_label = QLabel("device: …")
        self.time_label = QLabel()
        self.progress = QProgressBar()
        self.progress.setFixedWidth(160)
        self.progress.setVisible(False)
        self.addWidget(self.pixel, 1)
        for widget in (self.progress, self.size_label, self.zoom_label, self.device_label, self.time_label):
            self.addPermanentWidget(widget)

    def show_pixel(self, text_at: Callable[[int, int], str], x: int, y: int) -> None:
        """The readout of the pixel under the cursor, remembered so ``refresh_pixel`` can read it again."""
        self._pixel_at = (text_at, x, y)
        self.pixel.setText(text_at(x, y))

    def refresh_pixel(self, *_changed: object) -> None:
        """Read the remembered pixel again: the mask under a still cursor changed (an undo, a model result)."""
        if self._pixel_at is not None:
            text_at, x, y = self._pixel_at
            self.pixel.setText(text_at(x, y))

    def set_image_size(self, size: tuple[int, int] | None) -> None:
        """Width × height of the shown image."""
        self.size_label.setText("" if size is None else f"{size[0]} × {size[1]} px")

    def set_zoom(self, zoom: float) -> None:
        """Zoom as a percentage."""
        self.zoom_label.setText(f"{zoom * 100:.0f}%" if zoom >= 0.1 else f"{zoom * 100:.1f}%")

    def set_device(self, text: str) -> None:
        """Where inference runs."""
        self.device_label.setText(f"device: {text}")

    def set_inference_time(self, milliseconds: float, device: str) -> None:
        """The last inference's time."""
        self.time_label.setText(f"last run {milliseconds:.0f} ms on {device}")

    def set_progress(self, done: int, total: int) -> None:
        """Batch progress; hidden when nothing is running."""
        self.progress.setVisible(total > 0 and done < total)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{done} / {total}")
