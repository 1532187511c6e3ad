"""The subcommands, one module each: `add_parser` declares its options, `Options.from_args` reads them
into a typed, frozen record, and `run` does the work and returns the exit code."""

from __future__ import annotations

import argparse
import importlib
from typing import Any, Protocol, cast


class Command(Protocol):
    """What a subcommand module provides."""

    NAME: str
    Options: Any  # a frozen dataclass with from_args(args, argv)

    def add_parser(self, sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None: ...

    def run(self, options: Any) -> int: ...


# Each command's module, imported only when that command runs (or `kkc --help` lists them all): a
# run of `kkc validate` does not pay for plan's, compile's or diff's imports.
MODULES: dict[str, str] = {
    "compile": "compile",
    "validate": "validate",
    "explain": "explain",
    "diff": "diff",
    "rules": "rules",
    "rule": "rules",
    "init": "init",
    "schema": "schema",
    "plan": "plan",
    "apply": "apply",
}


def command(name: str) -> Command:
    """The module of the command `name` (a key of MODULES)."""
    return cast(Command, importlib.import_module(f"compiler.commands.{MODULES[name]}"))
