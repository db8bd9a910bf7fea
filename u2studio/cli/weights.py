"""``u2studio weights``: list installed models, fetch the bundled weights, import official checkpoints."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the subcommand."""
    p = sub.add_parser("weights", help="list, fetch or import model weights")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    actions.add_parser("list", help="list installed models")
    fetch = actions.add_parser("fetch", help="download and convert the bundled U²-Net† weights")
    fetch.add_argument("--force", action="store_true", help="convert again even if installed")
    imp = actions.add_parser("import", help="install an official .pth or .safetensors checkpoint")
    imp.add_argument("checkpoint", type=Path)
    imp.add_argument("--name", help="name to install it under (default: the architecture for an official file, else the file's stem)")
    imp.add_argument("--arch", choices=["u2net", "u2netp", "isnet"], help="skip detection from the keys")


def run(args: argparse.Namespace) -> int:
    """Carry out the chosen action."""
    from u2studio.models.checkpoint import CheckpointError

    try:
        if args.action == "fetch":
            from u2studio.launch import is_frozen

            if is_frozen():
                print(
                    "error: `weights fetch` converts the original ONNX release and needs the source install "
                    "(python3 bootstrap.py setup); this app already ships the bundled U²-Net† weights",
                    file=sys.stderr,
                )
                return 2
            from u2studio.models.bundled import install_bundled

            path = install_bundled(force=args.force)
            print(f"bundled U²-Net† weights: {path}")
            return 0
        if args.action == "import":
            from u2studio.models.importer import import_checkpoint

            entry = import_checkpoint(args.checkpoint, name=args.name, arch=args.arch)
            print(f"imported {args.checkpoint} as {entry.name!r} ({entry.arch}) -> {entry.path}")
            return 0
        return list_installed()
    except CheckpointError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def list_installed() -> int:
    """Print one line per installed model."""
    from u2studio.models.store import list_models

    entries = list_models()
    if not entries:
        print("no models installed; run `u2studio weights fetch`")
        return 1
    for entry in entries:
        print(f"{entry.name:24s} {entry.arch:7s} {entry.origin}  ({entry.path})")
    return 0
