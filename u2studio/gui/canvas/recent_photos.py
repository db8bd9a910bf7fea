"""The drawable pictures of the photos shown last, kept so switching back to one needs no rebuild.

Each entry holds a weak reference to the photo array it was made from: once the memory budget evicts that
photo the entry is useless and is the first to go when the budget asks for room (``release``).
"""

from __future__ import annotations

import weakref
from collections import OrderedDict

import numpy as np
from PySide6.QtGui import QImage

from u2studio.core.document import ImageDocument

RECENT_PHOTOS = 2  # drawable photos kept for switching back at once (about 130 MB each at 24 MP)
Picture = tuple[QImage, list[QImage]]  # a picture in the drawing format and its reduced levels


def picture_bytes(picture: Picture) -> int:
    """Bytes of a picture and its levels."""
    return sum(image.sizeInBytes() for image in (picture[0], *picture[1]))


class RecentPhotos:
    """Least recently shown first; at most RECENT_PHOTOS entries."""

    def __init__(self) -> None:
        self._entries: OrderedDict[int, tuple[weakref.ref[np.ndarray], Picture]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, doc: ImageDocument) -> Picture | None:
        """The picture made from ``doc``'s current photo array, if kept (it becomes the most recent)."""
        entry = self._entries.get(id(doc))
        if entry is None or doc.rgb is None or entry[0]() is not doc.rgb:
            return None
        self._entries.move_to_end(id(doc))
        return entry[1]

    def put(self, doc: ImageDocument, picture: Picture) -> None:
        """Keep ``picture`` of ``doc``'s photo (the oldest entry goes beyond RECENT_PHOTOS)."""
        assert doc.rgb is not None
        self._entries[id(doc)] = (weakref.ref(doc.rgb), picture)
        self._entries.move_to_end(id(doc))
        while len(self._entries) > RECENT_PHOTOS:
            self._entries.popitem(last=False)

    def nbytes(self, shown_key: int) -> int:
        """Bytes kept, not counting the picture on screen (cache key ``shown_key``: the canvas counts it)."""
        return sum(picture_bytes(p) for _, p in self._entries.values() if p[0].cacheKey() != shown_key)

    def release(self, wanted: int, shown_key: int) -> int:
        """Forget pictures (evicted photos' first, then the oldest; never the one on screen) until ``wanted``
        bytes are freed; returns the bytes freed."""
        freed = 0
        for key, (ref, picture) in sorted(self._entries.items(), key=lambda item: item[1][0]() is not None):
            if freed >= wanted:
                break
            if picture[0].cacheKey() != shown_key:
                del self._entries[key]
                freed += picture_bytes(picture)
        return freed
