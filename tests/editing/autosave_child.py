"""A scripted editing session with autosave, run as a subprocess by the crash-recovery test.

Usage: autosave_child.py IMAGE_PATH FLUSH_AFTER INTERVAL EXPECTED_NPY
Prints "STATE <revision> <sha>" after each edit (while holding the editor's lock, so
no autosave sees a state before it is printed), and "FLUSHED <revision>" after flush().
Paints until killed.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from u2studio.core.editing import BrushParams, MaskEditor
from u2studio.core.editing.autosave import Autosaver, mask_digest
from u2studio.core.synthetic import scene


def main() -> None:
    image_path, flush_after, interval, expected = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    image, truth = scene(320, 240, seed=9)
    editor = MaskEditor(truth, image=image)
    saver = Autosaver(image_path, (320, 240), editor.snapshot, interval=interval)
    editor.add_listener(lambda rect: saver.notify_changed())
    rng = np.random.default_rng(11)
    step = 0
    while True:
        step += 1
        with editor.lock:
            editor.begin_stroke(BrushParams(radius=float(rng.uniform(3, 15)), mode="add" if step % 3 else "erase"))
            for _ in range(6):
                editor.add_point(*rng.uniform(0, [320, 240]), float(rng.uniform(0.3, 1)))
            editor.end_stroke()
            print(f"STATE {editor.revision} {mask_digest(editor.mask)}", flush=True)
        if step == flush_after:
            saver.flush()
            np.save(expected, editor.snapshot()[0])
            print(f"FLUSHED {editor.revision}", flush=True)
        time.sleep(0.01)  # a person paints a few strokes a second; let the autosave thread run


if __name__ == "__main__":
    main()
