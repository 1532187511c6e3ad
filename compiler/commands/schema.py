"""`kkc schema`: a JSON Schema of a config layer, for editor completion and checks."""

from __future__ import annotations

import argparse
import json
import sys

from compiler.exitcodes import EXIT_OK
from compiler.records import record

NAME = "schema"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub.add_parser(
        NAME,
        help="print a JSON Schema of a config layer, for editor completion and checks",
        description="Print a JSON Schema (draft 2020-12) of a config layer: the kestra.kafka tree, topic keys, "
        "Kafka property names per section with their types and allowed values, and kkc's own keys. Wire it "
        "into VS Code's YAML extension with a first line: # yaml-language-server: $schema=<path to the file>",
    )


@record
class Options:
    @classmethod
    def from_args(cls, args: argparse.Namespace, argv: list[str]) -> Options:
        return cls()


def run(options: Options) -> int:
    from compiler.schema import build

    sys.stdout.write(json.dumps(build(), indent=2) + "\n")
    return EXIT_OK
