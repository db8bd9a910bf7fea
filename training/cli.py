"""Arguments of ``u2studio train``; parsing stays light, torch is imported only when training starts."""

from __future__ import annotations

import argparse

METRICS = ("relaxF", "maxF", "MAE", "Sm")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Every training option."""
    p.add_argument("--data", required=True, help="dataset folder(s), comma-separated: im/+gt/ (optional manifest.jsonl) or images/+masks/")
    p.add_argument("--arch", required=True, choices=["u2net", "u2netp", "isnet"])
    p.add_argument("--init", default="bundled", help="bundled (installed weights), scratch, or a checkpoint PATH (default: bundled)")
    p.add_argument("--out", required=True, help="run folder for checkpoints, state, curves")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--loss", choices=["bce", "hybrid"], default="bce", help="bce (U²-Net) or hybrid (BASNet BCE+SSIM+IoU)")
    p.add_argument("--lr", type=float, default=None, help="learning rate (default 1e-3 from scratch, 1e-4 fine-tuning)")
    p.add_argument("--size", type=int, default=None, help="resize side (default from the model: 320 U²-Net, 1024 IS-Net)")
    p.add_argument("--crop", type=int, default=None, help="random crop side (default 288 for U²-Net at 320, size for IS-Net)")
    p.add_argument("--resume", action="store_true", help="continue from OUT/state.pt when it exists")
    p.add_argument("--overwrite", action="store_true", help="replace the run already in OUT (its files are deleted first)")
    p.add_argument("--progress-json", action="store_true", help="JSON-lines events on stdout instead of progress bars")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--deterministic", action="store_true", help="deterministic kernels (slower on GPUs)")
    p.add_argument("--workers", type=int, default=0, help="data-loading worker processes")
    p.add_argument("--val-every", type=int, default=1, help="validate every N epochs (and after the last)")
    p.add_argument("--best-metric", choices=METRICS, default="relaxF")
    p.add_argument("--val-percent", type=float, default=10.0, help="validation share of plain folders, by stem hash")
    p.add_argument("--val-count", type=int, default=None, help="exactly this many validation stems (smallest stem hashes)")
    p.add_argument("--val-before", action="store_true", help="validate the initial weights before training")
    p.add_argument("--interm-sup", action="store_true", help="IS-Net intermediate supervision with the GT encoder")
    p.add_argument("--gt-epochs", type=int, default=20, help="epoch cap of the GT encoder phase")
    p.add_argument("--gt-threshold", type=float, default=0.99, help="GT encoder phase stops at this maxF")
    p.add_argument("--sync-bn", action="store_true", help="SyncBatchNorm under torchrun (when BatchNorm trains)")
    p.add_argument("--train-bn", action="store_true", help="let BatchNorm train when fine-tuning unfolded weights")
    p.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"], default="auto")
    p.add_argument("--max-steps", type=int, default=None, help="stop after this many optimiser steps in total")
    p.add_argument("--debug-nan-at-step", type=int, default=None, help=argparse.SUPPRESS)


def validate_args(args: argparse.Namespace) -> str | None:
    """A message for an impossible combination of options, or None."""
    for name in ("epochs", "batch_size", "val_every"):
        if getattr(args, name) < 1:
            return f"--{name.replace('_', '-')} must be at least 1"
    if args.max_steps is not None and args.max_steps < 1:
        return "--max-steps must be at least 1"
    if args.val_count is not None and args.val_count < 1:
        return "--val-count must be at least 1"
    if not 0 <= args.val_percent < 100:
        return "--val-percent must be in [0, 100)"
    return None


def run(args: argparse.Namespace) -> int:
    """Check the options and train (imports torch here)."""
    import sys

    problem = validate_args(args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    from .trainer import main

    return main(args)


def main(argv: list[str] | None = None) -> int:
    """``python -m training.cli``: the same as ``u2studio train``."""
    parser = argparse.ArgumentParser(prog="u2studio train")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
