"""A guard against reference-count bugs of PySide6 6.12 on Python 3.11.

There, every call of a Qt method that returns void hands back ``None`` without the reference it owes, so each
such call (an item's ``update()``, a painter's ``drawImage``...) leaves None's reference count one lower. A long
session (the 50-photo ``bench/bench_session.py`` run) drives it to zero and the interpreter aborts with
"Fatal Python error: none_dealloc". ``True`` leaks the same way on the brush path (about 2.3 references per
mouse move of a stroke, measured step by step in a bench session): with torch in the process its thousands of
references hid that; a studio that never imports torch aborted with "bool_dealloc" while revisiting 50 photos.
On Python 3.12 and later these objects are immortal and the guard does nothing.
"""

from __future__ import annotations

import ctypes
import sys

HEADROOM = 2**40  # references added once: about 10**12 leaked calls before the count could reach zero


GUARDED = (None, True, False)


def install() -> bool:
    """Give None, True and False a large reference-count headroom (CPython before 3.12 only); returns whether it did."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython" or getattr(install, "done", False):
        return False
    install.done = True  # type: ignore[attr-defined]
    for singleton in GUARDED:
        count = ctypes.c_ssize_t.from_address(id(singleton))  # PyObject.ob_refcnt, the object's first field
        count.value += HEADROOM
    return True
