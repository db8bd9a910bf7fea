"""Correction logic of the studio: one EditSession per image, the undo group, tool settings, commands, recovery.

Widgets and the canvas input only call into this; it never touches a widget.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoGroup

from u2studio.core.document import DocStatus, ImageDocument, Region
from u2studio.core.editing import EditRecord, MaskEditor
from u2studio.core.editing.autosave import Session, discard, find_recoverable, recover
from u2studio.core.editing.stroke import prepare_buffers
from u2studio.gui.common.background import BackgroundJobs
from u2studio.gui.inference.controller import DirectMaskHost, StudioController
from u2studio.gui.inference.jobs import PredictResult
from u2studio.gui.editing.history_cap import HistoryCap
from u2studio.gui.editing.refine_jobs import RefineJobs
from u2studio.gui.editing.session import EditSession
from u2studio.gui.inference.memory import undo_budget_mb
from u2studio.gui.editing.tools import Tool, ToolSettings, clamp_size

DEFAULT_AUTOSAVE_S = 3.0


def autosave_interval() -> float:
    """Seconds between autosaves (U2STUDIO_AUTOSAVE_S overrides the default, e.g. for tests)."""
    try:
        return max(0.0, float(os.environ.get("U2STUDIO_AUTOSAVE_S", DEFAULT_AUTOSAVE_S)))
    except ValueError:
        return DEFAULT_AUTOSAVE_S


PREPARE_BUFFERS_MS = 500  # after a photo is shown (restarted by each switch)

class EditController(QObject):
    """Owns the edit sessions of the studio's documents and runs the correction commands on the shown one."""

    settings_changed = Signal(object)  # ToolSettings
    edited = Signal()

    def __init__(self, studio: StudioController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.settings = ToolSettings()
        self.group = QUndoGroup(self)
        self.sessions: dict[int, EditSession] = {}
        self.autosave_interval = autosave_interval()
        self._starting = False
        self._direct = DirectMaskHost()
        self._awaiting_prediction: set[int] = set()  # recovered documents whose corrections are found on the next result
        self.history_cap = HistoryCap(undo_budget_mb() * 2**20)  # the window applies the saved setting
        studio.mask_host = self  # new predictions and thresholds go through the edit sessions (undo steps)
        studio.memory.keeps_mask = lambda doc: id(doc) in self.sessions  # the user's work is never evicted
        studio.memory.evicted.append(self._photo_evicted)
        studio.metrics.busy = self.stroking  # metrics wait for the end of a stroke
        # refine edge runs off the GUI thread; a result for a closed or replaced session is dropped
        self._buffers = BackgroundJobs(1, self)  # the brush's full-size buffers, made ahead of the first stroke
        self._buffers_timer = QTimer(self)
        self._buffers_timer.setSingleShot(True)
        self._buffers_timer.setInterval(PREPARE_BUFFERS_MS)
        self._buffers_timer.timeout.connect(self._prepare_buffers)
        self.refines = RefineJobs(studio.notes.warning, lambda s: self.sessions.get(id(s.doc)) is s, self)
        studio.current_changed.connect(self._current_changed)
        studio.mask_written.connect(self._written)

    # ----- settings -------------------------------------------------------------------
    def set_settings(self, **changes: object) -> None:
        """Change tool options (tool, size, hardness, ...)."""
        if "size" in changes:
            changes["size"] = clamp_size(float(changes["size"]))  # type: ignore[arg-type]
        new = replace(self.settings, **changes)  # type: ignore[arg-type]
        if new != self.settings:
            self.settings = new
            self.settings_changed.emit(new)

    def set_tool(self, tool: Tool) -> None:
        """Pick the tool for left-drags on the canvas."""
        self.set_settings(tool=tool)

    def scale_size(self, factor: float) -> None:
        """Make the brush bigger (factor > 1) or smaller."""
        self.set_settings(size=self.settings.size * factor)

    # ----- sessions -------------------------------------------------------------------
    def session(self, doc: ImageDocument | None = None, create: bool = True) -> EditSession | None:
        """The edit session of ``doc`` (the shown one by default); created on first use, with an empty mask if none."""
        doc = self.studio.doc if doc is None else doc
        if doc is None or doc.rgb is None:
            return None
        current = self.sessions.get(id(doc))
        if current is not None and current.editor.mask is doc.mask:
            current.editor.image = doc.rgb  # the photo may have been evicted and read again
            return current
        if not create:
            return None
        if current is not None:  # the mask was replaced (new threshold or prediction): a fresh history
            self._drop(doc, current, discard_session=True)
        doc.ensure_layers()
        return self._start(doc, recovered=False)

    def _start(self, doc: ImageDocument, recovered: bool) -> EditSession:
        before = doc.mask
        session = EditSession(doc, autosave_interval=self.autosave_interval, recovered=recovered, parent=self)
        self.sessions[id(doc)] = session
        session.on_pushed = self._cap_histories
        self.group.addStack(session.stack)
        session.stack.cleanChanged.connect(self._clean_changed)
        session.stack.indexChanged.connect(lambda _i, d=doc: self._notify(d))  # undo/redo can change the state
        doc.add_mask_listener(self._mask_changed)
        if doc is self.studio.doc:
            self.group.setActiveStack(session.stack)
        if recovered or doc.mask is not before:  # a new array (or recovered values): views must redraw it all
            self._starting = True
            try:
                doc.mask_changed(None, edited=False)
            finally:
                self._starting = False
        return session

    def _drop(self, doc: ImageDocument, session: EditSession, discard_session: bool) -> None:
        session.close(discard=discard_session)
        session.stack.cleanChanged.disconnect(self._clean_changed)
        self.group.removeStack(session.stack)
        session.stack.deleteLater()
        doc.remove_mask_listener(self._mask_changed)
        self.sessions.pop(id(doc), None)

    def _cap_histories(self) -> None:
        """Keep every image's undo history together under the byte cap (oldest steps go first)."""
        by_stack = {id(s.stack): s for s in self.sessions.values()}

        def trimmed(stack: object) -> None:
            session = by_stack[id(stack)]
            session._clean_changed(session.stack.isClean())  # noqa: SLF001 (the rebuilt stack's saved state)
            self._notify(session.doc)

        self.history_cap.enforce([s.stack for s in self.sessions.values()], trimmed)

    def _photo_evicted(self, doc: ImageDocument) -> None:
        """The memory budget dropped ``doc``'s decoded photo: let its editor release it too."""
        session = self.sessions.get(id(doc))
        if session is not None:
            session.editor.image = None

    def _clean_changed(self, _clean: bool) -> None:
        for session in self.sessions.values():
            if session.stack is self.sender():
                self._notify(session.doc)

    def _notify(self, doc: ImageDocument) -> None:
        """Tell the file list that ``doc``'s state changed."""
        if doc in self.studio.documents:
            try:
                self.studio.document_updated.emit(self.studio.documents.index(doc))
            except RuntimeError:  # the window is closing: its undo stacks report "clean" after the controller is gone
                return

    def _mask_changed(self, doc: ImageDocument, region: Region) -> None:
        session = self.sessions.get(id(doc))
        if self._starting or session is None or session.editor.mask is not doc.mask:
            return
        if doc is self.studio.doc:
            self.studio.schedule_metrics()
            self.edited.emit()

    def _current_changed(self, _row: int) -> None:
        doc = self.studio.doc
        session = self.sessions.get(id(doc)) if doc is not None else None
        self.group.setActiveStack(session.stack if session is not None else None)
        self._buffers_timer.start()  # the first dab on this photo need not fault 120 MB in: see _prepare_buffers

    def _prepare_buffers(self) -> None:
        """Make the brush's buffers for the shown photo on a pool thread, a moment after it is shown.

        Not at once: faulting 120 MB in while a photo (or fifty) opens competes with the opening for the memory map.
        """
        doc = self.studio.doc
        if doc is not None and doc.size is not None:
            shape = (doc.size[1], doc.size[0])
            self._buffers.submit("stroke-buffers", lambda: prepare_buffers(shape), lambda _none: None)

    # ----- the mask host: model results and thresholds as undoable changes -------------------
    def apply_prediction(self, doc: ImageDocument, result: PredictResult, replace_edits: bool) -> None:
        """A new model result: an undo step on an image with an edit session, a plain update otherwise."""
        session = self.sessions.get(id(doc))
        if session is None or session.editor.mask is not doc.mask:
            self._direct.apply_prediction(doc, result, replace_edits)
            return
        if id(doc) in self._awaiting_prediction:  # recovered: the corrections are where the mask differs from the model
            self._awaiting_prediction.discard(id(doc))
            session.set_model_output(result.mask, result.sides, result.side_names)
            assert doc.edits is not None and doc.mask is not None
            doc.edits &= doc.mask != doc.base()
            return
        session.push_prediction(result.mask, result.sides, result.side_names, replace_edits=replace_edits)

    def apply_threshold(self, doc: ImageDocument, threshold: float | None) -> None:
        """A new threshold for ``doc``; its corrections stay."""
        session = self.sessions.get(id(doc))
        if session is None or session.editor.mask is not doc.mask:
            self._direct.apply_threshold(doc, threshold)
        else:
            session.set_threshold(threshold)
        self._notify(doc)

    def _written(self, doc: ImageDocument, label: DocStatus) -> None:
        session = self.sessions.get(id(doc))
        if session is not None and session.editor.mask is doc.mask:
            session.mark_written(label)
        self._notify(doc)

    # ----- edits ------------------------------------------------------------------------
    def editor(self) -> MaskEditor | None:
        """The shown image's editor (created on demand)."""
        session = self.session()
        return None if session is None else session.editor

    def push(self, record: EditRecord | None) -> None:
        """Record an edit of the shown image as one undo step."""
        session = self.session()
        if session is not None and record is not None:
            session.push(record)

    def run(self, operation: Callable[[MaskEditor], EditRecord | None], *, clears_edits: bool = False) -> EditRecord | None:
        """Apply ``operation`` to the shown image's editor and push its record (see EditSession.push)."""
        session = self.session()
        if session is None:
            self.studio.notes.warning("Open an image first.")
            return None
        if session.editor.in_stroke:
            session.push(session.end_stroke())
        record = operation(session.editor)
        session.push(record, clears_edits=clears_edits)
        return record

    def refine_along(self, points: np.ndarray, width: float) -> None:
        """Refine edge along a drawn polyline: computed in the background, applied as one undo step."""
        session = self.session()
        if session is None:
            self.studio.notes.warning("Open an image first.")
            return
        if session.editor.in_stroke:
            session.push(session.end_stroke())
        self.refines.start(session, points, width)

    def grow(self) -> None:
        """Dilate the mask by the tool options' radius."""
        self.run(lambda e: e.grow(self.settings.morph_radius))

    def shrink(self) -> None:
        """Erode the mask by the tool options' radius."""
        self.run(lambda e: e.shrink(self.settings.morph_radius))

    def smooth(self) -> None:
        """Remove specks and fill pinholes up to the tool options' radius."""
        self.run(lambda e: e.smooth(self.settings.morph_radius))

    def invert(self) -> None:
        """Swap foreground and background."""
        self.run(lambda e: e.invert())

    def clear(self) -> None:
        """Make the whole mask background."""
        self.run(lambda e: e.clear())

    def reset(self) -> None:
        """Go back to the model's prediction."""
        self.run(lambda e: e.reset_to_prediction(), clears_edits=True)

    def undo(self) -> None:
        """Undo the newest step of the shown image (a stroke in progress is finished first)."""
        self.finish_stroke()
        self.group.undo()

    def redo(self) -> None:
        """Redo the last undone step of the shown image."""
        self.finish_stroke()
        self.group.redo()

    def finish_stroke(self) -> None:
        """End the brush stroke in progress on the shown image, as one undo step."""
        session = self.session(create=False)
        if session is not None and session.editor.in_stroke:
            session.push(session.end_stroke())

    def stroking(self) -> bool:
        """Whether a brush stroke is in progress on the shown image."""
        session = self.session(create=False)
        return session is not None and session.editor.in_stroke

    # ----- saving, closing, recovery -------------------------------------------------------
    def unsaved(self) -> list[ImageDocument]:
        """Documents with edits not saved yet."""
        return [s.doc for s in self.sessions.values() if s.unsaved and s.editor.mask is s.doc.mask]

    def flush_autosaves(self) -> None:
        """Write every pending autosave now."""
        for session in self.sessions.values():
            session.autosaver.flush()

    def shutdown(self, *, discard_unsaved: bool) -> None:
        """Stop every autosaver: a last write, or delete the sessions of unsaved images when discarding."""
        for session in list(self.sessions.values()):
            self._drop(session.doc, session, discard_session=discard_unsaved and session.unsaved)

    @staticmethod
    def recoverable() -> list[Session]:
        """Autosaved sessions a crash left behind (newest first)."""
        return find_recoverable()

    def recover(self, saved: Session) -> ImageDocument | None:
        """Open the session's image and put the recovered mask on it (pixel-identical to the autosave)."""
        mask = recover(saved)
        self.studio.open_paths([str(saved.image_path)])
        doc = next((d for d in self.studio.documents if d.path.resolve() == saved.image_path.resolve()), None)
        if doc is None or not self.studio.ensure_loaded(doc) or doc.rgb is None:
            return None
        if doc.rgb.shape[:2] != mask.shape:
            self.studio.notes.error(f"{doc.name} changed size since the autosave; the recovered mask does not fit.")
            return None
        old = self.sessions.get(id(doc))
        if old is not None:
            self._drop(doc, old, discard_session=False)
        doc.mask = mask
        doc.edits = np.ones(mask.shape, bool)  # every pixel is the user's until the model's result shows otherwise
        self._start(doc, recovered=True)
        self.studio.select(self.studio.documents.index(doc))
        self._notify(doc)
        # the prediction is not autosaved: run the model again, so metrics, side outputs and thresholds work
        self._awaiting_prediction.add(id(doc))
        self.studio.run_current()
        self.studio.notes.info(f"Recovered the unsaved mask of {doc.name}; running the model for its prediction")
        return doc

    @staticmethod
    def discard(saved: Session) -> None:
        """Forget an autosaved session."""
        discard(saved)
