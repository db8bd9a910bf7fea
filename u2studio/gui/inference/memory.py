"""The studio's memory budget: decoded pixels of images not on screen are evicted, least recently shown first.

What goes: the decoded photo (re-read from its file when the image is selected again), a mask that is
exactly the model's base (re-derived from the prediction), and then the full-size prediction itself (re-made,
byte for byte, from the model-size map the document keeps: ``PredictionSource``). What stays: the model-size
map, and the prediction, mask and edit layer of any image with corrections or an edit session (they are the
user's work and have no other copy).
The budget is a setting (QSettings ``memory_budget_mb``); ``U2STUDIO_MEMORY_MB`` overrides it. It also covers
the holders registered with ``add_holder``: the canvas's pictures and their pyramids, and the presenter's cache of
recently shown photos. Over budget, those caches are released first (their ``release``), then documents evicted.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable, Iterable

from PySide6.QtCore import QSettings

from u2studio.core import heap
from u2studio.core.document import ImageDocument

DEFAULT_BUDGET_MB = 768
SETTING = "memory_budget_mb"
ENV = "U2STUDIO_MEMORY_MB"
DEFAULT_UNDO_MB = 512
UNDO_SETTING = "undo_budget_mb"
UNDO_ENV = "U2STUDIO_UNDO_MB"


def setting_mb(settings: QSettings | None, name: str, env: str, default: int) -> int:
    """A size in MB: the environment variable ``env``, else the setting ``name``, else ``default``."""
    for value in (os.environ.get(env), settings.value(name) if settings is not None else None):
        try:
            if value is not None and int(value) > 0:
                return int(value)
        except (TypeError, ValueError):
            continue
    return default


def budget_mb(settings: QSettings | None = None) -> int:
    """The budget for documents' pixel arrays in MB (``U2STUDIO_MEMORY_MB``, the setting, else 768)."""
    return setting_mb(settings, SETTING, ENV, DEFAULT_BUDGET_MB)


def undo_budget_mb(settings: QSettings | None = None) -> int:
    """The cap on every image's undo history together, in MB (``U2STUDIO_UNDO_MB``, the setting, else 512)."""
    return setting_mb(settings, UNDO_SETTING, UNDO_ENV, DEFAULT_UNDO_MB)


class DocumentMemory:
    """Tracks which documents were shown most recently and evicts the others' reloadable arrays over budget."""

    def __init__(self, budget_bytes: int) -> None:
        self.budget_bytes = budget_bytes
        self._recent: OrderedDict[int, ImageDocument] = OrderedDict()  # least recently shown first
        self.keeps_mask: Callable[[ImageDocument], bool] = lambda doc: False  # the editing side pins sessions
        self.evicted: list[Callable[[ImageDocument], None]] = []  # told after a document lost its photo
        self.evictions = 0
        self._holders: list[tuple[Callable[[], int], Callable[[int], int]]] = []  # (bytes held, release n bytes)

    def add_holder(self, measure: Callable[[], int], release: Callable[[int], int]) -> None:
        """Count ``measure()`` bytes against the budget; ``release(n)`` frees about n of them, returns bytes freed."""
        self._holders.append((measure, release))

    def held(self) -> int:
        """Bytes the registered holders (pictures, caches) take."""
        return sum(measure() for measure, _ in self._holders)

    def touch(self, doc: ImageDocument) -> None:
        """``doc`` is on screen now."""
        self._recent.pop(id(doc), None)
        self._recent[id(doc)] = doc

    def forget(self, doc: ImageDocument) -> None:
        """``doc`` was closed."""
        self._recent.pop(id(doc), None)

    @staticmethod
    def used(docs: Iterable[ImageDocument]) -> int:
        """Bytes the documents' arrays take."""
        return sum(d.resident_bytes() for d in docs)

    def enforce(self, docs: list[ImageDocument], shown: ImageDocument | None) -> int:
        """Evict until the documents fit the budget (never the shown or a running one); returns bytes freed.

        Whatever was freed, and whatever the run or switch that called this left free, is handed back to the
        system off the UI thread (``core.heap``), so the process's resident memory follows the budget."""
        freed = self._enforce(docs, shown)
        heap.trim_soon()
        return freed

    def _enforce(self, docs: list[ImageDocument], shown: ImageDocument | None) -> int:
        total = self.used(docs) + self.held()
        if total <= self.budget_bytes:
            return 0
        freed = 0
        for _, release in self._holders:  # caches first: they are rebuilt without reading a file
            if total - freed <= self.budget_bytes:
                return freed
            freed += release(total - freed - self.budget_bytes)
        known = {id(d) for d in docs}
        never_shown = [d for d in docs if id(d) not in self._recent]
        order = never_shown + [d for key, d in self._recent.items() if key in known]
        for doc in order:
            if total - freed <= self.budget_bytes:
                break
            if doc is shown or doc.running:
                continue
            freed += self._evict(doc)
        return freed

    def _evict(self, doc: ImageDocument) -> int:
        freed = 0
        if doc.rgb is not None:  # read again from its file when selected (or by the worker when run)
            freed += doc.rgb.nbytes
            doc.rgb = None
            for listener in self.evicted:
                listener(doc)
        mask = doc.mask
        if mask is not None and not self.keeps_mask(doc) and doc.drop_derived_mask():
            freed += mask.nbytes
        if not self.keeps_mask(doc):
            freed += doc.drop_prediction()
        self.evictions += bool(freed)
        return freed
