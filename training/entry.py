"""The trainer's entry point: one process (one rank under torchrun) runs a fine-tune or a training, with exit codes."""

from __future__ import annotations

import argparse

import torch

from . import distributed as D
from .finetune import fine_tune
from .progress import Reporter
from .recipe import single_split
from .setup import configure_threads, pick_device
from .trainer import EXIT_ERROR, EXIT_NAN, EXIT_OK, NonFiniteLoss, Run
from u2studio.core.imageio import ImageLoadError
from u2studio.models.checkpoint import CheckpointError


def main(args: argparse.Namespace) -> int:
    """Run training in this process (one rank under torchrun); returns the exit code."""
    configure_threads()
    info = D.setup("cuda" if args.device in ("cuda", "auto") and torch.cuda.is_available() else "cpu")
    report = Reporter(args.progress_json, enabled=info.is_main)
    try:
        device = pick_device(args.device, info.local_rank)
        if args.init != "scratch" and (args.refit or not single_split(args)):
            fine_tune(args, info, device, report)
        else:
            Run(args, info, device, report).run()
        return EXIT_OK
    except NonFiniteLoss as exc:
        report.close_bar()
        report.event("error", kind="nan", message=f"{exc}; stopped, the last good checkpoint is kept")
        return EXIT_NAN
    except (ValueError, OSError, RuntimeError, CheckpointError, ImageLoadError) as exc:
        report.close_bar()
        report.event("error", kind=type(exc).__name__, message=str(exc))
        if not args.progress_json and info.is_main:
            import sys

            print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        D.teardown(info)
