"""``u2studio cutout``: cutouts from images and masks made elsewhere or corrected by hand.

Exit codes: 0 every cutout written; 1 some items failed (missing mask, size mismatch, unreadable file,
failed write), each named on one line; 2 unusable input (no images, no masks folder, an output folder that
cannot be written).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

from u2studio.cli.cutout_args import add_cutout_arguments, cutout_options
from u2studio.cli.segment import collect_inputs
from u2studio.core.atomic import atomic_write_bytes
from u2studio.core.cutout import CutoutSettings, encode_cutout, render_cutout
from u2studio.core.imageio import ImageLoadError, load_image_info, load_mask

EXIT_FAILED_ITEMS = 1
EXIT_UNUSABLE_INPUT = 2


class ItemError(Exception):
    """One image could not be cut out; the message is the one line the user sees."""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the subcommand."""
    p = sub.add_parser("cutout", help="write an RGBA cutout for each image from its mask",
                       description="Pair images and masks by stem (<stem>.png or <stem>_mask.png in --masks) "
                                   "and write <stem>_cutout.<format> into --out. Exit codes: 0 all written, "
                                   "1 some items failed, 2 unusable input.")
    p.add_argument("--images", nargs="+", required=True, metavar="DIR_OR_FILE", help="image files or folders")
    p.add_argument("--masks", required=True, type=Path, metavar="DIR", help="folder of masks")
    p.add_argument("--out", required=True, type=Path, metavar="DIR", help="output folder")
    add_cutout_arguments(p)
    p.add_argument("--mask-grid", type=mask_grid_arg, default=None, metavar="WxH|/N",
                   help="refined edges: the masks are a W×H map (e.g. 320x320, a U²-Net's own output) or a 1/N-size "
                        "map (/4) scaled up bilinearly; the edge is then made to agree with the mask on that grid. "
                        "Give it only when it is exact (docs/cutout.md)")


GridSpec = tuple[int, int] | int  # an explicit (width, height), or a divisor of the image's size


def mask_grid_arg(text: str) -> GridSpec:
    """``WxH`` (both at least 1) or ``/N`` (N at least 2), for --mask-grid."""
    try:
        if text.startswith("/"):
            divisor = int(text[1:])
            if divisor >= 2:
                return divisor
        else:
            width, height = (int(part) for part in text.lower().split("x"))
            if width >= 1 and height >= 1:
                return (width, height)
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"{text!r} is not a grid: use WxH (for example 320x320) or /N (for example /4)")


def grid_for(spec: GridSpec | None, width: int, height: int) -> tuple[int, int] | None:
    """The grid for one image: the explicit size, or its size divided (rounded down, as the map was made)."""
    if spec is None or isinstance(spec, tuple):
        return spec
    return (max(1, width // spec), max(1, height // spec))


def find_mask(image: Path, masks: Path) -> Path:
    """The mask for ``image``: ``<stem>_mask.png`` or ``<stem>.png`` in ``masks`` (never the image itself)."""
    tried = [masks / f"{image.stem}_mask.png", masks / f"{image.stem}.png"]
    for candidate in tried:
        if candidate.is_file() and candidate.resolve() != image.resolve():
            return candidate
    raise ItemError(f"{image}: no mask (looked for {' and '.join(str(t) for t in tried)})")


def output_problem(out: Path) -> str | None:
    """Why ``out`` cannot take the cutouts, or None when it can."""
    if out.exists() and not out.is_dir():
        return f"--out {out} exists and is not a folder"
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"--out {out} cannot be created ({exc.strerror or exc})"
    if not os.access(out, os.W_OK | os.X_OK):
        return f"--out {out} is not writable"
    return None


def cut_one(image_path: Path, mask_path: Path, target: Path, settings: CutoutSettings, fmt: str,
            bg: tuple[int, int, int] | None, grid: GridSpec | None = None) -> None:
    """Read, cut out and write one image; ItemError with one line on any failure."""
    try:
        info = load_image_info(image_path)
        mask = load_mask(mask_path)
    except ImageLoadError as exc:
        raise ItemError(str(exc)) from None
    height, width = info.rgb.shape[:2]
    if mask.shape != (height, width):
        raise ItemError(f"{image_path}: the mask {mask_path.name} is {mask.shape[1]}x{mask.shape[0]}, "
                        f"the image {width}x{height}")
    if settings.edges == "refined" and grid is not None:
        settings = replace(settings, mask_grid=grid_for(grid, width, height))
    rgba = render_cutout(info.rgb, mask, settings)
    data = encode_cutout(rgba, fmt, bg, info.icc_profile)  # type: ignore[arg-type]
    try:
        atomic_write_bytes(target, data)
    except OSError as exc:
        raise ItemError(f"{target}: could not write ({exc.strerror or exc})") from None


def run(args: argparse.Namespace) -> int:
    """Cut out every image; the exit code says whether all, some or none could be done."""
    settings, fmt, bg = cutout_options(args)
    images = collect_inputs(args.images)
    missing = [p for p in images if not p.is_file()]
    if not images or len(missing) == len(images):
        print("error: no images found in --images", file=sys.stderr)
        return EXIT_UNUSABLE_INPUT
    if not args.masks.is_dir():
        print(f"error: --masks {args.masks} is not a folder", file=sys.stderr)
        return EXIT_UNUSABLE_INPUT
    problem = output_problem(args.out)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_UNUSABLE_INPUT
    inputs = {p.resolve() for p in images} | {p.resolve() for p in args.masks.iterdir()}
    failures: list[str] = []
    targets: set[Path] = set()
    started = time.perf_counter()
    for image_path in images:
        target = args.out / f"{image_path.stem}_cutout.{fmt}"
        try:
            if not image_path.is_file():
                raise ItemError(f"{image_path}: file not found")
            if target.resolve() in inputs:
                raise ItemError(f"{target}: would overwrite an input; choose another --out")
            if target in targets:
                raise ItemError(f"{image_path}: another image with the stem {image_path.stem!r} was already cut out")
            targets.add(target)
            cut_one(image_path, find_mask(image_path, args.masks), target, settings, fmt, bg, args.mask_grid)
        except ItemError as exc:
            failures.append(str(exc))
    done = len(images) - len(failures)
    print(f"cut out {done}/{len(images)} images ({settings.edges} edges) in {time.perf_counter() - started:.1f} s "
          f"-> {args.out}", file=sys.stderr)
    for line in failures:
        print(f"failed: {line}", file=sys.stderr)
    return EXIT_FAILED_ITEMS if failures else 0
