"""Safe, unique file stems for dataset pairs."""

from __future__ import annotations

import re
from collections.abc import Container

_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
MAX_STEM = 120


def safe_stem(name: str, fallback: str) -> str:
    """``name`` reduced to letters, digits, ``_ . -`` (no leading dot), usable on every OS; else ``fallback``."""
    stem = _UNSAFE.sub("_", name).strip("._ ")[:MAX_STEM].rstrip("._ ")
    if not stem or stem.casefold() in _RESERVED:
        return fallback
    return stem


def unique_stem(base: str, taken: Container[str]) -> str:
    """``base``, or ``base-2``, ``base-3``… whichever is free; ``taken`` holds case-folded stems."""
    if base.casefold() not in taken:
        return base
    n = 2
    while f"{base}-{n}".casefold() in taken:
        n += 1
    return f"{base}-{n}"
