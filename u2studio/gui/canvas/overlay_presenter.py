"""Builds the canvas layers for the current document and options, caching them by mask version.

Zooming never comes here; a layer is rebuilt only when its inputs change, and a
brush edit in a region repaints only that region of the cached pixmaps. For a large
photo (over 2 MP) the full pictures (the photo itself, tint, cutout, mask, side output,
contour, relaxed zone) are built off the UI thread; while the photo's is on its way a reduced copy stands in,
while another is on its way the old picture stays, edits meanwhile are remembered and repainted into it when it arrives,
and a picture for a document or option no longer shown is dropped. On such a photo a brush dab is drawn
at once only into the pyramid level on screen (tint and mask views); the full-resolution pictures, the
contour and the relaxed zone catch up in throttled chunks (DeferredRepaint).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import numpy as np
from PySide6.QtGui import QImage

from u2studio.core import overlays
from u2studio.core.document import ImageDocument, Region
from u2studio.gui.canvas.canvas import Canvas
from u2studio.gui.canvas.layer_item import DRAW_FORMAT, pyramid
from u2studio.gui.canvas.cutout_jobs import CutoutJobs, CutoutPreview
from u2studio.gui.canvas.brush_path import PATCHED, BrushPath
from u2studio.gui.canvas.deferred_repaint import DeferredRepaint
from u2studio.gui.canvas.drawable import drawable
from u2studio.gui.canvas.live_relaxed import LiveRelaxed
from u2studio.gui.canvas.recent_photos import RecentPhotos
from u2studio.gui.common.background import BackgroundJobs
from u2studio.gui.common.qimage import rgb_to_qimage, rgba_to_qimage
from u2studio.gui.canvas.view_options import ViewMode, ViewOptions, comparison_pair

BACKGROUND_PIXELS = 2_000_000  # pictures of larger images are built off the UI thread
PREVIEW_SIDE = 2048  # a large photo not kept drawable is shown at once this big (at most), then in full


def _replayed(live: LiveRelaxed, regions: list[Region]) -> LiveRelaxed:
    """``live`` brought up to date with the mask edited in ``regions`` (on a pool thread: it is not shown yet)."""
    for region in regions:
        live.update(region)
    return live


def _same_picture(pending: Hashable, key: Hashable) -> bool:
    """Whether a picture on its way answers ``key`` once the edits made meanwhile are patched into it."""
    if pending == key:
        return True
    a, b = pending, key
    return (isinstance(a, tuple) and isinstance(b, tuple) and a[0] == b[0] and a[0] in PATCHED
            and isinstance(a[1], tuple) and isinstance(b[1], tuple) and a[1][0] == b[1][0])


class OverlayPresenter(BrushPath):
    """Keeps the canvas's layers in step with one document and the view options."""

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas
        self.options = ViewOptions()
        self.doc: ImageDocument | None = None
        self._previewing: ImageDocument | None = None  # the document whose photo is on the canvas as a preview
        self._keys: dict[str, Hashable] = {}
        self.live: LiveRelaxed | None = None  # the relaxed layer, kept up to date per edited region
        self.jobs = BackgroundJobs(1, canvas)  # goes with the canvas: no picture lands on a deleted one
        self._pending: dict[str, Hashable] = {}  # layer -> key of the picture being built
        self._dirty: dict[str, list[Region]] = {}  # layer -> regions edited since its picture was started
        self._live_pending: Hashable | None = None  # the incremental relaxed comparison being built
        self._live_dirty: list[Region] = []  # regions edited since it was started
        self.recent = RecentPhotos()  # switching back to one of these photos needs no rebuild
        self.cutout_preview = CutoutPreview(CutoutJobs(canvas))
        self.cutout_preview.ready.connect(self.refresh)
        self.deferred = DeferredRepaint(self._deferred_repaint, lambda name: canvas.layer(name).mark_consistent(), canvas)
        for layer in ("overlay", "contour", "relaxed"):
            canvas.layer(layer).stale_hook = lambda name=layer: self.deferred.flush(name)

    def picture_bytes(self) -> int:
        """Bytes of the canvas's pictures (with their pyramids) and of the recent-photo cache not on the canvas."""
        return self.canvas.picture_bytes() + self.recent.nbytes(self.canvas.layer("base").picture_key)

    def release_cache(self, wanted: int) -> int:
        """Forget recent photos' pictures (never the one on screen) until ``wanted`` bytes are freed."""
        return self.recent.release(wanted, self.canvas.layer("base").picture_key)

    def _large(self) -> bool:
        size = self.doc.size if self.doc is not None else None
        return size is not None and size[0] * size[1] > BACKGROUND_PIXELS

    def show_document(self, doc: ImageDocument | None) -> None:
        """Put a document (or nothing) on the canvas; a large photo whose picture is not kept is shown at once as a
        reduced copy (``previewing``) and replaced by its full picture, built off the UI thread, when that is ready."""
        if self.doc is not None:
            self.doc.remove_mask_listener(self._on_mask_changed)
        if self.deferred.pending("relaxed"):
            self.live = None  # its counts missed the last dabs: compare afresh when shown again
        self.deferred.drop()
        self.doc = doc
        self._previewing = None
        self._keys.clear()
        for layer in list(self._pending):
            self.jobs.cancel(layer)
        self._pending.clear()
        if doc is None or doc.rgb is None:
            self.jobs.cancel("base")
            self.canvas.set_image(None)
            return
        doc.add_mask_listener(self._on_mask_changed)
        cached = self.recent.get(doc) if self._large() else None
        if cached is not None:
            self.jobs.cancel("base")
            self.canvas.set_image(cached[0], fit=True, levels=cached[1])
        elif self._large():
            rgb = doc.rgb
            # on screen at once: a reduced copy at about the size a fitted view draws; the full picture follows
            self.canvas.show_preview(rgb_to_qimage(np.ascontiguousarray(overlays.reduced_rgb(rgb, PREVIEW_SIDE))),
                                     (rgb.shape[1], rgb.shape[0]))
            self._previewing = doc
            self.jobs.submit("base", lambda: drawable(rgb), lambda picture: self._base_arrived(doc, picture))
        else:
            self.canvas.set_image(rgb_to_qimage(doc.rgb), fit=True)
        self.refresh()

    @property
    def previewing(self) -> bool:
        """Whether the shown photo is still its reduced stand-in (its full picture is on its way)."""
        return self._previewing is not None and self._previewing is self.doc

    def _base_arrived(self, doc: ImageDocument, picture: tuple[QImage, list[QImage]]) -> None:
        if doc is not self.doc or doc.rgb is None:
            return
        self.recent.put(doc, picture)
        if self._previewing is doc:  # the preview framed the view already and the other layers belong to this photo
            self._previewing = None
            self.canvas.replace_base(picture[0], levels=picture[1])
            return
        self.canvas.set_image(picture[0], fit=True, levels=picture[1])  # clears the other layers: the pictures on their way fill them
        self.deferred.drop("overlay", "contour")
        self._keys.clear()
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
        self._set("overlay", overlay, stretch=o.mode is ViewMode.SIDE)
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
                if self._large():
                    self._start_live(doc, o.compare, o.rho)  # the first full comparison runs on the pool
                else:
                    self.live = LiveRelaxed(doc, o.compare, o.rho)
                    self._keys.pop("relaxed", None)
            live = self.live
            if live is not None and live.matches(doc, o.compare, o.rho):
                relaxed = (("relaxed-live", id(live)), lambda: live.rgba)
        elif pair is not None:
            tested, reference = pair
            key = ("relaxed", version, o.rho, o.compare, id(doc.gt), id(doc.prediction))
            relaxed = (key, lambda: overlays.relaxed_zone_picture(tested, reference, o.rho))
        self._set("relaxed", relaxed)

    def _start_live(self, doc: ImageDocument, compare: object, rho: int) -> None:
        key = (id(doc), compare, rho, id(doc.mask), id(doc.prediction), id(doc.gt))
        if self._live_pending == key:
            return
        self._live_pending, self._live_dirty = key, []
        self.jobs.submit("live", lambda: LiveRelaxed(doc, compare, rho), lambda live: self._live_arrived(key, live))

    def _live_arrived(self, key: Hashable, live: LiveRelaxed) -> None:
        """The incremental relaxed comparison, built off the UI thread: replay the edits made meanwhile, then show it."""
        if self._live_pending != key or self.doc is None or not live.matches(self.doc, self.options.compare, self.options.rho):
            return
        if self._live_dirty:
            regions, self._live_dirty = self._live_dirty, []
            if self._large():  # a stroke's worth of dabs costs the UI thread ~0.1-0.3 s: replay off it, then look again
                self.jobs.submit("live", lambda: _replayed(live, regions), lambda done: self._live_arrived(key, done))
                return
            _replayed(live, regions)
        self._live_pending = None
        self.live = live
        self._keys.pop("relaxed", None)
        self.refresh()

    def _set(self, layer: str, spec: tuple[Hashable, Callable[[], np.ndarray]] | None, stretch: bool = False) -> None:
        if spec is None:
            if self._pending.pop(layer, None) is not None:
                self.jobs.cancel(layer)
            if self._keys.pop(layer, None) is not None or self.canvas.layer_visible(layer):
                self.canvas.set_layer(layer, None)
            return
        key, build = spec
        if self._keys.get(layer) == key and self.canvas.layer_visible(layer):
            return
        if not self._large():
            self.canvas.set_layer(layer, rgba_to_qimage(build()), stretch=stretch)
            self._keys[layer] = key
            return
        if layer in self._pending and _same_picture(self._pending[layer], key):
            return
        self._pending[layer] = key
        self._dirty[layer] = []
        doc = self.doc
        lines, levels = layer in ("contour", "relaxed"), 0 if stretch else 3
        self.jobs.submit(layer, lambda: drawable(build(), lines, levels),
                         lambda picture: self._arrived(layer, key, doc, picture, stretch))

    def _arrived(self, layer: str, key: Hashable, doc: ImageDocument | None, picture: tuple[QImage, list[QImage]],
                 stretch: bool) -> None:
        """A picture built in the background: show it, then repaint what was edited while it was built."""
        if doc is not self.doc or self._pending.get(layer) != key:
            return
        del self._pending[layer]
        self.canvas.set_layer(layer, picture[0], stretch=stretch, levels=picture[1])
        self._keys[layer] = key
        if self.deferred.pending(layer) and doc is not None:
            self._bump(doc, layer, current=False)  # the stale tiles (edits made meanwhile) bring it up to date
        dirty = self._dirty.pop(layer, [])
        if dirty and doc is not None and doc.mask is not None and self._large():
            # what was edited while the picture was built: repainted in tiles a few milliseconds at a time
            bounds = (doc.mask.shape[1], doc.mask.shape[0])
            for region in dirty:
                self.deferred.add(layer, region, bounds)
        elif dirty and doc is not None:
            box = (min(r[0] for r in dirty), min(r[1] for r in dirty), max(r[2] for r in dirty), max(r[3] for r in dirty))
            self._repaint(layer, box)
        self.refresh()

    def _on_mask_changed(self, doc: ImageDocument, region: Region) -> None:
        """Repaint only ``region`` of the mask-derived layers; rebuild the rest as needed."""
        if doc is not self.doc or doc.mask is None:
            return
        x0, y0, x1, y1 = region
        full = region == doc.full_region()
        if x1 <= x0 or y1 <= y0:
            return
        if self.live is not None and not self.options.relaxed:
            self.live = None  # not shown, so not kept up to date: compared afresh when the zone is turned on
        if self._live_pending is not None:
            if full:
                self._live_pending = None  # start the comparison again rather than replay the whole image
                self.jobs.cancel("live")
            else:
                self._live_dirty.append(region)
        if doc.change_shown and not full:  # a finished stroke: every dab is already drawn (or on its way)
            for layer in ("overlay", "contour"):
                self._bump(doc, layer)
            self.deferred.soon()
            self.refresh()
            return
        if full:
            self.deferred.drop()
            self._keys = {k: v for k, v in self._keys.items() if k != "relaxed" or self.live is None}
            for layer in ("overlay", "contour"):  # a picture on its way shows the old mask: start again
                if self._pending.pop(layer, None) is not None:
                    self.jobs.cancel(layer)
            if self.live is not None and self.live.matches(doc, self.options.compare, self.options.rho):
                self.live.update(region)
            self.refresh()
            return
        if self._large():
            self._defer(doc, region)
            self.refresh()
            return
        live, o = self.live, self.options
        if live is not None and live.matches(doc, o.compare, o.rho) and o.relaxed and ("relaxed" in self._keys or "relaxed" in self._pending):
            box = live.update(region)
            if box[2] > box[0] and box[3] > box[1]:
                self._patch_or_remember("relaxed", box)
        # a cutout with edge modes is rendered as a whole off the UI thread (CutoutPreview); the plain one is patched
        plain_cutout = o.mode is ViewMode.CUTOUT and self._keys.get("overlay") == ("cutout", (id(doc), doc.mask_version - 1))
        if o.mode in (ViewMode.TINT, ViewMode.MASK) or plain_cutout:
            self._patch_or_remember("overlay", region)
        self._patch_or_remember("contour", region)
        self.refresh()

    def _patch_or_remember(self, layer: str, region: Region) -> None:
        if layer in self._pending:
            self._dirty.setdefault(layer, []).append(region)
        elif layer in self._keys:
            self._repaint(layer, region)

    def _repaint(self, layer: str, region: Region) -> None:
        """Recompute ``region`` of one mask-derived layer from the current mask and paint it in."""
        doc, o = self.doc, self.options
        assert doc is not None and doc.mask is not None
        mask, (x0, y0, x1, y1) = doc.mask, region
        version = (id(doc), doc.mask_version)
        if layer == "relaxed":
            assert self.live is not None
            key, patch, x, y = self._keys["relaxed"], self.live.rgba[y0:y1, x0:x1], x0, y0
        elif layer == "overlay":
            sub = mask[y0:y1, x0:x1]
            if o.mode is ViewMode.TINT:
                patch = overlays.tint_rgba(sub, 1.0)
            elif o.mode is ViewMode.CUTOUT:
                patch = overlays.cutout_rgba(doc.rgb[y0:y1, x0:x1], sub)
            else:
                patch = overlays.mask_rgba(sub)
            key, x, y = (o.mode.value, version), x0, y0
        else:
            height, width = mask.shape
            px0, py0, px1, py1 = max(x0 - 1, 0), max(y0 - 1, 0), min(x1 + 1, width), min(y1 + 1, height)
            # one pixel of context on each side, so the contour is right at the region's edge
            cx0, cy0 = max(px0 - 1, 0), max(py0 - 1, 0)
            ring = overlays.contour_rgba(mask[cy0 : min(py1 + 1, height), cx0 : min(px1 + 1, width)])
            patch = ring[py0 - cy0 : py0 - cy0 + (py1 - py0), px0 - cx0 : px0 - cx0 + (px1 - px0)]
            key, x, y = ("contour", version), px0, py0
        self.canvas.update_layer_region(layer, rgba_to_qimage(np.ascontiguousarray(patch)), x, y)
        self._keys[layer] = key

    def relaxed_catching_up(self) -> bool:
        """Whether the incremental relaxed overlay still has stale tiles (its counts lag the mask)."""
        return self.live is not None and self.deferred.pending("relaxed")

    def live_scores(self) -> tuple[float, float, float] | None:
        """Relaxed (Fβ, precision, recall) of the shown comparison from the incremental overlay, if it is current."""
        doc, o = self.doc, self.options
        if doc is None or self.live is None or not self.live.matches(doc, o.compare, o.rho):
            return None
        self.deferred.flush("relaxed")  # the counts of the last dabs first
        return self.live.scores()
