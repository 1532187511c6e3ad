"""The subcommands, one module each: `add_parser` declares its options, `Options.from_args` reads them
into a typed, frozen record, and `run` does the work and returns the exit code."""

from __future__ import annotations

import argparse
from typing import Any, Protocol

from compiler.commands import apply, compile, diff, explain, init, plan, rules, schema, validate


class Command(Protocol):
    """What a subcommand module provides."""

    NAME: str
    Options: Any  # a frozen dataclass with from_args(args, argv)

    def add_parser(self, sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None: ...

    def run(self, options: Any) -> int: ...


COMMANDS: dict[str, Command] = {
    "compile": compile,
    "validate": validate,
    "explain": explain,
    "diff": diff,
    "rules": rules,
    "rule": rules,
    "init": init,
    "schema": schema,
    "plan": plan,
    "apply": apply,
}
