"""The throttled half of the brush path on a large photo: full-resolution layer repaints, done in small chunks.

A dab on a 24-megapixel photo is drawn at once only where it is seen: into the pyramid level on screen
(OverlayPresenter). What it leaves stale (the full-resolution tint and its other levels, the contour, the
relaxed zone and its counts) is remembered here as 256-pixel tiles and repainted from the mask by a timer a
few milliseconds at a time, so no dab and no stroke end pays for it. Reading a layer's picture, or drawing it
at another zoom level, first finishes that layer's tiles (LayerItem.stale_hook).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from u2studio.core.document import Region

TILE = 256  # full-resolution pixels a side
THROTTLE_MS = 80  # while painting: how often the stale layers catch up
CHUNK_MS = 6.0  # GUI-thread time one catch-up may take before yielding to the event loop
ORDER = ("relaxed", "overlay", "contour")  # the relaxed counts first: the metrics panel reads them
RUN = {"relaxed": 1}  # tiles one repaint may take in a row (the relaxed comparison costs most per pixel)


class DeferredRepaint(QObject):
    """Dirty tiles per layer, repainted by ``repaint(layer, region)`` on a throttled timer or on demand."""

    def __init__(self, repaint: Callable[[str, Region], None], done: Callable[[str], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._repaint = repaint
        self._done = done  # a layer has no stale tile left
        self._tiles: dict[str, set[tuple[int, int]]] = {}
        self._bounds = (0, 0)
        self._last_add = 0.0  # when a dab last queued tiles: while they keep coming, one chunk per THROTTLE_MS
        self.repainted: list[tuple[str, Region]] = []  # the last regions repainted (for tests), newest last
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._tick)

    def add(self, layer: str, region: Region, bounds: tuple[int, int]) -> None:
        """Remember that ``layer`` is stale in ``region`` of an image of ``bounds`` (width, height)."""
        x0, y0, x1, y1 = region
        if x1 <= x0 or y1 <= y0:
            return
        self._bounds = bounds
        self._last_add = time.perf_counter()
        tiles = self._tiles.setdefault(layer, set())
        for ty in range(y0 // TILE, (y1 - 1) // TILE + 1):
            for tx in range(x0 // TILE, (x1 - 1) // TILE + 1):
                tiles.add((tx, ty))
        if not self._timer.isActive():
            self._timer.start(THROTTLE_MS)

    def pending(self, layer: str | None = None) -> bool:
        """Whether ``layer`` (any layer when None) has stale tiles."""
        return any(self._tiles.get(name) for name in ((layer,) if layer else tuple(self._tiles)))

    def drop(self, *layers: str) -> None:
        """Forget the stale tiles of ``layers`` (all when none is named): their pictures are being rebuilt."""
        for layer in layers or tuple(self._tiles):
            self._tiles.pop(layer, None)

    def soon(self) -> None:
        """Catch up shortly (a stroke ended): after the paint that shows its last dab."""
        self._last_add = 0.0
        if self.pending():
            self._timer.start(15)

    def flush(self, layer: str | None = None) -> None:
        """Repaint every stale tile of ``layer`` (all layers when None) now."""
        for name in ORDER if layer is None else (layer,):
            while self._tiles.get(name):
                self._run(name, self._take_row(name))
        if not self.pending():
            self._timer.stop()

    def _tick(self) -> None:
        deadline = time.perf_counter() + CHUNK_MS / 1000.0
        for name in ORDER:
            while self._tiles.get(name) and time.perf_counter() < deadline:
                self._run(name, self._take_row(name))
        if self.pending():
            painting = (time.perf_counter() - self._last_add) * 1000.0 < THROTTLE_MS
            self._timer.start(THROTTLE_MS if painting else 0)

    def _take_row(self, layer: str) -> Region:
        """The first run of horizontally adjacent stale tiles (up to four), as one clipped region, taken off the set."""
        tiles = self._tiles[layer]
        tx, ty = min(tiles, key=lambda t: (t[1], t[0]))
        end = tx
        while (end + 1, ty) in tiles and end - tx < RUN.get(layer, 4) - 1:
            end += 1
        for x in range(tx, end + 1):
            tiles.discard((x, ty))
        width, height = self._bounds
        return (tx * TILE, ty * TILE, min((end + 1) * TILE, width), min((ty + 1) * TILE, height))

    def _run(self, layer: str, region: Region) -> None:
        self._repaint(layer, region)
        self.repainted = [*self.repainted[-63:], (layer, region)]
        if not self._tiles.get(layer):
            self._tiles.pop(layer, None)
            self._done(layer)
