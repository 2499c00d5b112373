"""The ``omnicx`` command line.

Each subcommand lives in its own private module exposing
``register(subparsers)``; this module only wires them together.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from omnicx._version import __version__
from omnicx.errors import OmnicxError

__all__ = ["main"]

# Subcommand modules, in the order ``omnicx --help`` lists them.
_COMMANDS: tuple[str, ...] = ("_demo", "_metrics", "_rules", "_resolve")


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
    """Run the ``omnicx`` command; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return int(handler(args))
    except OmnicxError as error:
        print(f"omnicx: error: {error}", file=sys.stderr)
        return 1
