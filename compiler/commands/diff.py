"""`kkc diff`: what a promotion changes in Kafka (A -> B), with the risk of each change."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from compiler.commands.common import Tree, compile_one
from compiler.errors import UsageError
from compiler.exitcodes import EXIT_OK, EXIT_PROBLEMS
from compiler.records import record

if TYPE_CHECKING:
    from compiler.diagnostics import Diagnostic
    from compiler.model import Compiled

NAME = "diff"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        NAME,
        help="what a promotion changes in Kafka (A -> B), with the risk of each change",
        description="Compare the fully resolved results of two targets (A -- B), or of a target and a directory "
        "written by kkc compile --out (--against DIR: the directory is the old side). Each change gets a risk: "
        "data-loss, not-applied (Kestra never applies it to existing topics), breaking, or safe. "
        "Options go before the '--'.",
        epilog="examples:\n"
        "  kkc diff env=staging instance=eu1 -- env=prod instance=eu1\n"
        "  kkc diff env=prod instance=eu1 --against build/prod/eu1\n"
        "  kkc diff env=prod instance=eu1 --against build/prod/eu1 --fail-on data-loss,not-applied\n\n"
        "exit codes: 0 no differences, 1 differences (with --fail-on: only differences of those risks), 2 usage",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("overrides", nargs="*", metavar="OVERRIDE", help="side A: env=... instance=... and overrides")
    parser.add_argument("--against", type=Path, metavar="DIR", help="compare side A with compiled outputs in DIR")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or json")
    parser.add_argument(
        "--fail-on",
        metavar="RISKS",
        type=_risks,
        help="comma-separated risks that fail the run: data-loss, not-applied, breaking, safe",
    )
    parser.add_argument("--show-secrets", action="store_true", help="print secret values instead of masking them")
    Tree.add_options(parser)


def _risks(text: str) -> tuple[str, ...]:
    from compiler.diff import RISKS

    chosen = tuple(r.strip() for r in text.split(",") if r.strip())
    unknown = [r for r in chosen if r not in RISKS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"unknown risk {', '.join(unknown) or text!r} (choose from {', '.join(RISKS)})"
        )
    return chosen


@record
class Options:
    overrides: tuple[str, ...]  # side A
    right: tuple[str, ...] | None  # side B: what came after '--'
    against: Path | None
    format: str
    fail_on: tuple[str, ...] | None
    show_secrets: bool
    tree: Tree

    @classmethod
    def from_args(cls, args: argparse.Namespace, argv: list[str]) -> Options:
        right = None if args.right is None else tuple(args.right)
        return cls(
            tuple(args.overrides),
            right,
            args.against,
            args.format,
            args.fail_on,
            args.show_secrets,
            Tree.from_args(args),
        )


def run(options: Options) -> int:
    from compiler import diff

    if (options.right is None) == (options.against is None):
        raise UsageError("give two targets (A -- B) or one target and --against DIR")
    late = [a for a in options.right or () if a.startswith("-")]
    if late:
        raise UsageError(f"options go before the '--' ({' '.join(late)} came after it)")
    side_a = compile_one(options.tree, options.overrides)
    if options.against is not None:
        before, after = diff.from_directory(options.against, side_a.target), diff.from_compiled(side_a)
        old_name, new_name = str(options.against), side_a.target
        newest = side_a
    else:
        side_b = compile_one(options.tree, options.right or ())
        before, after = diff.from_compiled(side_a), diff.from_compiled(side_b)
        old_name, new_name = side_a.target, side_b.target
        newest = side_b
    changes = diff.diff(before, after, options.show_secrets)
    # A promotion to a config Kafka or Kestra refuses is not "safe", whatever each change's own risk.
    errors = _errors(newest)
    if options.format == "json":
        doc = {
            "from": old_name,
            "to": new_name,
            "changes": [c.to_dict() for c in changes],
            "summary": diff.summary(changes),
            "errors": [
                {"file": d.file, "line": d.line, "column": d.column, "rule": d.rule, "message": d.message}
                for d in errors
            ],
        }
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    else:
        sys.stdout.write(diff.render_text(changes, old_name, new_name))
        if errors:
            sys.stdout.write(
                f"\n{new_name} does not pass kkc validate ({len(errors)} error{'s' if len(errors) > 1 else ''}: "
                "Kafka or Kestra would refuse it, whatever the risks above):\n"
            )
            sys.stdout.writelines(
                f"  {f'{d.file}:{d.line}:{d.column}' if d.line else d.file or d.target}: error [{d.rule}] {d.message}\n"
                for d in errors
            )
    if errors:
        return EXIT_PROBLEMS
    if options.fail_on:
        return EXIT_PROBLEMS if any(c.risk in options.fail_on for c in changes) else EXIT_OK
    return EXIT_PROBLEMS if changes else EXIT_OK


def _errors(compiled: Compiled) -> list[Diagnostic]:
    from compiler.validate import Options as ValidateOptions
    from compiler.validate import check

    found = check([compiled], ValidateOptions()).diagnostics
    return sorted({d for d in found if d.level == "error"}, key=lambda d: d.sort_key)
