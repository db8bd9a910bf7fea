"""Arguments of ``u2studio train``; parsing stays light, torch is imported only when training starts."""

from __future__ import annotations

import argparse
import json
from typing import Any

METRICS = ("relaxF", "maxF", "MAE", "Sm")
FT_SOUP_INTERPOLATE = 0.75  # the installed soup of the fold models and the refit: start + 0.75 · (mean − start)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Every training option."""
    p.add_argument("--data", required=True, help="dataset folder(s), comma-separated: im/+gt/ (optional manifest.jsonl) or images/+masks/")
    p.add_argument("--arch", required=True, choices=["u2net", "u2netp", "isnet"])
    p.add_argument("--init", default="bundled", help="bundled (installed weights), scratch, or a checkpoint PATH (default: bundled)")
    p.add_argument("--out", required=True, help="run folder for checkpoints, state, curves")
    p.add_argument("--epochs", type=int, default=None, help="whole epochs (default 10 from scratch; fine-tuning counts steps)")
    p.add_argument("--steps", type=int, default=None, dest="max_steps",
                   help="optimiser steps in total (fine-tuning default: 8 images a training pair, 32..480 images)")
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--loss", choices=["bce", "hybrid"], default=None,
                   help="bce (U²-Net) or hybrid (BASNet BCE+SSIM+IoU); default bce from scratch, hybrid fine-tuning")
    p.add_argument("--lr", type=float, default=None, help="peak learning rate (default 1e-3 from scratch, 1e-4 fine-tuning)")
    p.add_argument("--schedule", choices=["cosine", "constant"], default=None,
                   help="learning-rate schedule (default: cosine with warm-up fine-tuning, constant from scratch)")
    p.add_argument("--warmup", type=float, default=None, help="warm-up share of the steps (default 0.1 fine-tuning)")
    p.add_argument("--freeze", choices=["encoder", "none", "decoder", "input", "deep", "bias", "auto"], default=None,
                   help="layers that do not train (default: encoder when fine-tuning, none from scratch); auto: "
                        "cross-validate both encoder and none and keep the better accepted one")
    p.add_argument("--interpolate", type=float, default=None,
                   help="fine-tuning: the model kept is start + A·(trained − start), a weight-space ensemble with the "
                        "starting weights (default 0.5 fine-tuning, 1 from scratch)")
    p.add_argument("--soup", action=argparse.BooleanOptionalAction, default=True,
                   help="fine-tuning with the refit: install the average of every fold model's and the refit's trained "
                        "weights, moved --soup-interpolate of the way from the starting weights (default on)")
    p.add_argument("--soup-interpolate", type=float, default=FT_SOUP_INTERPOLATE,
                   help=f"the installed soup's step from the starting weights (default {FT_SOUP_INTERPOLATE})")
    p.add_argument("--l2sp", type=float, default=None, help="L2-SP weight toward the starting weights (default 0)")
    p.add_argument("--augment", choices=["finetune", "paper", "strong"], default="finetune",
                   help="fine-tuning augmentation: scale+colour jitter, no vertical flip (finetune), the paper's, or "
                        "twice the jitter (strong: scale 0.7-1.6, colour 0.3)")
    p.add_argument("--unlabeled", default=None,
                   help="folder of images without masks: the starting model's predictions on them train too (distillation)")
    p.add_argument("--size", type=int, default=None, help="resize side (default from the model: 320 U²-Net, 1024 IS-Net)")
    p.add_argument("--crop", type=int, default=None, help="random crop side (default 288 for U²-Net at 320, size for IS-Net)")
    p.add_argument("--resume", action="store_true", help="continue from OUT/state.pt when it exists")
    p.add_argument("--overwrite", action="store_true", help="replace the run already in OUT (its files are deleted first)")
    p.add_argument("--progress-json", action="store_true", help="JSON-lines events on stdout instead of progress bars")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--deterministic", action="store_true", help="deterministic kernels (slower on GPUs)")
    p.add_argument("--workers", type=int, default=0, help="data-loading worker processes")
    p.add_argument("--val-every", type=int, default=None,
                   help="validate every N epochs and after the last (default 1 from scratch; fine-tuning: the final weights only)")
    p.add_argument("--best-metric", choices=METRICS, default="relaxF")
    p.add_argument("--val-percent", type=float, default=None,
                   help="validation share: fine-tuning judges on one held-out split of this share (at least 3 pairs, by "
                        "content hash) instead of cross-validating over every pair; from scratch 10 (by stem hash)")
    p.add_argument("--val-count", type=int, default=None, help="exactly this many validation pairs")
    p.add_argument("--folds", type=int, default=None,
                   help="fine-tuning: judge the recipe by K-fold cross-validation over every pair (default: 2 "
                        "folds of at least 3 pairs; 1 = a single held-out split, the default with --val-percent/--val-count)")
    p.add_argument("--refit", action=argparse.BooleanOptionalAction, default=True,
                   help="fine-tuning: when the guard accepts, train the installed model on every pair (default on)")
    p.add_argument("--val-before", action="store_true", help="validate the initial weights before training")
    p.add_argument("--interm-sup", action="store_true", help="IS-Net intermediate supervision with the GT encoder")
    p.add_argument("--gt-epochs", type=int, default=20, help="epoch cap of the GT encoder phase")
    p.add_argument("--gt-threshold", type=float, default=0.99, help="GT encoder phase stops at this maxF")
    p.add_argument("--sync-bn", action="store_true", help="SyncBatchNorm under torchrun (when BatchNorm trains)")
    p.add_argument("--train-bn", action="store_true", help="let BatchNorm train when fine-tuning unfolded weights")
    p.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"], default="auto")
    p.add_argument("--max-steps", type=int, default=None, dest="max_steps", help="the same as --steps")
    p.add_argument("--debug-nan-at-step", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--print-defaults", nargs=0, action=PrintDefaults, help="print every option's default and choices as JSON, and exit")


def defaults_and_choices() -> dict[str, dict[str, Any]]:
    """Every option's default, choices and help, by destination name: the recipe's defaults (None: the recipe decides)."""
    probe = argparse.ArgumentParser(add_help=False)
    add_arguments(probe)
    parsed = vars(probe.parse_args(["--data", "", "--arch", "u2netp", "--out", ""]))
    for required in ("data", "arch", "out", "print_defaults"):
        parsed.pop(required, None)
    actions = [a for a in probe._actions if a.dest in parsed]  # noqa: SLF001
    choices = {a.dest: list(a.choices) for a in actions if a.choices is not None}
    helps: dict[str, str] = {}
    for action in actions:  # the first flag of a destination explains it (--steps, not its alias --max-steps)
        if action.help and action.help != argparse.SUPPRESS:
            helps.setdefault(action.dest, action.help)
    return {"defaults": parsed, "choices": choices, "help": helps}


class PrintDefaults(argparse.Action):
    """``--print-defaults``: what the studio reads to pre-fill its Fine-tune dialog without importing torch."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any, option_string: str | None = None) -> None:
        print(json.dumps(defaults_and_choices(), sort_keys=True))
        parser.exit(0)


def validate_args(args: argparse.Namespace) -> str | None:
    """A message for an impossible combination of options, or None."""
    for name in ("epochs", "batch_size", "val_every"):
        value = getattr(args, name)
        if value is not None and value < 1:
            return f"--{name.replace('_', '-')} must be at least 1"
    if args.max_steps is not None and args.max_steps < 1:
        return "--max-steps must be at least 1"
    if args.val_count is not None and args.val_count < 1:
        return "--val-count must be at least 1"
    if args.folds is not None and args.folds < 1:
        return "--folds must be at least 1"
    if args.folds is not None and args.folds > 1 and not args.refit:
        return "--no-refit installs the weights trained on one split: it needs --folds 1"
    if args.val_percent is not None and not 0 <= args.val_percent < 100:
        return "--val-percent must be in [0, 100)"
    if args.lr is not None and not args.lr > 0:
        return "--lr must be positive"
    if args.warmup is not None and not 0 <= args.warmup < 1:
        return "--warmup must be in [0, 1)"
    if args.interpolate is not None and not 0 < args.interpolate <= 1:
        return "--interpolate must be in (0, 1]"
    if not 0 < args.soup_interpolate <= 1:
        return "--soup-interpolate must be in (0, 1]"
    if args.l2sp is not None and args.l2sp < 0:
        return "--l2sp must not be negative"
    if args.freeze == "auto" and (args.init == "scratch" or not args.refit):
        return "--freeze auto chooses between fine-tuning recipes by their held-out scores: it needs --init bundled|PATH and the refit"
    return None


def run(args: argparse.Namespace) -> int:
    """Check the options and train (imports torch here)."""
    import sys

    problem = validate_args(args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    from .entry import main

    return main(args)


def main(argv: list[str] | None = None) -> int:
    """``python -m training.cli``: the same as ``u2studio train``."""
    parser = argparse.ArgumentParser(prog="u2studio train")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
