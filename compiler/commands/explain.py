"""`kkc explain`: a key's winning value and every layer and interpolation it came from."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from typing import TYPE_CHECKING

from compiler.commands.common import Tree, add_selection_options, compile_one, is_override, selection
from compiler.errors import UsageError
from compiler.exitcodes import EXIT_OK
from compiler.records import record

if TYPE_CHECKING:
    from compiler.validate import Selection

NAME = "explain"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        NAME,
        help="show a key's winning value and every layer and interpolation it came from",
        description="Explain KEY in one target: every layer that set it (with file:line:column), what each set, "
        "and the ${...} references the value went through. KEY is a full key path with Kafka property names "
        "whole (kestra.kafka.client.properties.bootstrap.servers), or a derived value: clients.<role>.<property>, "
        "topics.<topic>.<partitions|replication-factor|name|properties.<property>>; or rules.<rule id or family>: "
        "the level in force and where it was set.",
        epilog="examples:\n"
        "  kkc explain kestra.kafka.defaults.stream.properties.replication.factor env=prod instance=eu1\n"
        "  kkc explain clients.producer.acks env=staging instance=eu1 --format json\n"
        "  kkc explain topics.execution.partitions env=prod instance=eu2\n"
        "  kkc explain rules.replication-factor-below-brokers env=dev",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("key", metavar="KEY")
    parser.add_argument(
        "overrides", nargs="*", metavar="OVERRIDE", help="the target (env=prod instance=eu1) and overrides"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--show-secrets", action="store_true", help="print secret values instead of masking them")
    Tree.add_options(parser)
    add_selection_options(parser)


@record
class Options:
    key: str
    overrides: tuple[str, ...]
    format: str
    show_secrets: bool
    tree: Tree
    selection: Selection

    @classmethod
    def from_args(cls, args: argparse.Namespace, argv: list[str]) -> Options:
        return cls(
            args.key, tuple(args.overrides), args.format, args.show_secrets, Tree.from_args(args), selection(args)
        )


def run(options: Options) -> int:
    from compiler.explain import explain, render_text

    if is_override(options.key) and "=" in options.key:
        given = " ".join(shlex.quote(a) for a in [options.key, *options.overrides])
        raise UsageError(
            f"the KEY to explain is missing ('{options.key}' is an override): kkc explain KEY {given}, with KEY "
            "such as kestra.kafka.defaults.topic.partitions, clients.producer.acks or topics.execution.partitions"
        )
    compiled = compile_one(options.tree, options.overrides)
    result = explain(compiled, options.key, options.show_secrets, options.selection)
    if options.format == "json":
        sys.stdout.write(json.dumps({"target": compiled.target, **result.to_dict()}, indent=2) + "\n")
    else:
        sys.stdout.write(render_text(result, compiled.target))
    return EXIT_OK
