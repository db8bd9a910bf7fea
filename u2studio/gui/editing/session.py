"""Editing state of one image: its MaskEditor, its own undo stack and its autosaver.

The document's ``mask`` is the editor's live array, so views read what the tools write; every change of the
editor becomes ``doc.mask_changed(box)`` (a region repaint). Each pushed edit also updates the document's
edit layer (``doc.edits``: where the user's corrections decide the pixel), and new predictions and
thresholds re-derive only the other pixels, so no model run or setting discards a correction.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QWidget

from u2studio.core.document import DocStatus, ImageDocument, count_edit
from u2studio.core.editing import EditRecord, MaskEditor, Rect
from u2studio.core.editing.autosave import Autosaver
from u2studio.gui.common.background import BackgroundJobs
from u2studio.gui.editing.autosave_status import autosave_events
from u2studio.gui.editing.undo_command import EditCommand, PredictionCommand


class EditSession:
    """Binds one document to an editor (record_history=False), a QUndoStack and an Autosaver."""

    def __init__(
        self,
        doc: ImageDocument,
        *,
        autosave_interval: float,
        recovered: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        if doc.rgb is None or doc.mask is None:
            raise ValueError(f"{doc.name}: nothing to edit before the image and a mask exist")
        doc.ensure_layers()
        self.doc = doc
        # the editor adopts the document's mask array: views keep theirs, nothing is rebuilt on the first edit
        # the base for "reset to prediction" is made when first needed: a 24-MP first dab need not pay for it
        self.editor = MaskEditor(doc.mask, image=doc.rgb, prediction=doc.base, record_history=False, copy=False)
        doc.mask = self.editor.mask
        self.stack = QUndoStack(parent)
        self.recovered = recovered
        self.written_label: DocStatus | None = doc.clean_label  # what the clean state of the stack means
        self._last_edit: float | None = None
        self._compactor: BackgroundJobs | None = None  # compresses stroke records off the GUI thread (made on first use)
        self.on_pushed: Callable[[], None] | None = None  # the controller's history cap
        self._ending_stroke = False
        # autosave failures (and the write that ends them) reach the window's warning bar
        on_saved, on_error = autosave_events().callbacks(doc.path)
        self.autosaver = Autosaver(
            doc.path, (doc.rgb.shape[1], doc.rgb.shape[0]), self.editor.snapshot, interval=autosave_interval,
            on_saved=on_saved, on_error=on_error,
        )
        self.editor.add_listener(self._changed)
        self.stack.cleanChanged.connect(self._clean_changed)

    def _changed(self, rect: Rect) -> None:
        # a stroke's end changes no pixel its dabs did not already show: views need not repaint its box
        self.doc.mask_changed((rect.x0, rect.y0, rect.x1, rect.y1), shown=self._ending_stroke)
        if not self.editor.in_stroke:
            self.autosaver.notify_changed()

    def _clean_changed(self, clean: bool) -> None:
        self.doc.clean_label = self.written_label if clean and not self.recovered else None

    @property
    def unsaved(self) -> bool:
        """Whether there are corrections the person has not saved or exported (a recovered mask counts)."""
        return self.recovered or (self.doc.has_edits and self.doc.clean_label is None)

    # ----- edits ------------------------------------------------------------------------
    def end_stroke(self) -> EditRecord | None:
        """Finish the brush stroke in progress (its record, to push), telling views its pixels are already shown."""
        self._ending_stroke = True
        try:
            # raw: zlib over a 4-MP stroke box cost the release 10 ms, and push() read it back at once; compacted later
            return self.editor.end_stroke(compress=False)
        finally:
            self._ending_stroke = False

    def push(self, record: EditRecord | None, *, clears_edits: bool = False) -> None:
        """Record an edit the editor already made as one undo step; the pixels it changed become corrections.

        ``clears_edits`` (reset to prediction) hands the box back to the model instead.
        """
        if record is None:
            return
        assert self.doc.edits is not None
        box = record.rect.slices
        before = self.doc.edits[box].copy()
        after = np.zeros_like(before) if clears_edits else before | (record.old_values != record.new_values)
        self.doc.edits[box] = after
        self.stack.push(EditCommand(self, record, before, after))
        self._last_edit = count_edit(self.doc, time.monotonic(), self._last_edit)
        self._pushed()
        if record.compactable:
            if self._compactor is None:
                self._compactor = BackgroundJobs(1, self.stack)
            self._compactor.submit(("compact", id(record)), record.compacted, lambda compact: self._adopt(record, compact))

    def _adopt(self, raw: EditRecord, compact: EditRecord) -> None:
        """A raw record's compressed twin arrived: the step that holds it (or its clone, after a trim) keeps that."""
        for index in range(self.stack.count()):
            command = self.stack.command(index)
            if isinstance(command, EditCommand) and command.record is raw:
                command.adopt(compact)
                self._pushed()  # the history cap sees the smaller size
                return

    def wait_compacted(self, msecs: int = 30_000) -> bool:
        """Wait until no stroke record is being compressed (for tests)."""
        return self._compactor is None or self._compactor.wait(msecs)

    def _pushed(self) -> None:
        if self.on_pushed is not None:
            self.on_pushed()

    def replay(self, record: EditRecord, layer: np.ndarray, *, forward: bool) -> None:
        """Undo (``forward=False``) or redo an edit: its pixels, its edit layer, then re-derive the rest of its box."""
        assert self.doc.edits is not None
        with self.editor.lock:
            (self.editor.redo_record if forward else self.editor.undo_record)(record)
            self.doc.edits[record.rect.slices] = layer
            rect = record.rect
            self.doc.rederive((rect.x0, rect.y0, rect.x1, rect.y1))
        self.autosaver.notify_changed()

    # ----- model output and threshold -----------------------------------------------------
    def push_prediction(self, prediction: np.ndarray, sides: tuple, side_names: tuple, *, replace_edits: bool) -> None:
        """A new model result: one undo step that keeps the corrections (or replaces them, if asked)."""
        self.stack.push(PredictionCommand(self, prediction, sides, side_names, replace_edits))
        self._pushed()

    def set_model_output(
        self,
        prediction: np.ndarray | None,
        sides: tuple,
        side_names: tuple,
        *,
        clear_edits: bool = False,
        restore: tuple[np.ndarray | None, np.ndarray | None] = (None, None),
    ) -> None:
        """Put a prediction on the document and re-derive the mask (used by PredictionCommand)."""
        doc = self.doc
        assert doc.edits is not None and doc.mask is not None
        with self.editor.lock:
            if clear_edits:
                doc.edits[:] = False
            edits, mask = restore
            if edits is not None and mask is not None:
                doc.edits[:] = edits
                np.copyto(doc.mask, mask, where=edits)
            doc.prediction, doc.sides, doc.side_names = prediction, sides, side_names
            doc.rederive()
            self.editor.prediction = doc.base
        self.autosaver.notify_changed()

    def set_threshold(self, threshold: float | None) -> None:
        """A new threshold for this image: uncorrected pixels follow it; the mask now differs from the last write."""
        if threshold == self.doc.threshold:
            return
        with self.editor.lock:
            self.doc.set_threshold(threshold)
            self.editor.prediction = self.doc.base
        self.stack.resetClean()
        self.doc.clean_label = None
        self.autosaver.notify_changed()

    # ----- saving ---------------------------------------------------------------------------
    def mark_written(self, label: DocStatus) -> None:
        """The mask was saved or exported: the undo stack is clean there and the autosave needs no recovery."""
        self.written_label = label
        self.recovered = False
        self.stack.setClean()
        self.doc.clean_label = label
        self.autosaver.mark_clean()

    def close(self, *, discard: bool = False) -> None:
        """Stop autosaving (a final write unless ``discard``, which deletes the session folder)."""
        if self.editor.in_stroke:
            self.push(self.end_stroke())
        self.editor.remove_listener(self._changed)
        self.autosaver.close(discard_session=discard)
