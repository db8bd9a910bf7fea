"""The model's main map kept at the model's resolution, from which an image's stored prediction is re-made exactly.

A 24-MP prediction is 24 MB as uint8; the model's own map (320×320 float32) is 0.4 MB. The studio stores the
full-size prediction made by ``PredictionSource.enlarge`` and may drop it under memory pressure: calling
``enlarge`` again gives the same bytes (the same cv2 linear resize of the same input), so a revisited image's
mask is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


def compact_prediction(prediction: np.ndarray) -> np.ndarray:
    """The stored form of a prediction: uint8 round(p × 255) of a float map in [0, 1] (uint8 input is kept)."""
    if prediction.dtype == np.uint8:
        return prediction
    return np.rint(np.clip(prediction, 0.0, 1.0) * 255.0).astype(np.uint8)


@dataclass(frozen=True, eq=False)
class PredictionSource:
    """A normalised float32 map at the model's size and the image size it is enlarged to."""

    small: np.ndarray
    width: int
    height: int

    def __post_init__(self) -> None:
        if self.small.ndim != 2 or self.small.dtype != np.float32:
            raise ValueError(f"a prediction source is a 2-D float32 map, not {self.small.dtype} {self.small.shape}")
        if self.width <= 0 or self.height <= 0:
            raise ValueError(f"the image size must be positive, got {self.width}x{self.height}")

    @property
    def nbytes(self) -> int:
        """Bytes this source keeps."""
        return int(self.small.nbytes)

    def enlarge(self) -> np.ndarray:
        """The uint8 H×W prediction at the image's size: rint(clip(linear resize) × 255), the same bytes every call."""
        if self.small.shape == (self.height, self.width):
            big = self.small.copy()
        else:
            big = cv2.resize(self.small, (self.width, self.height), interpolation=cv2.INTER_LINEAR)
        np.clip(big, 0.0, 1.0, out=big)
        big *= np.float32(255.0)
        np.rint(big, out=big)
        return big.astype(np.uint8)
