"""The studio's logic: documents, inference, thresholds, references, saving. Widgets only bind to it.

Image I/O and the metrics pull in OpenCV, so they are imported on first use,
after the window is on screen.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Protocol

import numpy as np
from PySide6.QtCore import QObject, Signal

from u2studio.core.document import DocStatus, ImageDocument
from u2studio.gui.inference.doc_loader import Loaded, install, load_job, needs_load
from u2studio.gui.inference.client import InferenceClient
from u2studio.gui.inference.jobs import JobFailure, PredictResult
from u2studio.gui.common.background import BackgroundJobs
from u2studio.gui.inference.memory import DocumentMemory, budget_mb
from u2studio.gui.inference.metrics_runner import MetricsRunner

SYNC_DECODE_PIXELS = 2_000_000  # smaller images decode on the UI thread (a few ms); larger ones in the background
from u2studio.gui.common.notifications import NotificationManager
from u2studio.gui.canvas.cutout_jobs import CutoutJobs
from u2studio.gui.canvas.overlay_presenter import OverlayPresenter
from u2studio.gui.canvas.view_options import ViewOptions


class MaskHost(Protocol):
    """Applies changes of the mask model to a document (the editing side wraps them in undo steps)."""

    def apply_prediction(self, doc: ImageDocument, result: PredictResult, replace_edits: bool) -> None:
        """Store ``result`` as the document's prediction, keeping (or with ``replace_edits``, dropping) its corrections."""

    def apply_threshold(self, doc: ImageDocument, threshold: float | None) -> None:
        """Give the document a new threshold; its uncorrected pixels follow."""


class DirectMaskHost:
    """The mask host without undo: used until the editing side installs its own."""

    def apply_prediction(self, doc: ImageDocument, result: PredictResult, replace_edits: bool) -> None:
        """Set the prediction directly."""
        if replace_edits and doc.edits is not None:
            doc.edits[:] = False
        doc.set_prediction(result.mask, result.sides, result.side_names, source=result.source)
        doc.clean_label = None

    def apply_threshold(self, doc: ImageDocument, threshold: float | None) -> None:
        """Set the threshold directly."""
        if threshold != doc.threshold:
            doc.set_threshold(threshold)
            doc.clean_label = None


def _cheap(doc: ImageDocument) -> bool:
    """Whether the file is small enough to decode on the UI thread (its header says; unreadable counts as cheap)."""
    try:
        from PIL import Image

        with Image.open(doc.path) as image:
            return image.width * image.height <= SYNC_DECODE_PIXELS
    except Exception:  # noqa: BLE001 (the real decode reports the problem)
        return True


def expand_paths(paths: list[str]) -> list[Path]:
    """Image files named directly, plus the images inside named folders (sorted)."""
    from u2studio.core.imageio import is_image_path

    found: list[Path] = []
    for text in paths:
        path = Path(text).expanduser()
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.is_file() and is_image_path(p)))
        else:
            found.append(path)
    return found


