"""The cutout options shared by ``u2studio cutout`` and ``u2studio segment --cutout``, with one meaning."""

from __future__ import annotations

import argparse

from u2studio.cli.argtypes import bounded_float
from u2studio.core.cutout import EDGE_MODES, CutoutSettings, parse_bg_color
from u2studio.core.cutout.output import FORMATS, CutoutFormat


def _bg_color(text: str) -> tuple[int, int, int]:
    try:
        return parse_bg_color(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


_amount = bounded_float("amount", 0.0, 1.0)
_radius = bounded_float("feather radius", 0.0, 100.0, " px")


def add_cutout_arguments(parser: argparse.ArgumentParser) -> None:
    """Add --edges, --feather-radius, --decontaminate/--no-decontaminate, --decontaminate-amount, --format,
    --bg-color."""
    group = parser.add_argument_group("cutout")
    group.add_argument("--edges", choices=EDGE_MODES, default="refined",
                       help="cutout edge: hard (thresholded mask), feather (softened hard edge) or refined "
                            "(solved against the full-resolution photo; default)")
    group.add_argument("--feather-radius", type=_radius, default=CutoutSettings.feather_radius, metavar="PX",
                       help="softening radius for --edges feather (default: %(default)s)")
    group.add_argument("--decontaminate", action=argparse.BooleanOptionalAction, default=True,
                       help="replace the old background's colour in the edge by the subject's (default: on)")
    group.add_argument("--decontaminate-amount", type=_amount, default=1.0, metavar="0..1",
                       help="how much of the decontaminated colour to use (default: 1)")
    group.add_argument("--format", choices=FORMATS, default="png", dest="cutout_format",
                       help="cutout file format (default: png; jpg has no transparency and is flattened)")
    group.add_argument("--bg-color", type=_bg_color, default=None, metavar="R,G,B|#RRGGBB",
                       help="flatten the cutout onto this colour (jpg defaults to white)")


def cutout_options(args: argparse.Namespace) -> tuple[CutoutSettings, CutoutFormat, tuple[int, int, int] | None]:
    """The parsed options as (settings, format, background colour or None)."""
    settings = CutoutSettings(
        edges=args.edges,
        feather_radius=args.feather_radius,
        decontaminate=args.decontaminate,
        decontaminate_amount=args.decontaminate_amount,
    )
    return settings, args.cutout_format, args.bg_color
