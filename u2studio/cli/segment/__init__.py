"""``u2studio segment``: masks (and cutouts) for files, folders, standard input, watched folders and shards.

The modules: :mod:`.options` (the option table), :mod:`.inputs` (what is read), :mod:`.plan` (output
names and refusals), :mod:`.work` (decode, mask, cutout, writes), :mod:`.runner` (the run and its exit
status), :mod:`.watch` and :mod:`.summary`. The overlapping stages live in ``u2studio.inference.pipeline``.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence
from pathlib import Path

from u2studio.cli.segment.options import SegmentOptions, UsageError, add_arguments, settle
from u2studio.core.cutout import CutoutSettings


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the subcommand."""
    p = sub.add_parser("segment", help="write a soft mask (and optionally a cutout) for each image",
                       description="Write <stem>.png masks (and <stem>_cutout.<format> cutouts) for images.")
    add_arguments(p)


def run(args: argparse.Namespace) -> int:
    """Segment every input: 0 all done, 1 some file failed, 2 unusable input or options."""
    from u2studio.cli.segment.runner import SegmentRun, note

    try:
        options = settle(args)
    except UsageError as exc:
        note(f"error: {exc}")
        return 2
    return SegmentRun(options).execute()


def collect_inputs(inputs: Iterable[str | Path]) -> list[Path]:
    """The image files in ``inputs`` (folders expanded, sorted; FIFOs and devices left out)."""
    from u2studio.cli.segment.inputs import collect

    return [f.path for f in collect(str(i) for i in inputs).files if f.path is not None]


def segment_files(files: Sequence[Path], out: Path, model: str, device: str, cutout: bool,
                  progress: bool = True, existing: str = "overwrite") -> list[tuple[Path, str]]:
    """Segment ``files`` into ``out`` (for ``eval --images``); returns (file, reason) for every failure."""
    from u2studio.cli.segment.runner import SegmentRun

    options = SegmentOptions(
        inputs=tuple(str(f) for f in files), out=out, model=model, device=device, masks=True, cutouts=cutout,
        cutout=CutoutSettings(), cutout_format="png", bg_color=None, threshold=None, existing=existing,
        watch=False, shard=None, summary=None, progress=progress,
    )
    segment_run = SegmentRun(options)
    status = segment_run.execute()
    failures = [(Path(label), reason) for label, reason in segment_run.summary.failures]
    if status == 2 and not failures:
        failures.append((out, "the run could not start (see the message above)"))
    return failures
