"""Run by test_autosave_recovery in a subprocess: opens an image in the real studio, paints, waits for the autosave.

Usage: python recovery_driver.py IMAGE EXPECTED.npy
Writes the autosaved mask it expects to be recovered to EXPECTED.npy, prints READY and waits to be killed.
"""

from __future__ import annotations

import sys
import time

import numpy as np
from PySide6.QtCore import QEventLoop, QTimer


def settle(ms: int) -> None:
    """Run the event loop for ``ms`` milliseconds."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def main() -> int:
    """Paint three strokes, wait until the autosave holds the last one, report, then hang."""
    from tests.gui.edit_helpers import drag
    from u2studio.core.editing.autosave import read_session
    from u2studio.gui.app import create_window

    image, expected = sys.argv[1], sys.argv[2]
    window = create_window([])
    window.open_paths([image])
    settle(200)
    edits = window.editing.edits
    edits.set_settings(size=16.0, hardness=0.6)
    for y in (40, 80, 120):
        drag(window.canvas, [(30, y), (120, y), (200, y + 20)])
    session = edits.session()
    assert session is not None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        settle(50)
        try:
            meta = read_session(session.autosaver.folder).meta
        except Exception:  # noqa: BLE001 - not written yet
            continue
        if meta["stroke_count"] == session.editor.revision:
            break
    else:
        print("TIMEOUT", flush=True)
        return 1
    np.save(expected, session.editor.snapshot()[0])
    print("READY", flush=True)
    while True:
        settle(1000)


if __name__ == "__main__":
    raise SystemExit(main())
