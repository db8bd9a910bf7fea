"""``u2studio --self-test``: prove that an installation (source or frozen) can do its real work.

Each check is a small function that raises on failure and returns a short
detail for the summary. The checks segment on the CPU without torch where the
build can, load the bundled model, segment a generated scene with a known mask,
draw every view through the studio's own overlay code and canvas offscreen,
import the trainer as ``u2studio.training``, round-trip a PNG through a
non-ASCII path, and start a two-worker DataLoader (which is what
``multiprocessing.freeze_support`` makes possible in the frozen app).
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
THRESHOLD = 0.5
RHO = 3


class SelfTestError(Exception):
    """A self-test check found something wrong; the message says what."""


@dataclass
class State:
    """What the checks hand on to each other: the predictor, the scene and the predicted mask."""

    predictor: Any = None
    image: np.ndarray | None = None
    truth: np.ndarray | None = None
    prob: np.ndarray | None = None
    mask: np.ndarray | None = None
    contour_rgba: np.ndarray | None = None
    zone_rgba: np.ndarray | None = None
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


def check_segmentation(state: State) -> str:
    """Segment a generated scene; the mask must cover the ball (IoU > 0.5 on the ball's half of the frame)."""
    from u2studio.core.mask_metrics import iou
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
    score = iou(np.where(left, prob, 0.0), ball)
    if score <= MIN_IOU:
        raise SelfTestError(f"IoU with the ball {score:.2f} <= {MIN_IOU}")
    return f"ball IoU {score:.2f}"


def check_overlays(state: State) -> str:
    """The overlay pictures the canvas layers (core.overlays): a contour and a relaxed zone from the mask."""
    from u2studio.core import overlays
    from u2studio.core.document import mask_from_prediction

    rgb, prob, truth = state.image, state.prob, state.truth
    assert rgb is not None and prob is not None and truth is not None
    state.mask = mask_from_prediction(prob, THRESHOLD)
    contour = overlays.contour_rgba(state.mask)
    pixels = int(np.count_nonzero(contour[..., 3]))
    if not 0 < pixels < contour[..., 3].size // 10:
        raise SelfTestError(f"the boundary contour has {pixels} pixels")
    zone = overlays.relaxed_zone_picture(state.mask, truth, RHO)
    if zone.shape != (*rgb.shape[:2], 4) or not (zone[..., 3] > 0).any():
        raise SelfTestError(f"the relaxed-zone picture is empty or has shape {zone.shape}")
    state.contour_rgba, state.zone_rgba = contour, zone
    return f"{pixels} contour px"


def check_canvas(state: State) -> str:
    """Draw every view on the studio's real canvas offscreen and check what it shows, pixel by pixel."""
    from u2studio.core.overlays import TINT_RGB
    from u2studio.gui.shell.selftest_render import render_views

    rgb, mask, truth = state.image, state.mask, state.truth
    assert rgb is not None and mask is not None and truth is not None and state.prob is not None
    assert state.contour_rgba is not None and state.zone_rgba is not None
    shots = render_views(rgb, state.prob, truth, THRESHOLD)
    inside, outside = mask == 255, mask == 0
    _expect_equal(shots["image"], rgb, np.ones_like(inside), "the photo")
    _expect_equal(shots["tint"], rgb, outside, "the tint outside the mask")
    moved = _distance(shots["tint"][inside], TINT_RGB) / np.maximum(_distance(rgb[inside], TINT_RGB), 1e-6)
    if inside.any() and not 0.35 < float(np.median(moved)) < 0.65:
        raise SelfTestError(f"the tint at opacity 0.5 moved masked pixels {float(np.median(moved)):.2f} of the way")
    _expect_equal(shots["cutout"], rgb, inside, "the cutout inside the mask")
    board = shots["cutout"][outside]
    if outside.any() and not ((board.max(axis=1) == board.min(axis=1)).all() and len(np.unique(board[:, 0])) == 2):
        raise SelfTestError("the cutout does not show the two-tone checkerboard outside the mask")
    _expect_equal(shots["mask"], np.repeat(mask[..., None], 3, axis=2), np.ones_like(inside), "the mask view")
    edge = state.contour_rgba[..., 3] > 0
    _expect_equal(shots["contour"], state.contour_rgba[..., :3], edge, "the contour")
    _expect_equal(shots["contour"], rgb, ~edge, "the photo beside the contour")
    zone = state.zone_rgba
    _expect_equal(shots["relaxed"], zone[..., :3], zone[..., 3] == 255, "the relaxed boundaries")
    _expect_equal(shots["relaxed"], rgb, zone[..., 3] == 0, "the photo outside the relaxed zone")
    return f"{len(shots)} views"


def _distance(pixels: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    return np.linalg.norm(pixels.astype(np.float32) - np.asarray(colour, np.float32), axis=-1)


def _expect_equal(shown: np.ndarray, expected: np.ndarray, where: np.ndarray, what: str, tolerance: int = 2) -> None:
    """Raise unless ``shown`` equals ``expected`` (within ``tolerance`` levels) wherever ``where`` is set."""
    if not where.any():
        return
    diff = int(np.abs(shown[where].astype(np.int16) - expected[where].astype(np.int16)).max())
    if diff > tolerance:
        raise SelfTestError(f"the canvas drew {what} off by up to {diff} levels")


def check_package(state: State) -> str:
    """The training code installs as u2studio.training and imports nothing as a top-level ``training``."""
    import importlib

    module = importlib.import_module("u2studio.training.trainer")
    if not module.__name__.startswith("u2studio.training."):
        raise SelfTestError(f"the trainer imported as {module.__name__}")
    if "training" in sys.modules:
        raise SelfTestError(f"a top-level 'training' module was imported from {sys.modules['training'].__file__}")
    return "u2studio.training"


def check_cpu_without_torch(state: State) -> str:
    """Open the CPU engine from a cached ONNX export of the bundled model, run it, and check torch never loaded.

    Runs first, before any check loads torch. Skipped, saying why, when torch is already loaded, when this
    build has no torch-free CPU start (``u2studio.inference.engine.fast_engine``), or when no verified
    export of the bundled weights is cached yet (the first CPU run makes one).
    """
    import importlib
    import importlib.util

    if "torch" in sys.modules:
        return "skipped: torch was loaded before this check"
    if importlib.util.find_spec("u2studio.inference.engine") is None:
        return "skipped: this build has no torch-free CPU start"
    fast_engine = getattr(importlib.import_module("u2studio.inference.engine"), "fast_engine", None)
    if fast_engine is None:
        return "skipped: this build has no torch-free CPU start"
    engine = fast_engine("u2netp", 1, 1)
    if engine is None:
        return "skipped: no verified ONNX export of u2netp is cached yet"
    size = int(engine.config.input_size)
    out = np.asarray(engine.forward_main(np.zeros((1, 3, size, size), np.float32)))
    if "torch" in sys.modules:
        raise SelfTestError("the torch-free CPU engine imported torch")
    if out.shape[0] != 1 or size not in out.shape or not np.isfinite(out).all():
        raise SelfTestError(f"the torch-free CPU engine returned shape {out.shape} (finite: {np.isfinite(out).all()})")
    return "onnxruntime without torch"


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
    ("cpu-without-torch", check_cpu_without_torch),
    ("model", check_model),
    ("segmentation", check_segmentation),
    ("overlays", check_overlays),
    ("canvas", check_canvas),
    ("package", check_package),
    ("unicode-png", check_unicode_png),
    ("cutout", check_cutout),
    ("dataloader", check_dataloader),
]


def run() -> int:
    """Run every check in order; print one summary line; 0 if all passed, 1 naming the failures otherwise."""
    from u2studio.launch import is_frozen

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
