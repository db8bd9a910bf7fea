"""The ``u2studio segment`` option table and its validation into one settled :class:`SegmentOptions`."""

from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass
from pathlib import Path

from u2studio.cli.argtypes import bounded_float
from u2studio.cli.cutout_args import add_cutout_arguments, cutout_options
from u2studio.core.cutout import CutoutSettings

STDIO = "-"


class UsageError(Exception):
    """The options cannot work together; the message says why (exit status 2)."""


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``count``."""

    index: int
    count: int

    @property
    def label(self) -> str:
        """``I-of-N`` for file names."""
        return f"{self.index}-of-{self.count}"


@dataclass(frozen=True)
class SegmentOptions:
    """Everything a segment run needs to know, checked."""

    inputs: tuple[str, ...]
    out: Path | None  # None: stdout
    model: str
    device: str
    masks: bool
    cutouts: bool
    cutout: CutoutSettings
    cutout_format: str
    bg_color: tuple[int, int, int] | None
    threshold: float | None
    existing: str  # "refuse", "overwrite" or "skip"
    watch: bool
    shard: Shard | None
    summary: Path | None
    progress: bool

    @property
    def to_stdout(self) -> bool:
        """The single result goes to standard output."""
        return self.out is None


def parse_shard(text: str) -> Shard:
    """``I/N`` with 1 ≤ I ≤ N."""
    parts = text.split("/")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise argparse.ArgumentTypeError(f"{text!r}: write the shard as I/N, for example 1/4")
    index, count = int(parts[0]), int(parts[1])
    if count < 1 or not 1 <= index <= count:
        raise argparse.ArgumentTypeError(f"{text!r}: shards count from 1, so I must be within 1..N (N ≥ 1)")
    return Shard(index, count)


parse_threshold = bounded_float("threshold", 0.0, 1.0)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Every option of the table in the README's "Segmenting images"."""
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders, or - for standard input")
    p.add_argument("-o", "--out", required=True, help="output folder (created if missing), or - for standard output")
    p.add_argument("--model", default="u2netp", help="installed model name or checkpoint path (default: u2netp)")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    p.add_argument("--cutout", action="store_true", help="also write <stem>_cutout.<format>")
    p.add_argument("--no-mask", action="store_true", help="write only the cutouts (implies --cutout)")
    p.add_argument("--threshold", type=parse_threshold, metavar="T",
                   help="write binary masks (0/255) at T in 0..1 instead of soft masks; cutout edges sit at T too")
    existing = p.add_mutually_exclusive_group()
    existing.add_argument("--overwrite", action="store_true", help="replace outputs that exist already")
    existing.add_argument("--skip-existing", action="store_true", help="keep outputs that exist and skip their work")
    p.add_argument("--watch", action="store_true",
                   help="keep running: process files as they arrive in the input folders (stop with Ctrl+C)")
    p.add_argument("--shard", type=parse_shard, metavar="I/N",
                   help="process only shard I of N (stable hash of each file's path relative to its input folder)")
    p.add_argument("--summary", type=Path, metavar="FILE",
                   help="also write the run's summary as JSON (with --shard: OUT/segment-summary-I-of-N.json)")
    add_cutout_arguments(p)


def settle(args: argparse.Namespace) -> SegmentOptions:
    """Check the combination of options; raises UsageError with the reason."""
    cutouts = bool(args.cutout or args.no_mask)
    settings, fmt, bg = cutout_options(args)
    if not cutouts and (fmt != "png" or bg is not None):
        raise UsageError("--format and --bg-color apply to cutouts; add --cutout (masks are always 8-bit PNG)")
    if args.threshold is not None and 0.0 < args.threshold < 1.0:
        settings = dataclasses.replace(settings, threshold=args.threshold)
    out = None if args.out == STDIO else Path(args.out)
    inputs = tuple(args.inputs)
    if out is None or STDIO in inputs:
        if len(inputs) != 1:
            raise UsageError("- (standard input or output) works with exactly one input image")
        if args.watch or args.shard is not None:
            raise UsageError("--watch and --shard need folders, not standard input or output")
    if args.watch and args.shard is not None:
        raise UsageError("--watch and --shard do not combine; run one watcher per folder instead")
    summary = args.summary
    if summary is None and args.shard is not None and out is not None:
        summary = out / f"segment-summary-{args.shard.label}.json"
    return SegmentOptions(
        inputs=inputs, out=out, model=args.model, device=args.device, masks=not args.no_mask, cutouts=cutouts,
        cutout=settings, cutout_format=fmt, bg_color=bg, threshold=args.threshold,
        existing="overwrite" if args.overwrite else "skip" if args.skip_existing else "refuse",
        watch=bool(args.watch), shard=args.shard, summary=summary, progress=out is not None,
    )
