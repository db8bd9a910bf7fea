"""The brush path of OverlayPresenter on a large photo: what a dab draws at once, and what it leaves to
DeferredRepaint.

A dab is drawn straight into the pyramid level on screen (tint and mask views: the mask's block means, tinted),
so its cost follows the screen, not the photo; the full-resolution pictures, the contour and the relaxed zone
are queued as stale tiles. The layer caches' keys move to the new mask version at once, since the queued tiles
bring the pictures there.
"""

from __future__ import annotations

from collections.abc import Hashable

from u2studio.core import overlays
from u2studio.core.document import ImageDocument, Region
from u2studio.gui.canvas.canvas import Canvas
from u2studio.gui.canvas.deferred_repaint import DeferredRepaint
from u2studio.gui.canvas.live_relaxed import LiveRelaxed
from u2studio.gui.canvas.view_options import ViewMode, ViewOptions
from u2studio.gui.common.qimage import rgba_to_qimage

PATCHED = ("tint", "cutout", "mask", "contour", "relaxed-live")  # kinds kept current by region patches


class BrushPath:
    """Mixed into OverlayPresenter (which owns these attributes and ``_patch_or_remember``)."""

    canvas: Canvas
    options: ViewOptions
    doc: ImageDocument | None
    live: LiveRelaxed | None
    deferred: DeferredRepaint
    _keys: dict[str, Hashable]
    _pending: dict[str, Hashable]

    def _patch_or_remember(self, layer: str, region: Region) -> None:
        """Repaint ``region`` of a layer now, or after its picture arrives (OverlayPresenter's)."""
        raise NotImplementedError  # the presenter defines it

    def _defer(self, doc: ImageDocument, region: Region) -> None:
        """A dab on a large photo: draw the tint or mask at the level on screen now, everything else in chunks."""
        live, o, bounds = self.live, self.options, (doc.mask.shape[1], doc.mask.shape[0])  # type: ignore[union-attr]
        if live is not None and live.matches(doc, o.compare, o.rho) and o.relaxed and ("relaxed" in self._keys or "relaxed" in self._pending):
            self.deferred.add("relaxed", region, bounds)
        plain_cutout = o.mode is ViewMode.CUTOUT and self._keys.get("overlay") == ("cutout", (id(doc), doc.mask_version - 1))
        if o.mode in (ViewMode.TINT, ViewMode.MASK) or plain_cutout:
            if o.mode is not ViewMode.CUTOUT and "overlay" in self._keys and "overlay" not in self._pending:
                self._draw_shown(doc, region)
            if "overlay" in self._keys or "overlay" in self._pending:
                self.deferred.add("overlay", region, bounds)
        if "contour" in self._keys or "contour" in self._pending:
            self.deferred.add("contour", region, bounds)
        for layer in ("overlay", "contour"):
            self._bump(doc, layer)

    def _draw_shown(self, doc: ImageDocument, region: Region) -> None:
        """Tint (or mask) of ``region`` drawn straight into the pyramid level on screen: screen-sized work."""
        assert doc.mask is not None
        depth = self.canvas.display_depth()
        f = 2**depth
        height, width = doc.mask.shape
        x0, y0, x1, y1 = region
        x0, y0, x1, y1 = x0 // f * f, y0 // f * f, min(-(-x1 // f) * f, width), min(-(-y1 // f) * f, height)
        small = overlays.reduce_area(doc.mask[y0:y1, x0:x1], f)
        patch = overlays.tint_rgba(small, 1.0) if self.options.mode is ViewMode.TINT else overlays.mask_rgba(small)
        self.canvas.layer("overlay").paint_level_patch(depth, rgba_to_qimage(patch), x0 // f, y0 // f)

    def _bump(self, doc: ImageDocument, layer: str, current: bool = True) -> None:
        """Mark a region-patched layer as showing the current mask version (its stale tiles are queued)."""
        key = self._keys.get(layer)
        if isinstance(key, tuple) and key[0] in PATCHED and isinstance(key[1], tuple) and key[1][0] == id(doc):
            if not current or key[1][1] == doc.mask_version - 1:
                self._keys[layer] = (key[0], (id(doc), doc.mask_version))

    def _deferred_repaint(self, layer: str, region: Region) -> None:
        """One chunk of DeferredRepaint: bring ``region`` of a layer (or the relaxed counts) up to date."""
        doc, o, live = self.doc, self.options, self.live
        if doc is None or doc.mask is None:
            return
        if layer == "relaxed":
            if live is not None and live.matches(doc, o.compare, o.rho):
                box = live.update(region)
                if box[2] > box[0] and box[3] > box[1] and o.relaxed:
                    self._patch_or_remember("relaxed", box)
            return
        key = self._pending.get(layer, self._keys.get(layer))
        if isinstance(key, tuple) and key[0] in PATCHED and key[0] != "relaxed-live":
            self._patch_or_remember(layer, region)

