"""Entry point: ``u2studio`` opens the studio; ``u2studio SUBCOMMAND`` runs batch work."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# subcommand name -> module with add_parser(subparsers) and run(args) -> int
SUBCOMMANDS = {
    "cutout": "u2studio.cli.cutout",
    "dataset": "u2studio.cli.dataset",
    "eval": "u2studio.cli.eval",
    "segment": "u2studio.cli.segment",
    "weights": "u2studio.cli.weights",
    "train": "u2studio.cli.train",
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser, one sub-parser per subcommand module (``only``: just that one, so running a
    subcommand imports nothing of the others: ``segment`` starts 50 ms sooner without the dataset code)."""
    from u2studio import __version__

    parser = argparse.ArgumentParser(prog="u2studio", description="Salient-object and background-removal masks.")
    parser.add_argument("--version", action="version", version=f"u2studio {__version__}")
    parser.add_argument("--self-test", action="store_true", help="check this installation end to end and exit")
    parser.add_argument("--debug", action="store_true", help="show the Python traceback of a failure (anywhere on the line)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name in SUBCOMMANDS.items():
        if only is None or name == only:
            importlib.import_module(module_name).add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the studio or a subcommand; returns the process exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args_list
    args_list = [a for a in args_list if a != "--debug"]
    if not args_list or args_list[0] not in SUBCOMMANDS and not args_list[0].startswith("-"):
        return run_studio(args_list)
    parser = build_parser(args_list[0] if args_list[0] in SUBCOMMANDS else None)
    args = parser.parse_args(args_list)
    if args.self_test:
        from u2studio.selftest import run as self_test

        return self_test()
    if args.command is None:
        parser.print_help()
        return 2
    module = importlib.import_module(SUBCOMMANDS[args.command])
    try:
        return int(module.run(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the one error boundary of every command
        if debug:
            raise
        from u2studio.cli.errors import describe

        code, message = describe(exc)
        print(f"error: {message}", file=sys.stderr)
        return code


def run_studio(paths: list[str]) -> int:
    """Open the studio window, with optional images or folders."""
    from u2studio.gui.app import run

    return int(run(paths))
