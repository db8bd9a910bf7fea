"""The numpy half of every predictor: preprocessing, a forward pass supplied by a subclass, postprocessing.

No torch here: :class:`~u2studio.inference.predictor.Predictor` (torch, any device) and
:class:`~u2studio.inference.cached.CachedPredictor` (onnxruntime on a verified export, no torch) share this code,
so the same image gives the same maps through either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from u2studio.inference.preprocessing import normalise, postprocess, preprocess


@dataclass(frozen=True)
class Prediction:
    """The main probability map at image size, and every side output (sigmoid, at image size)."""

    mask: np.ndarray
    sides: tuple[np.ndarray, ...]
    side_names: tuple[str, ...]


class MapPredictor:
    """Numpy images in, probability maps out; subclasses provide ``forward`` and set ``config`` and ``min_max``."""

    config: Any  # the model's ModelConfig (input size, normalisation, main output, side names)
    min_max: bool

    def forward(self, batch: np.ndarray) -> list[np.ndarray]:
        """Run an N×3×S×S preprocessed batch; every map's sigmoid as N×S×S float32 arrays."""
        raise NotImplementedError

    def forward_main(self, batch: np.ndarray) -> np.ndarray:
        """The main map's sigmoid for an N×3×S×S batch (N×S×S float32)."""
        return self.forward(batch)[self.config.main_output]

    def predict(self, image: np.ndarray) -> np.ndarray:
        """The main probability map of one image, float32 H×W in [0, 1] at the image's size."""
        return self.predict_batch([image])[0]

    def predict_batch(self, images: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Main probability maps for several images of any sizes."""
        return [p.mask for p in self.predict_full_batch(images, with_sides=False)]

    def predict_full(
        self, image: np.ndarray, *, sides_at_image_size: bool = True, main_at_image_size: bool = True
    ) -> Prediction:
        """The main map and every side output of one image, all at the image's size.

        ``sides_at_image_size=False`` keeps the side outputs at the model's resolution (the studio upscales them
        only for display: seven 24-MP float maps would be 670 MB). ``main_at_image_size=False`` returns the main
        map normalised but not resized (float32 at the model's size), for the caller to enlarge.
        """
        return self.predict_full_batch(
            [image], with_sides=True, sides_at_image_size=sides_at_image_size, main_at_image_size=main_at_image_size
        )[0]

    def predict_full_batch(
        self, images: Sequence[np.ndarray], with_sides: bool = True, sides_at_image_size: bool = True,
        main_at_image_size: bool = True,
    ) -> list[Prediction]:
        """Predictions for several images, with side outputs when asked (at image or model size)."""
        if not images:
            return []
        batch = np.stack([preprocess(img, self.config) for img in images])
        maps = self.forward(batch)
        results = []
        for index, image in enumerate(images):
            height, width = image.shape[:2]
            raw = maps[self.config.main_output][index]
            main = postprocess(raw, height, width, self.min_max) if main_at_image_size else normalise(raw, self.min_max)
            sides: tuple[np.ndarray, ...] = ()
            if with_sides:
                side_h, side_w = (height, width) if sides_at_image_size else maps[0][index].shape[-2:]
                sides = tuple(postprocess(m[index], side_h, side_w, min_max=False) for m in maps)
            results.append(Prediction(main, sides, self.config.side_names if with_sides else ()))
        return results
