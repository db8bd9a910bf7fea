"""argparse value types shared by the commands."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def bounded_float(what: str, low: float, high: float, unit: str = "") -> Callable[[str], float]:
    """An argparse ``type`` that accepts a number within [low, high] and names ``what`` when it does not."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"the {what} must be within {low:g}..{high:g}{unit}, not {value}")
        return value

    return parse
