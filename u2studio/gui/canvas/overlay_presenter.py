"""Builds the canvas layers for the current document and options, caching them by mask version.

Zooming never comes here; a layer is rebuilt only when its inputs change, and a
brush edit in a region repaints only that region of the cached pixmaps.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import numpy as np

from u2studio.core import overlays
from u2studio.core.document import ImageDocument, Region
from u2studio.gui.canvas.canvas import Canvas
from u2studio.gui.canvas.cutout_jobs import CutoutJobs, CutoutPreview
from u2studio.gui.canvas.live_relaxed import LiveRelaxed
from u2studio.gui.common.qimage import rgb_to_qimage, rgba_to_qimage
from u2studio.gui.canvas.view_options import ViewMode, ViewOptions, comparison_pair


class OverlayPresenter:
    """Keeps the canvas's layers in step with one document and the view options."""

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas
        self.options = ViewOptions()
        self.doc: ImageDocument | None = None
        self._keys: dict[str, Hashable] = {}
        self.live: LiveRelaxed | None = None  # the relaxed layer, kept up to date per edited region
        self.cutout_preview = CutoutPreview(CutoutJobs(canvas))
        self.cutout_preview.ready.connect(self.refresh)

    def show_document(self, doc: ImageDocument | None) -> None:
        """Put a document (or nothing) on the canvas."""
        if self.doc is not None:
            self.doc.remove_mask_listener(self._on_mask_changed)
        self.doc = doc
        self._keys.clear()
        if doc is None or doc.rgb is None:
            self.canvas.set_image(None)
            return
        doc.add_mask_listener(self._on_mask_changed)
        self.canvas.set_image(rgb_to_qimage(doc.rgb), fit=True)
        self.refresh()

    def set_options(self, options: ViewOptions) -> None:
        """Apply new view options, rebuilding only the layers they affect."""
        self.options = options
        self.refresh()

    def refresh(self) -> None:
        """Bring every layer up to date (cheap when nothing changed)."""
        doc, o = self.doc, self.options
        if doc is None or doc.rgb is None:
            return
        mask = doc.mask
        version = (id(doc), doc.mask_version)
        overlay: tuple[Hashable, Callable[[], np.ndarray]] | None = None
        if o.mode is ViewMode.TINT and mask is not None:
            overlay = (("tint", version), lambda: overlays.tint_rgba(mask, 1.0))
        elif o.mode is ViewMode.CUTOUT and mask is not None:
            overlay = self.cutout_preview.spec(doc, version, o.cutout)  # rendered off the UI thread
        elif o.mode is ViewMode.MASK and mask is not None:
            overlay = (("mask", version), lambda: overlays.mask_rgba(mask))
        elif o.mode is ViewMode.SIDE and doc.sides:
            index = min(o.side_index, len(doc.sides) - 1)
            overlay = (("side", id(doc), index, id(doc.sides)), lambda: overlays.gray_rgba(doc.sides[index]))
        self._set("overlay", overlay)
        self.canvas.set_layer_opacity("overlay", o.opacity if o.mode is ViewMode.TINT else 1.0)
        covered = overlay is not None and o.mode in (ViewMode.CUTOUT, ViewMode.MASK, ViewMode.SIDE)
        self.canvas.set_base_visible(not covered)
        self.canvas.set_checkerboard(overlay is not None and o.mode is ViewMode.CUTOUT and o.cutout.background == "checkerboard")
        contour = None
        if o.contour and mask is not None:
            contour = (("contour", version), lambda: overlays.contour_rgba(mask))
        self._set("contour", contour)
        relaxed = None
        pair = comparison_pair(doc, o.compare) if o.relaxed else None
        if pair is not None and LiveRelaxed.applies(doc, o.compare):
            if self.live is None or not self.live.matches(doc, o.compare, o.rho):
                self.live = LiveRelaxed(doc, o.compare, o.rho)
                self._keys.pop("relaxed", None)
            live = self.live
            relaxed = (("relaxed-live", id(live)), lambda: live.rgba)
        elif pair is not None:
            tested, reference = pair
            key = ("relaxed", version, o.rho, o.compare, id(doc.gt), id(doc.prediction))
            relaxed = (key, lambda: overlays.relaxed_zone_picture(tested, reference, o.rho))
        self._set("relaxed", relaxed)

    def _set(self, layer: str, spec: tuple[Hashable, Callable[[], np.ndarray]] | None) -> None:
        if spec is None:
            if self._keys.pop(layer, None) is not None or self.canvas.layer_visible(layer):
                self.canvas.set_layer(layer, None)
            return
        key, build = spec
        if self._keys.get(layer) == key and self.canvas.layer_visible(layer):
            return
        self.canvas.set_layer(layer, rgba_to_qimage(build()))
        self._keys[layer] = key

    def _on_mask_changed(self, doc: ImageDocument, region: Region) -> None:
        """Repaint only ``region`` of the mask-derived layers; rebuild the rest as needed."""
        if doc is not self.doc or doc.mask is None:
            return
        x0, y0, x1, y1 = region
        full = region == doc.full_region()
        if x1 <= x0 or y1 <= y0:
            return
        if full:
            self._keys = {k: v for k, v in self._keys.items() if k != "relaxed" or self.live is None}
            if self.live is not None and self.live.matches(doc, self.options.compare, self.options.rho):
                self.live.update(region)
            self.refresh()
            return
        mask, o = doc.mask, self.options
        version = (id(doc), doc.mask_version)
        patches: dict[str, tuple[Hashable, np.ndarray, int, int]] = {}
        live = self.live
        if live is not None and live.matches(doc, o.compare, o.rho) and o.relaxed and "relaxed" in self._keys:
            rx0, ry0, rx1, ry1 = live.update(region)
            if rx1 > rx0 and ry1 > ry0:
                patches["relaxed"] = (self._keys["relaxed"], live.rgba[ry0:ry1, rx0:rx1], rx0, ry0)
        plain_cutout = o.mode is ViewMode.CUTOUT and self._keys.get("overlay") == ("cutout", (id(doc), doc.mask_version - 1))
        if "overlay" in self._keys and (o.mode in (ViewMode.TINT, ViewMode.MASK) or plain_cutout):
            sub = mask[y0:y1, x0:x1]
            if o.mode is ViewMode.TINT:
                patch = overlays.tint_rgba(sub, 1.0)
            elif o.mode is ViewMode.CUTOUT:
                patch = overlays.cutout_rgba(doc.rgb[y0:y1, x0:x1], sub)
            else:
                patch = overlays.mask_rgba(sub)
            patches["overlay"] = ((o.mode.value, version), patch, x0, y0)
        if "contour" in self._keys:
            height, width = mask.shape
            px0, py0, px1, py1 = max(x0 - 1, 0), max(y0 - 1, 0), min(x1 + 1, width), min(y1 + 1, height)
            # one pixel of context on each side, so the contour is right at the region's edge
            cx0, cy0 = max(px0 - 1, 0), max(py0 - 1, 0)
            ring = overlays.contour_rgba(mask[cy0 : min(py1 + 1, height), cx0 : min(px1 + 1, width)])
            patch = ring[py0 - cy0 : py0 - cy0 + (py1 - py0), px0 - cx0 : px0 - cx0 + (px1 - px0)]
            patches["contour"] = (("contour", version), patch, px0, py0)
        for layer, (key, patch, x, y) in patches.items():
            self.canvas.update_layer_region(layer, rgba_to_qimage(np.ascontiguousarray(patch)), x, y)
            self._keys[layer] = key
        self.refresh()

    def live_scores(self) -> tuple[float, float, float] | None:
        """Relaxed (Fβ, precision, recall) of the shown comparison from the incremental overlay, if it is current."""
        doc, o = self.doc, self.options
        if doc is None or self.live is None or not self.live.matches(doc, o.compare, o.rho):
            return None
        return self.live.scores()