class StudioController(QObject):
    """Owns the open documents and drives the worker and the overlay presenter."""

    documents_changed = Signal()
    document_updated = Signal(int)  # index whose status or thumbnail changed
    current_changed = Signal(int)
    metrics_changed = Signal(object)  # MaskComparison | None
    inference_time = Signal(float, str)  # milliseconds, device
    busy_changed = Signal(bool)
    reference_loaded = Signal()
    mask_written = Signal(object, object)  # the ImageDocument whose mask was written, DocStatus.SAVED or EXPORTED
    threshold_shown = Signal(object)  # the shown image's threshold (None: soft), for the view panel
    cutout_saved = Signal(object)  # Path of a cutout written in the background
    cutout_copied = Signal(bytes)  # PNG bytes of a cutout for the clipboard
    cutout_failed = Signal(str)
    prediction_arrived = Signal(object)  # the ImageDocument that got a new model result

    def __init__(self, presenter: OverlayPresenter, notes: NotificationManager, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.presenter = presenter
        self.notes = notes
        self.documents: list[ImageDocument] = []
        self.current = -1
        self.model = "u2netp"
        self.device = "auto"
        self.mask_host: MaskHost = DirectMaskHost()
        self._replace_on_result: set[str] = set()  # image keys whose next result replaces their corrections
        self.memory = DocumentMemory(budget_mb() * 2**20)  # the window applies the saved setting
        self.memory.add_holder(presenter.picture_bytes, presenter.release_cache)  # pictures count too
        self.jobs = BackgroundJobs(1, self)  # decoding and encoding, off the UI thread
        self.cutouts = CutoutJobs(self)
        self.cutouts.done.connect(self._cutout_done)
        self.cutouts.failed.connect(self._cutout_failed)
        self._cutout_requests: dict[int, tuple[str, Path | None, float]] = {}
        self.client = InferenceClient(self)
        self.client.result.connect(self._on_result)
        self.client.failed.connect(self._on_failed)
        self.client.notice.connect(self.notes.warning)
        self.client.running.connect(self._on_running)
        self.client.idle.connect(lambda: self.busy_changed.emit(False))
        self.client.dropped.connect(self._on_dropped)
        self.metrics = MetricsRunner(lambda: self.doc, presenter, self)  # off the UI thread, throttled
        self.metrics.ready.connect(self.metrics_changed)

    # ----- documents ---------------------------------------------------------------
    @property
    def doc(self) -> ImageDocument | None:
        """The document on the canvas."""
        return self.documents[self.current] if 0 <= self.current < len(self.documents) else None

    def open_paths(self, paths: list[str]) -> list[ImageDocument]:
        """Add images and folders to the list and show the first new one; when every image named is already
        open (a recovered session started with the same photo, a second drop), show the first of them."""
        known = {d.path.resolve() for d in self.documents}
        requested = expand_paths(paths)
        added = []
        for path in requested:
            if path.resolve() in known:
                continue
            known.add(path.resolve())
            added.append(ImageDocument(path))
        if not added:
            if requested:
                first = requested[0].resolve()
                self.select(next(i for i, d in enumerate(self.documents) if d.path.resolve() == first))
            elif paths:
                self.notes.warning("No images to open in " + ", ".join(paths) + ".")
            return []
        self.documents.extend(added)
        self.documents_changed.emit()
        self.select(len(self.documents) - len(added))
        return added

    def select(self, index: int) -> None:
        """Show document ``index``; a large file not in memory is decoded in the background meanwhile.

        Until its pixels arrive the canvas keeps the previous picture; a newer selection drops them.
        """
        if not 0 <= index < len(self.documents):
            return
        doc = self.documents[index]
        self.current = index
        self.memory.touch(doc)
        if needs_load(doc) and not (doc.error is not None and not doc.has_prediction) and not _cheap(doc):
            self.current_changed.emit(index)
            self._load_in_background(doc)
            return
        self.ensure_loaded(doc)
        self._show(doc)

    def _show(self, doc: ImageDocument) -> None:
        if doc.mask is None and doc.has_prediction:
            doc.rederive()  # its mask was the model's base and was evicted: derive it again
        if doc.threshold != self.presenter.options.threshold:
            self.presenter.options = replace(self.presenter.options, threshold=doc.threshold)
        self.threshold_shown.emit(doc.threshold)
        self.presenter.show_document(doc if doc.rgb is not None else None)
        self.current_changed.emit(self.current)
        self.memory.enforce(self.documents, doc)
        self.schedule_metrics()

    def _load_in_background(self, doc: ImageDocument) -> None:
        """Decode the photo, re-make a dropped prediction and derive the mask, off the UI thread (``doc_loader``)."""
        self.jobs.submit("decode", load_job(doc), lambda loaded: self._loaded(doc, loaded),
                         lambda message: self._decode_failed(doc, message))

    def _loaded(self, doc: ImageDocument, loaded: Loaded) -> None:
        if doc is not self.doc:
            if loaded.source is not None and loaded.prediction is not None:
                doc.restore_prediction(loaded.prediction, loaded.source)
            return  # another image was chosen meanwhile: its pixels are not kept
        on_screen = self.presenter.doc is doc and doc.rgb is not None  # a result's mask: the views follow mask_changed
        install(doc, loaded)
        self._updated(doc)
        if on_screen:
            if doc.mask is None and doc.has_prediction:
                doc.rederive()  # the threshold changed meanwhile: derive it here after all
            self.schedule_metrics()
        else:
            self._show(doc)

    def _decode_failed(self, doc: ImageDocument, message: str) -> None:
        doc.error = message.split(": ", 1)[-1]
        self.notes.error(f"Cannot open {doc.error}")
        self._updated(doc)
        if doc is self.doc:
            self.presenter.show_document(None)

    def step(self, delta: int) -> None:
        """Show the next (+1) or previous (-1) image."""
        if self.documents:
            self.select(max(0, min(len(self.documents) - 1, self.current + delta)))

    def ensure_loaded(self, doc: ImageDocument) -> bool:
        """Read the image of ``doc`` once; a failure is reported and marks it failed."""
        if doc.rgb is not None:
            return True
        if doc.error is not None and not doc.has_prediction:
            return False
        from u2studio.core.imageio import ImageLoadError, load_image

        try:
            doc.rgb = load_image(doc.path).rgb
        except ImageLoadError as exc:
            doc.error = str(exc)
            self.notes.error(f"Cannot open {exc}")
            self._updated(doc)
            return False
        self._updated(doc)
        return True

    def _updated(self, doc: ImageDocument) -> None:
        if doc in self.documents:
            self.document_updated.emit(self.documents.index(doc))

    def _find(self, key: str) -> ImageDocument | None:
        return next((d for d in self.documents if str(d.path) == key), None)

    # ----- inference ---------------------------------------------------------------
    def run_current(self, *, replace_edits: bool = False) -> int | None:
        """Predict the image on the canvas; returns the request id.

        An edited image keeps its corrections (the new prediction shows wherever the user did not correct);
        ``replace_edits`` drops them instead. Either way the change is one undo step.
        """
        doc = self.doc
        if doc is None or not self.ensure_loaded(doc):
            return None
        return self._submit([doc], replace_edits)[0]

    def run_all(self, *, replace_edits: bool = False) -> list[int]:
        """Predict every image not known to be unreadable, with progress (the worker reads unopened files)."""
        docs = [d for d in self.documents if d.status is not DocStatus.FAILED or d.rgb is not None]
        return self._submit(docs, replace_edits) if docs else []

    def _submit(self, docs: list[ImageDocument], replace_edits: bool = False) -> list[int]:
        items = [(str(d.path), d.rgb) for d in docs]
        ids = self.client.submit_batch(items, self.model, self.device) if len(items) > 1 else [
            self.client.submit(items[0][0], items[0][1], self.model, self.device)
        ]
        for d in docs:
            d.running = True
            if replace_edits:
                self._replace_on_result.add(str(d.path))
            else:
                self._replace_on_result.discard(str(d.path))
            self._updated(d)
        self.busy_changed.emit(True)
        return ids

    def cancel(self) -> None:
        """Stop queued and running inference."""
        self.client.cancel()

    def _on_running(self, key: str) -> None:
        doc = self._find(key)
        if doc is not None:
            doc.running = True
            self._updated(doc)

    def _on_dropped(self, request_id: int) -> None:
        for doc in self.documents:
            if doc.running and not self._still_running(doc):
                doc.running = False
                self._updated(doc)

    def _still_running(self, doc: ImageDocument) -> bool:
        return str(doc.path) in self.client.pending_keys()

    def _on_result(self, result: PredictResult) -> None:
        doc = self._find(result.doc_key)
        if doc is None:
            return
        if doc.rgb is None and result.rgb is not None:
            doc.rgb = result.rgb  # the worker read the file (or the pixels were evicted meanwhile: they reload on select)
        doc.inference_ms = result.milliseconds
        doc.model_name = result.model
        doc.running = False
        replace_edits = result.doc_key in self._replace_on_result
        self._replace_on_result.discard(result.doc_key)
        if doc.mask is None and doc.edits is None:
            # no mask made yet (or evicted), nothing corrected, so no edit session: the mask is derived on a pool
            # thread, now if the image is on screen, else when it is shown (a 24-MP pass costs the UI thread nothing)
            doc.set_prediction(result.mask, result.sides, result.side_names, source=result.source, derive=False)
            doc.clean_label = None
            if doc is self.doc and not _cheap(doc):
                self._load_in_background(doc)
            elif doc is self.doc:
                doc.rederive()
        else:
            self.mask_host.apply_prediction(doc, result, replace_edits)
        self._updated(doc)
        self.prediction_arrived.emit(doc)
        self.inference_time.emit(result.milliseconds, result.device)
        self.memory.enforce(self.documents, self.doc)
        if doc is self.doc:
            self.schedule_metrics()

    def _on_failed(self, failure: JobFailure) -> None:
        doc = self._find(failure.doc_key)
        if doc is not None:
            doc.running = self._still_running(doc)
            doc.error = failure.message
            if doc.rgb is None and doc is self.doc:
                self.presenter.show_document(None)
            self._updated(doc)
        name = doc.name if doc else failure.doc_key
        self.notes.error(f"Inference failed on {name}: {failure.message}")

    # ----- view, threshold, reference ------------------------------------------------
    def set_options(self, options: ViewOptions) -> None:
        """Apply view options; a new threshold re-derives the current mask of the shown image."""
        old = self.presenter.options
        if options.threshold != old.threshold and self.doc is not None:
            self.presenter.options = options
            self.mask_host.apply_threshold(self.doc, options.threshold)  # corrections stay, the rest follows
            self._updated(self.doc)
        self.presenter.set_options(options)
        if (options.rho, options.compare, options.threshold) != (old.rho, old.compare, old.threshold):
            self.schedule_metrics()

    def load_reference(self, path: str) -> bool:
        """Load a ground-truth mask for the shown image."""
        doc = self.doc
        if doc is None or doc.rgb is None:
            self.notes.warning("Open an image before loading its reference mask.")
            return False
        from u2studio.core.imageio import ImageLoadError, load_mask

        try:
            doc.set_gt(load_mask(path))
        except (ImageLoadError, ValueError) as exc:
            self.notes.error(f"Cannot use that reference mask: {exc}")
            return False
        self.notes.info(f"Reference mask loaded for {doc.name}")
        self.reference_loaded.emit()
        self.presenter.refresh()
        self.schedule_metrics()
        return True

    def schedule_metrics(self) -> None:
        """Recompute the metrics soon, in the background: bursts of changes (slider moves, brush dabs) are throttled."""
        self.metrics.schedule()

    # ----- output ----------------------------------------------------------------------
    def default_output(self, kind: str, doc: ImageDocument | None = None) -> Path | None:
        """A suggested file name beside the image: NAME_mask.png or NAME_cutout.png."""
        doc = self.doc if doc is None else doc
        return None if doc is None else doc.path.with_name(f"{doc.path.stem}_{kind}.png")

    def save_mask(self, path: str | Path, doc: ImageDocument | None = None, *, background: bool = False) -> Path | None:
        """Write the current mask (of ``doc``, the shown image by default) as an 8-bit PNG, atomically.

        ``background`` encodes a copy off the UI thread; the image counts as saved when the file is written
        and the mask has not changed meanwhile.
        """
        if not background:
            return self._save(path, self._mask_of, doc)
        doc = self.doc if doc is None else doc
        if doc is None or doc.mask is None:
            self.notes.warning("Nothing to save yet: run the model first.")
            return None
        from u2studio.core.imageio import save_png

        mask, version, begin = doc.mask.copy(), doc.mask_version, time.perf_counter()
        self.jobs.submit(("save", str(path)), lambda: save_png(path, mask),
                         lambda written: self._mask_saved(doc, written, version, begin),
                         lambda message: self.notes.error(f"Could not save {path}: {message}"))
        return Path(path)

    def _mask_saved(self, doc: ImageDocument, written: Path, version: int, begin: float) -> None:
        if doc.mask_version == version:
            self.mark_written(doc, DocStatus.SAVED)
        self._updated(doc)
        self.notes.info(f"Saved {written.name} ({(time.perf_counter() - begin) * 1000:.0f} ms)")

    @staticmethod
    def _mask_of(doc: ImageDocument) -> np.ndarray:
        return doc.mask

    def save_cutout(self, path: str | Path) -> int | None:
        """Write the shown image's cutout (the chosen edge mode, off the UI thread, atomically); ``cutout_saved`` follows.

        The format comes from the extension (PNG, WebP, or JPEG on white); the source's colour profile is embedded.
        """
        job = self._cutout_job(Path(path), "save")
        return job

    def copy_cutout(self) -> int | None:
        """Render the cutout in the background; ``cutout_copied(png_bytes)`` hands it to the clipboard."""
        return self._cutout_job(None, "copy")

    def _cutout_job(self, target: Path | None, kind: str) -> int | None:
        from u2studio.gui.canvas.cutout_jobs import cutout_format, encoded_cutout, mask_grid, source_icc

        doc = self.doc
        if doc is None or doc.mask is None or doc.rgb is None:
            self.notes.warning("Nothing to cut out yet: run the model first.")
            return None
        if target is not None and target.expanduser().resolve() == doc.path.resolve():
            self.notes.error(f"Not saving over the photo itself: choose another name than {doc.path.name}")
            return None
        rgb, mask, choice, source = doc.rgb, doc.mask.copy(), self.presenter.options.cutout, doc.path
        locked = doc.edits.copy() if doc.edits is not None and doc.edits.any() else None
        grid = mask_grid(doc)

        def work() -> object:
            if target is None:
                return encoded_cutout(rgb, mask, locked, choice, "png", None, grid)
            from u2studio.core.atomic import atomic_write_bytes

            return atomic_write_bytes(target, encoded_cutout(rgb, mask, locked, choice, cutout_format(target),
                                                             source_icc(source), grid))

        job = self.cutouts.submit(work)
        self._cutout_requests[job] = (kind, target, time.perf_counter())
        return job

    def _cutout_done(self, job: int, result: object) -> None:
        kind, target, begin = self._cutout_requests.pop(job, ("", None, 0.0))
        ms = (time.perf_counter() - begin) * 1000
        if kind == "save":
            self.notes.info(f"Saved {Path(str(result)).name} ({ms:.0f} ms, {self.presenter.options.cutout.edges} edges)")
            self.cutout_saved.emit(result)
        elif kind == "copy":
            self.cutout_copied.emit(result)

    def _cutout_failed(self, job: int, message: str) -> None:
        kind, target, _ = self._cutout_requests.pop(job, ("", None, 0.0))
        what = f"save {target}" if kind == "save" else "copy the cutout"
        self.notes.error(f"Could not {what}: {message}")
        self.cutout_failed.emit(message)

    def _save(self, path: str | Path, build, doc: ImageDocument | None = None) -> Path | None:  # noqa: ANN001
        doc = self.doc if doc is None else doc
        if doc is None or doc.mask is None:
            self.notes.warning("Nothing to save yet: run the model first.")
            return None
        from u2studio.core.imageio import save_png

        try:
            begin = time.perf_counter()
            written = save_png(path, build(doc))
        except (OSError, ValueError) as exc:
            self.notes.error(f"Could not save {path}: {exc}")
            return None
        if build is self._mask_of:
            self.mark_written(doc, DocStatus.SAVED)
        self._updated(doc)
        self.notes.info(f"Saved {written.name} ({(time.perf_counter() - begin) * 1000:.0f} ms)")
        return written

    def mark_written(self, doc: ImageDocument, label: DocStatus) -> None:
        """The document's mask was written (SAVED beside the image, or EXPORTED to a dataset)."""
        doc.clean_label = label
        self.mask_written.emit(doc, label)
        self._updated(doc)

    def pixel_text(self, x: int, y: int) -> str:
        """The RGB and mask values under the cursor, for the status bar."""
        doc = self.doc
        if doc is None or doc.rgb is None or not (0 <= x < doc.rgb.shape[1] and 0 <= y < doc.rgb.shape[0]):
            return ""  # off the image, or a position remembered from a larger one
        r, g, b = (int(v) for v in doc.rgb[y, x])
        text = f"({x}, {y})  RGB {r} {g} {b}"
        if doc.mask is not None:
            text += f"  mask {int(doc.mask[y, x])}"
        return text

    def shutdown(self) -> None:
        """Finish background writes and cutouts being written, then stop the worker thread."""
        self.jobs.wait(30_000)
        self.client.shutdown()
        self.cutouts.wait()
