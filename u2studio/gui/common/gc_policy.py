"""Keep Python's cyclic garbage collector from stalling the event loop.

A full (generation 2) collection walks every tracked object: about 88 000 once the window is up, 35–38 ms on an
idle machine and far longer on two busy cores, and it runs on whichever thread happens to allocate, often the
GUI thread (a sampling profile of a fifty-photo session found 2.5 s in ``gc_collect_main`` there, with stalls of
120–160 ms). The modules, widgets and the model's session made at start-up live as long as the studio, so they
are moved out of the collector's sight (``gc.freeze``) once the window is up and again once the worker has
imported the inference code. Reference counting still frees them as ever; only the cycle search skips them.
"""

from __future__ import annotations

import gc


def freeze_long_lived() -> int:
    """Collect what is garbage now, then exempt every remaining object from later collections; returns how many."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
