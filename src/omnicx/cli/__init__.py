"""The ``omnicx`` command line.

Each subcommand lives in its own private module exposing
``register(subparsers)``; this module only wires them together. How a
command ends when its files, database or output fail is decided in one
place, ``_fail`` (docs/cli.md lists the messages and exit codes).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from omnicx._version import __version__
from omnicx.cli import _fail

__all__ = ["main"]

# Subcommand modules, in the order ``omnicx --help`` lists them.
_COMMANDS: tuple[str, ...] = ("_demo", "_metrics", "_report", "_rules", "_resolve")


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="omnicx",
        description="omnicx: omnichannel customer service toolkit.",
    )
    parser.add_argument("--version", action="version", version=f"omnicx {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMANDS:
        module = importlib.import_module(f"omnicx.cli.{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``omnicx`` command; returns the process exit code (docs/cli.md)."""
    parser = build_parser()
    # Filled in place, so a failure can still see which files were named.
    args = argparse.Namespace()
    try:
        parser.parse_args(argv, namespace=args)
        handler = getattr(args, "handler", None)
        if handler is None:
            parser.print_help()
            code = _fail.EXIT_USAGE
        else:
            _fail.check_inputs(args)
            code = int(handler(args))
        # A closed pipe shows up here, not in the flush at interpreter exit.
        sys.stdout.flush()
    except _fail.EXPECTED as error:
        return _fail.report(error, args)
    return code
