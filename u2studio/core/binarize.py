"""The one definition of foreground, for references and for predictions.

- A **reference** mask is foreground where its value is > 128 of 255 (uint8 ``> 128``, float
  ``> 128/255``, bool as given), as PySODMetrics reads ground truth.
- A **prediction** is foreground where it is ≥ the threshold, 0.5 unless the user set another, on
  its own scale: uint8 ``v`` where ``v / 255 ≥ t`` (``v ≥ 128`` at 0.5), float ``p ≥ t``, bool as
  given. No min-max stretch.

Metrics (eval and the trainer's validation), the studio's panel, boundaries, overlays and the
threshold slider all binarise through these functions, so their numbers agree.
"""

from __future__ import annotations

import math

import numpy as np

REFERENCE_LEVEL = 128  # a reference is foreground strictly above this uint8 level
PREDICTION_THRESHOLD = 0.5  # a prediction is foreground at or above this value in [0, 1]


def prediction_level(threshold: float = PREDICTION_THRESHOLD) -> int:
    """The smallest uint8 value that is foreground at ``threshold`` (128 at 0.5)."""
    check_threshold(threshold)
    return min(math.ceil(threshold * 255 - 1e-9), 255) if threshold > 0 else 0


def check_threshold(threshold: float) -> None:
    """Refuse a threshold outside [0, 1] (or NaN) with a clear message."""
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must lie in [0, 1], got {threshold}")


def reference_foreground(mask: np.ndarray) -> np.ndarray:
    """A bool map of a reference mask's foreground: value > 128 of 255."""
    if mask.dtype == np.bool_:
        return mask
    if mask.dtype == np.uint8:
        return mask > REFERENCE_LEVEL
    if np.issubdtype(mask.dtype, np.floating):
        return mask > REFERENCE_LEVEL / 255
    raise TypeError(f"a reference mask must be uint8, bool or float, got {mask.dtype}")


def prediction_foreground(mask: np.ndarray, threshold: float = PREDICTION_THRESHOLD) -> np.ndarray:
    """A bool map of a prediction's foreground: value ≥ ``threshold`` on its own scale."""
    if mask.dtype == np.bool_:
        return mask
    if mask.dtype == np.uint8:
        return mask >= prediction_level(threshold)
    if np.issubdtype(mask.dtype, np.floating):
        check_threshold(threshold)
        return mask >= threshold
    raise TypeError(f"a prediction must be uint8, bool or float, got {mask.dtype}")


def as_0_255(foreground: np.ndarray) -> np.ndarray:
    """A fresh bool map as a uint8 0/255 mask, made in place in its own bytes.

    ``np.where(foreground, 255, 0)`` took 100 ms over 24 MP; a bool's byte is 0 or 1, so one
    in-place multiply gives the same mask in a few milliseconds. ``foreground`` must be a temporary the
    caller owns: its memory becomes the result.
    """
    if foreground.dtype != np.bool_:
        raise TypeError(f"a foreground map is bool, got {foreground.dtype}")
    out = foreground.view(np.uint8)
    out *= np.uint8(255)
    return out
