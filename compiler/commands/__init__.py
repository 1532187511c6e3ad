"""The subcommands, one module each: `add_parser` declares its options, `Options.from_args` reads them
into a typed, frozen record, and `run` does the work and returns the exit code."""

from __future__ import annotations

from types import ModuleType

from compiler.commands import compile, diff, explain, init, rules, schema, validate

COMMANDS: dict[str, ModuleType] = {
    "compile": compile,
    "validate": validate,
    "explain": explain,
    "diff": diff,
    "rules": rules,
    "rule": rules,
    "init": init,
    "schema": schema,
}
