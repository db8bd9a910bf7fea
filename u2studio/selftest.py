"""``u2studio --self-test``: prove that an installation (source or frozen) can do its real work.

Each check is a small function that raises on failure and returns a short
detail for the summary. The checks load the bundled model, segment a generated
scene with a known mask, render the studio's overlays with numpy and with Qt
offscreen, round-trip a PNG through a non-ASCII path, and start a two-worker
DataLoader (which is what ``multiprocessing.freeze_support`` makes possible in
the frozen app).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

MIN_IOU = 0.5
SCENE_SIZE = (320, 240)
TINT_RGB = (255, 64, 160)
CONTOUR_RGB = (255, 0, 0)


class SelfTestError(Exception):
    """A self-test check found something wrong; the message says what."""


@dataclass
class State:
    """What the checks hand on to each other: the predictor, the scene and the predicted mask."""

    predictor: Any = None
    image: np.ndarray | None = None
    truth: np.ndarray | None = None
    prob: np.ndarray | None = None
    zone_rgba: np.ndarray | None = None
    composite: np.ndarray | None = None
    notes: dict[str, str] = field(default_factory=dict)


def check_model(state: State) -> str:
    """Load the bundled U²-Net† weights shipped with this installation."""
    from u2studio.core.paths import resources_dir
    from u2studio.inference.predictor import Predictor

    predictor = Predictor("u2netp", device="cpu")
    bundled_root = (resources_dir() / "weights").resolve()
    if predictor.entry.path.resolve().parent != bundled_root:
        raise SelfTestError(f"u2netp came from {predictor.entry.path}, not from the bundled {bundled_root}")
    state.predictor = predictor
    backend = "onnxruntime" if getattr(predictor, "_onnx", None) is not None else "torch"
    return f"{predictor.entry.name} via {backend}"


def ball_mask(width: int, height: int) -> np.ndarray:
    """The ball of :func:`u2studio.core.synthetic.scene` alone, as a bool mask."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    cx, cy, r = width * 0.42, height * 0.55, min(width, height) * 0.26
    return np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2) <= r


def iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two bool masks (1.0 when both are empty)."""
    union = np.count_nonzero(a | b)
    return 1.0 if union == 0 else np.count_nonzero(a & b) / union


def check_segmentation(state: State) -> str:
    """Segment a generated scene; the mask must cover the ball (IoU > 0.5 on the ball's half of the frame)."""
    from u2studio.core.synthetic import scene

    width, height = SCENE_SIZE
    state.image, state.truth = scene(width, height)
    prob = state.predictor.predict(state.image)
    if prob.shape != (height, width) or prob.dtype != np.float32:
        raise SelfTestError(f"mask has shape {prob.shape} and dtype {prob.dtype}, expected {(height, width)} float32")
    if not np.isfinite(prob).all() or prob.min() < 0 or prob.max() > 1:
        raise SelfTestError("mask values are not finite probabilities in [0, 1]")
    state.prob = prob
    ball = ball_mask(width, height)
    left = np.zeros_like(ball)
    left[:, : int(width * 0.64)] = True  # the ball's side of the frame; the cube starts at 0.68 × width
    score = iou((prob >= 0.5) & left, ball)
    if score <= MIN_IOU:
        raise SelfTestError(f"IoU with the ball {score:.2f} <= {MIN_IOU}")
    return f"ball IoU {score:.2f}"


def tint(rgb: np.ndarray, alpha: np.ndarray, colour: tuple[int, int, int], strength: float = 0.5) -> np.ndarray:
    """Blend ``colour`` into ``rgb`` where the mask (float 0..1) is on."""
    a = (alpha.astype(np.float32) * strength)[..., None]
    return np.clip(rgb * (1 - a) + np.asarray(colour, np.float32) * a + 0.5, 0, 255).astype(np.uint8)


def checkerboard(height: int, width: int, cell: int = 8) -> np.ndarray:
    """The light/dark checkerboard that shows transparency."""
    yy, xx = np.mgrid[0:height, 0:width]
    dark = ((yy // cell + xx // cell) % 2).astype(bool)
    board = np.full((height, width, 3), 236, np.uint8)
    board[dark] = 200
    return board


def over(base: np.ndarray, rgba: np.ndarray) -> np.ndarray:
    """Composite an RGBA layer over an RGB image (straight alpha)."""
    a = rgba[..., 3:4].astype(np.float32) / 255.0
    return np.clip(base * (1 - a) + rgba[..., :3] * a + 0.5, 0, 255).astype(np.uint8)


def check_overlays(state: State) -> str:
    """Tint, cutout on a checkerboard, boundary contour and relaxed zone, composited with numpy."""
    from u2studio.core.boundary import binarize, boundary, relaxed_zone_overlay
    from u2studio.core.imageio import make_cutout

    rgb, prob, truth = state.image, state.prob, state.truth
    assert rgb is not None and prob is not None and truth is not None
    hard = prob >= 0.5
    tinted = tint(rgb, prob, TINT_RGB)
    if not np.array_equal(tinted[prob == 0], rgb[prob == 0]) and (prob == 0).any():
        raise SelfTestError("the tint changed pixels outside the mask")
    if hard.any() and np.abs(tinted[hard].astype(int) - rgb[hard]).mean() < 10:
        raise SelfTestError("the tint left the masked pixels unchanged")
    cutout = make_cutout(rgb, prob)
    board = checkerboard(*rgb.shape[:2])
    shown = over(board, cutout)
    if not (np.array_equal(shown[cutout[..., 3] == 0], board[cutout[..., 3] == 0])
            and np.array_equal(shown[cutout[..., 3] == 255], rgb[cutout[..., 3] == 255])):
        raise SelfTestError("the cutout over the checkerboard does not show the image inside and the board outside")
    edge = boundary(binarize(prob)).astype(bool)
    if not 0 < edge.sum() < edge.size // 10:
        raise SelfTestError(f"the boundary contour has {int(edge.sum())} pixels")
    contoured = rgb.copy()
    contoured[edge] = CONTOUR_RGB
    zone = relaxed_zone_overlay(prob, truth, rho=3)
    if zone.shape != (*rgb.shape[:2], 4) or not (zone[..., 3] > 0).any():
        raise SelfTestError(f"the relaxed-zone picture is empty or has shape {zone.shape}")
    state.zone_rgba = zone
    state.composite = over(contoured, zone)
    return f"{int(edge.sum())} contour px"


def check_qt_render(state: State) -> str:
    """Paint the relaxed-zone overlay into a QImage offscreen; it must match the numpy composite."""
    from u2studio.gui.shell.selftest_render import paint_overlay

    assert state.image is not None and state.zone_rgba is not None
    painted = paint_overlay(state.image, state.zone_rgba)
    expected = over(state.image, state.zone_rgba)
    diff = np.abs(painted.astype(int) - expected.astype(int))
    if painted.shape != expected.shape or diff.max() > 3:
        raise SelfTestError(f"the QPainter composite differs from numpy by up to {int(diff.max())} levels")
    return f"max diff {int(diff.max())}"


def check_unicode_png(state: State) -> str:
    """Write and read back a mask and a cutout under a non-ASCII path."""
    from u2studio.core.imageio import load_image, load_mask, make_cutout, save_png, to_uint8_mask

    assert state.image is not None and state.prob is not None
    mask = to_uint8_mask(state.prob)
    with tempfile.TemporaryDirectory(prefix="u2studio-selftest-") as tmp:
        folder = Path(tmp) / "Ébauches 画像 ✓"
        mask_path = save_png(folder / "maske ß.png", mask)
        cutout_path = save_png(folder / "découpe 切り抜き.png", make_cutout(state.image, mask))
        if not np.array_equal(load_mask(mask_path), mask):
            raise SelfTestError(f"{mask_path.name} read back different pixels")
        loaded = load_image(cutout_path)
        if loaded.alpha is None or not np.array_equal(loaded.alpha, mask) or not np.array_equal(loaded.rgb, state.image):
            raise SelfTestError(f"{cutout_path.name} read back different pixels or lost its alpha")
    return "ok"


def check_cutout(state: State) -> str:
    """One refined, decontaminated cutout of the scene: soft edge, opaque inside, clear outside, encodes."""
    from u2studio.core.cutout import encode_cutout, render_cutout

    assert state.image is not None and state.truth is not None and state.prob is not None
    rgba = render_cutout(state.image, state.prob)
    alpha = rgba[..., 3]
    inside = ball_mask(*SCENE_SIZE) & (state.prob > 0.99)
    partial = int(((alpha > 0) & (alpha < 255)).sum())
    if partial == 0 or np.median(alpha[inside]) != 255 or alpha[0, 0] != 0:
        raise SelfTestError(f"the refined cutout has {partial} soft edge px and interior median "
                            f"{np.median(alpha[inside]) if inside.any() else 'n/a'}")
    if not encode_cutout(rgba, "webp", None).startswith(b"RIFF"):
        raise SelfTestError("the cutout did not encode as WebP")
    return f"{partial} soft edge px"


class _Numbers:
    """A tiny map-style dataset for the DataLoader check (module level, so spawned workers can import it)."""

    def __len__(self) -> int:
        return 8

    def __getitem__(self, index: int) -> tuple[Any, int]:
        import torch

        return torch.full((2, 2), float(index)), os.getpid()


def check_dataloader(state: State) -> str:
    """Start a 2-worker DataLoader with spawned processes and read every item once."""
    from torch.utils.data import DataLoader

    loader = DataLoader(_Numbers(), batch_size=2, num_workers=2, multiprocessing_context="spawn", timeout=300)  # type: ignore[arg-type]
    total, pids = 0.0, set()
    for values, batch_pids in loader:
        total += float(values.sum())
        pids.update(int(p) for p in batch_pids)
    if total != 4 * sum(range(8)):
        raise SelfTestError(f"the workers returned a total of {total}, expected {4 * sum(range(8))}")
    if len(pids) != 2 or os.getpid() in pids:
        raise SelfTestError(f"expected 2 worker processes, saw {sorted(pids)}")
    return "2 workers"


CHECKS: list[tuple[str, Callable[[State], str]]] = [
    ("model", check_model),
    ("segmentation", check_segmentation),
    ("overlays", check_overlays),
    ("qt-render", check_qt_render),
    ("unicode-png", check_unicode_png),
    ("cutout", check_cutout),
    ("dataloader", check_dataloader),
]


def run() -> int:
    """Run every check in order; print one summary line; 0 if all passed, 1 naming the failures otherwise."""
    from u2studio.core.launch import is_frozen

    start = time.perf_counter()
    state = State()
    passed: list[str] = []
    failed: list[str] = []
    for name, check in CHECKS:
        try:
            passed.append(f"{name} ({check(state)})")
        except Exception as exc:  # a self-test reports every failure, whatever its kind
            failed.append(f"{name}: {type(exc).__name__}: {exc}")
            if name in ("model", "segmentation"):
                failed.append("remaining checks skipped: they need the model's mask")
                break
    where = "frozen" if is_frozen() else "source"
    seconds = time.perf_counter() - start
    if failed:
        print(f"u2studio self-test FAILED ({where}, {seconds:.1f} s): " + "; ".join(failed), file=sys.stderr, flush=True)
        return 1
    print(f"u2studio self-test passed ({where}, {seconds:.1f} s): " + ", ".join(passed), flush=True)
    return 0
