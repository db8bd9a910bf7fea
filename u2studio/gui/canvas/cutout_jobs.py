"""Cutouts made off the UI thread: the canvas preview, Save cutout and Copy cutout share one settings object.

The cutout stage (``u2studio.core.cutout``) refines the edge against the full-resolution photo, which takes
about a second on a 24-MP image, so every render runs on the global QThreadPool and reports back through a
signal; a result for a mask version that is no longer current is dropped by its receiver. The OpenCV-backed
stage is imported inside the jobs, after the window is up.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from u2studio.core.priority import lower_current_thread
from u2studio.gui.canvas.view_options import CutoutChoice


def mask_grid(doc: object) -> tuple[int, int] | None:
    """The model's own (width, height) when ``doc``'s mask is its soft map scaled up (the soft-mask view), else None.

    Refined edges are then made to agree with the map on that grid (docs/cutout.md, "With the mask's grid"). A
    thresholded mask is not a scaled-up map, so it gets no grid; pixels the user corrected are locked anyway.
    """
    source = getattr(doc, "prediction_source", None)
    if source is None or getattr(doc, "threshold", 0.5) is not None:
        return None
    height, width = source.small.shape
    return None if (width, height) == (source.width, source.height) else (width, height)


def render(rgb: np.ndarray, mask: np.ndarray, locked: np.ndarray | None, choice: CutoutChoice,
           grid: tuple[int, int] | None = None) -> np.ndarray:
    """The RGBA cutout of the user's mask; their corrections (``locked``) are never moved by refinement.

    ``grid``: the model's native map size when ``mask`` is that map scaled up (:func:`mask_grid`).
    """
    from dataclasses import replace

    from u2studio.core.cutout import render_cutout

    settings = choice.settings()
    if grid is not None and settings.edges == "refined":
        settings = replace(settings, mask_grid=grid)
    return render_cutout(rgb, mask, settings, locked=locked)


def preview_rgba(rgb: np.ndarray, mask: np.ndarray, locked: np.ndarray | None, choice: CutoutChoice,
                 grid: tuple[int, int] | None = None) -> np.ndarray:
    """What the canvas shows in cutout view: the cutout, flattened onto the preview colour if one is chosen."""
    rgba = render(rgb, mask, locked, choice, grid)
    bg = choice.background_rgb()
    if bg is None:
        return rgba
    from u2studio.core.cutout import flatten

    out = np.empty_like(rgba)
    out[..., :3] = flatten(rgba, bg)
    out[..., 3] = 255
    return out


def source_icc(path: Path) -> bytes | None:
    """The colour profile to embed: the source's own (sRGB after a CMYK conversion), None when untagged."""
    from PIL import Image

    try:
        with Image.open(path) as img:
            if img.mode == "CMYK":
                from u2studio.core.imageio import srgb_profile

                return srgb_profile()
            return img.info.get("icc_profile") or None
    except OSError:
        return None


def encoded_cutout(rgb: np.ndarray, mask: np.ndarray, locked: np.ndarray | None, choice: CutoutChoice,
                   fmt: str, icc: bytes | None, grid: tuple[int, int] | None = None) -> bytes:
    """The cutout encoded as ``fmt`` (png, webp, jpg on white) with the source's colour profile."""
    from u2studio.core.cutout import encode_cutout

    return encode_cutout(render(rgb, mask, locked, choice, grid), fmt, None, icc)  # type: ignore[arg-type]


def cutout_format(path: Path) -> str:
    """png, webp or jpg from a file name (PNG when the extension says nothing else)."""
    suffix = path.suffix.lower()
    return {".webp": "webp", ".jpg": "jpg", ".jpeg": "jpg"}.get(suffix, "png")


class _Signals(QObject):
    done = Signal(int, object)  # job id, result
    failed = Signal(int, str)  # job id, message


