"""``u2studio train``: fine-tune or train a model; forwards to ``training.cli`` so heavy imports stay lazy."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the subcommand."""
    from u2studio.training.cli import add_arguments

    p = sub.add_parser("train", help="train or fine-tune U²-Net, U²-Net† or IS-Net on mask folders")
    add_arguments(p)


def run(args: argparse.Namespace) -> int:
    """Train; the exit code is 0 on success, 3 when the loss stopped being finite."""
    from u2studio.training.cli import run as train_run

    return train_run(args)
