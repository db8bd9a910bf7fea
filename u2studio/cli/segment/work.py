"""The per-image work of a segment run: load (decode + preprocess) and finish (mask, cutout, atomic writes)."""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from u2studio.cli.segment.inputs import check_regular
from u2studio.cli.segment.options import SegmentOptions
from u2studio.cli.segment.plan import Planned
from u2studio.core.atomic import atomic_write_bytes
from u2studio.core.cutout import encode_cutout, render_cutout
from u2studio.core.imageio import ImageLoadError, decode_image, encode_png, load_image_info
from u2studio.inference.preprocessing import mask_uint8, preprocess


class OutputError(Exception):
    """An output could not be written; the message names the file and the reason."""


@dataclass(frozen=True)
class Payload:
    """What finishing needs besides the model's map: the size, and the photo (only when cutouts are made)."""

    height: int
    width: int
    rgb: np.ndarray | None
    icc_profile: bytes | None


class Work:
    """``load`` and ``finish`` for the pipeline, for one run's options and model config."""

    def __init__(self, options: SegmentOptions, config: Any, stdin_data: bytes | None = None) -> None:
        self.options = options
        self.config = config
        self.stdin_data = stdin_data

    def load(self, planned: Planned) -> tuple[np.ndarray, Payload]:
        """Decode (the one decode path, with the ICC profile) and preprocess one input."""
        source = planned.source.path
        if source is None:
            image = decode_image(self.stdin_data or b"", Path("standard input"))
            rgb, icc = image.rgb, None
        else:
            check_regular(source)
            info = load_image_info(source)
            rgb, icc = info.rgb, info.icc_profile
        x = preprocess(rgb, self.config)
        keep = rgb if self.options.cutouts else None  # a mask needs only the size: the photo is let go now
        return x, Payload(rgb.shape[0], rgb.shape[1], keep, icc)

    def finish(self, planned: Planned, payload: Payload, prob: np.ndarray) -> list[str]:
        """Write the mask and the cutout planned for this input; returns what was written."""
        written = []
        for kind, path in planned.outputs:
            data = self._mask_bytes(payload, prob) if kind == "mask" else self._cutout_bytes(payload, prob)
            written.append(write_output(path, data))
        if self.options.to_stdout:  # standard output takes the cutout when cutouts are asked for
            data = self._cutout_bytes(payload, prob) if self.options.cutouts else self._mask_bytes(payload, prob)
            try:
                sys.stdout.buffer.write(data)
                sys.stdout.buffer.flush()
            except OSError as exc:
                raise OutputError(f"standard output: could not write ({exc.strerror or exc})") from None
            written.append("standard output")
        return written

    def _mask_bytes(self, payload: Payload, prob: np.ndarray) -> bytes:
        """The 8-bit PNG mask: soft, or binary at --threshold."""
        return encode_png(mask_uint8(prob, payload.height, payload.width, True, self.options.threshold))

    def _cutout_bytes(self, payload: Payload, prob: np.ndarray) -> bytes:
        """The cutout from the soft mask, encoded as asked (the source's ICC profile kept).

        The soft mask is the model's map scaled up bilinearly, so refined edges are told that map's grid and made
        to agree with it there (docs/cutout.md, "With the mask's grid").
        """
        assert payload.rgb is not None
        soft = mask_uint8(prob, payload.height, payload.width, True)
        settings = self.options.cutout
        if settings.edges == "refined" and prob.shape != soft.shape:
            settings = replace(settings, mask_grid=(prob.shape[1], prob.shape[0]))
        rgba = render_cutout(payload.rgb, soft, settings)
        return encode_cutout(rgba, self.options.cutout_format, self.options.bg_color,  # type: ignore[arg-type]
                             payload.icc_profile)


def write_output(path: Path | None, data: bytes) -> str:
    """Write one output atomically; OutputError names the file on failure."""
    assert path is not None
    try:
        atomic_write_bytes(path, data)
    except OSError as exc:
        raise OutputError(f"{path}: could not write ({exc.strerror or exc})") from None
    return str(path)


__all__ = ["ImageLoadError", "OutputError", "Payload", "Work", "write_output"]