class _Job(QRunnable):
    def __init__(self, job_id: int, work: Callable[[], object], signals: _Signals) -> None:
        super().__init__()
        self.job_id, self.work, self.signals = job_id, work, signals

    def run(self) -> None:
        lower_current_thread()
        try:
            result = self.work()
        except Exception as exc:  # noqa: BLE001 - reported to the user as a toast, never lost
            self.signals.failed.emit(self.job_id, f"{type(exc).__name__}: {exc}" if not isinstance(exc, (OSError, ValueError)) else str(exc))
            return
        self.signals.done.emit(self.job_id, result)


class CutoutJobs(QObject):
    """Runs cutout work on the thread pool; ``done(job_id, result)`` and ``failed(job_id, message)`` arrive on the UI thread."""

    done = Signal(int, object)
    failed = Signal(int, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._signals = _Signals(self)
        self._signals.done.connect(self.done)
        self._signals.failed.connect(self.failed)
        self.pool = QThreadPool.globalInstance()

    def submit(self, work: Callable[[], object]) -> int:
        """Run ``work`` in the background; returns its job id."""
        job_id = next(self._ids)
        self.pool.start(_Job(job_id, work, self._signals))
        return job_id

    def wait(self, msecs: int = 30_000) -> bool:
        """Let running jobs finish (closing, tests)."""
        return self.pool.waitForDone(msecs)


class CutoutPreview(QObject):
    """The cutout view's picture: rendered in the background for the current mask version and settings.

    Until the render for the current state arrives, the canvas shows the plain cutout (the mask as alpha), which
    brush edits patch per region; ``ready`` asks the presenter to swap the finished render in. Renders start
    after the mask has been still for ``delay_ms`` (a stroke does not start one per dab), and a render whose
    mask version or settings are no longer current is dropped.
    """

    ready = Signal()

    def __init__(self, jobs: CutoutJobs, delay_ms: int = 250) -> None:
        super().__init__(jobs)
        from PySide6.QtCore import QTimer

        self.jobs = jobs
        self._done_key: object = None
        self._rgba: np.ndarray | None = None
        self._wanted: tuple[object, Callable[[], object]] | None = None
        self._running: dict[int, object] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._start)
        jobs.done.connect(self._done)
        jobs.failed.connect(lambda job, _m: self._running.pop(job, None))

    def spec(self, doc: object, version: object, choice: CutoutChoice) -> tuple[object, Callable[[], np.ndarray]]:
        """(cache key, builder) of the overlay layer for ``doc`` at mask ``version`` with ``choice``."""
        from u2studio.core import overlays

        key = ("cutout-render", version, choice)
        if self._done_key == key and self._rgba is not None:
            rgba = self._rgba
            return key, lambda: rgba
        rgb, mask, edits, grid = doc.rgb, doc.mask, doc.edits, mask_grid(doc)  # type: ignore[attr-defined]
        if key not in self._running.values() and (self._wanted is None or self._wanted[0] != key):
            self._wanted = (key, lambda: preview_rgba(rgb, mask.copy(), None if edits is None else edits.copy(), choice,
                                                      grid))
            self._timer.start()
        bg = choice.background_rgb()
        if bg is None:
            return ("cutout", version), lambda: overlays.cutout_rgba(rgb, mask)
        return ("cutout-flat", version, bg), lambda: _flat_interim(rgb, mask, bg)

    def _start(self) -> None:
        if self._wanted is None:
            return
        key, work = self._wanted
        self._wanted = None
        self._running[self.jobs.submit(work)] = key

    def _done(self, job: int, result: object) -> None:
        key = self._running.pop(job, None)
        if key is None:
            return
        self._done_key, self._rgba = key, result  # type: ignore[assignment]
        self.ready.emit()

    @property
    def busy(self) -> bool:
        """Whether a render is waiting or running."""
        return bool(self._running) or self._timer.isActive()


def _flat_interim(rgb: np.ndarray, mask: np.ndarray, bg: tuple[int, int, int]) -> np.ndarray:
    """The plain cutout flattened onto ``bg`` (opaque RGBA)."""
    alpha = mask.astype(np.float32)[..., None] / 255.0
    out = np.empty((*mask.shape, 4), np.uint8)
    out[..., :3] = (rgb * alpha + np.asarray(bg, np.float32) * (1.0 - alpha) + 0.5).astype(np.uint8)
    out[..., 3] = 255
    return out
