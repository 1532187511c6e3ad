"""The `kkc` command line. Imports stay lazy so `kkc --version` and `kkc --help` start fast."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from compiler import __version__
from compiler.errors import EXIT_INTERNAL, EXIT_OK, EXIT_USAGE
from compiler.keys import ROLES

DESCRIPTION = """\
kkc, the Kestra Kafka config compiler: layered Hydra configs in (Kestra's bundled defaults,
conf/config.yaml, conf/env/<env>.yaml, conf/instance/<instance>.yaml, command-line overrides),
the exact Kestra and Kafka settings out.

exit codes: 0 success, 1 problems in the inputs, 2 usage error, 3 internal error
"""

COMPILE_EPILOG = """\
overrides (Hydra's grammar; a Kafka property name with dots goes in brackets):
  env=prod instance=eu1                          choose the target's config group options
  kestra.kafka.defaults.topic.partitions=32      change an existing key
  +kestra.kafka.topics.execution.partitions=64   add a key
  'kestra.kafka.client.properties[bootstrap.servers]=b1:9092,b2:9092'

examples:
  kkc compile env=prod instance=eu1                  print application-kafka.yml
  kkc compile env=prod instance=eu1 --out build/     write build/prod/eu1/*
  kkc compile --all --out build/                     every target of conf/config.yaml's targets
  kkc compile env=dev --format json                  one JSON document per target
"""


VALIDATE_EPILOG = """\
examples:
  kkc validate env=prod instance=eu1              one target of ./conf
  kkc validate --all                              every target (pre-commit, CI)
  kkc validate path/to/application.yml            existing Kestra config files
  kkc validate client.properties --as producer    a plain Kafka client .properties file
  kkc validate --all --format sarif > kkc.sarif   for code scanning

exit codes: 0 no errors (warnings allowed unless --strict), 1 problems found, 2 usage error
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        required = "the following arguments are required: "
        if message.startswith(required):
            # argparse lists a `nargs="*"` positional among the required ones; it is not.
            optional = {a.metavar for a in self._actions if a.nargs in ("*", "?") and a.metavar}
            names = [n for n in message[len(required) :].split(", ") if n not in optional]
            message = f"{required}{', '.join(names)}" + (
                f" ({', '.join(sorted(optional))} optional)" if optional and names else ""
            )
        self.print_usage(sys.stderr)
        print(f"kkc: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kkc", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"kkc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    comp = sub.add_parser(
        "compile",
        help="merge and resolve the layers of one or every target; print or write the outputs",
        description="Merge Kestra's defaults and the config layers of a target, resolve ${kestra...} "
        "references, and emit application-kafka.yml, the Kafka client property files and the topic plan.",
        epilog=COMPILE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    comp.add_argument("overrides", nargs="*", metavar="OVERRIDE", help="group choices and key overrides")
    comp.add_argument("--all", action="store_true", help="every target listed under targets: in config.yaml")
    _tree_options(comp)
    comp.add_argument("--out", type=_out_dir, help="write DIR/<env>/<instance>/ per target instead of printing")
    comp.add_argument(
        "--emit",
        action="append",
        choices=("strimzi", "kafka-topics"),
        default=[],
        help="with --out, also write strimzi-topics.yaml (Strimzi KafkaTopic resources) or create-topics.sh "
        "(kafka-topics.sh --create --if-not-exists); repeatable",
    )
    comp.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 listing each stale, missing or extra file under --out (for CI and pre-commit)",
    )
    comp.add_argument(
        "--format",
        choices=("yaml", "json"),
        default=None,
        help="without --out: yaml prints application-kafka.yml (default), json one document per target",
    )

    val = sub.add_parser(
        "validate",
        help="find every mistake Kestra and Kafka would only reveal at run time; exit 1 on errors",
        description="Validate one target, every target (--all), existing Kestra config files (each one layer "
        "over Kestra's bundled defaults) or a plain Kafka client .properties file (--as ROLE).",
        epilog=VALIDATE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    val.add_argument("inputs", nargs="*", metavar="OVERRIDE|FILE", help="group choices, overrides, or files")
    val.add_argument("--all", action="store_true", help="every target listed under targets: in config.yaml")
    val.add_argument(
        "--as",
        dest="role",
        choices=ROLES,
        help="the Kafka client type that reads the given .properties files",
    )
    val.add_argument(
        "--format",
        choices=("text", "json", "github", "sarif"),
        default="text",
        help="text (default), json, github (workflow annotations), sarif (SARIF 2.1.0)",
    )
    val.add_argument("--strict", action="store_true", help="warnings fail the run too")
    val.add_argument("--brokers", type=_positive_int, metavar="N", help="broker count (overrides cluster.brokers)")
    val.add_argument(
        "--kafka-version",
        metavar="X.Y",
        type=_kafka_version,
        help="the Kafka version of clients and brokers (overrides cluster.kafka-version; default: latest)",
    )
    _tree_options(val)

    exp = sub.add_parser(
        "explain",
        help="show a key's winning value and every layer and interpolation it came from",
        description="Explain KEY in one target: every layer that set it (with file:line:column), what each set, "
        "and the ${...} references the value went through. KEY is a full key path with Kafka property names "
        "whole (kestra.kafka.client.properties.bootstrap.servers), or a derived value: clients.<role>.<property>, "
        "topics.<topic>.<partitions|replication-factor|name|properties.<property>>.",
        epilog="examples:\n"
        "  kkc explain kestra.kafka.defaults.stream.properties.replication.factor env=prod instance=eu1\n"
        "  kkc explain clients.producer.acks env=staging instance=eu1 --format json\n"
        "  kkc explain topics.execution.partitions env=prod instance=eu2",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    exp.add_argument("key", metavar="KEY")
    exp.add_argument(
        "overrides", nargs="*", metavar="OVERRIDE", help="the target (env=prod instance=eu1) and overrides"
    )
    exp.add_argument("--format", choices=("text", "json"), default="text")
    exp.add_argument("--show-secrets", action="store_true", help="print secret values instead of masking them")
    _tree_options(exp)

    dif = sub.add_parser(
        "diff",
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
    dif.add_argument("overrides", nargs="*", metavar="OVERRIDE", help="side A: env=... instance=... and overrides")
    dif.add_argument("--against", type=Path, metavar="DIR", help="compare side A with compiled outputs in DIR")
    dif.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or json")
    dif.add_argument(
        "--fail-on",
        metavar="RISKS",
        type=_risks,
        help="comma-separated risks that fail the run: data-loss, not-applied, breaking, safe",
    )
    dif.add_argument("--show-secrets", action="store_true", help="print secret values instead of masking them")
    _tree_options(dif)

    ini = sub.add_parser(
        "init",
        help="write a small, valid starting config tree",
        description="Write a starting Hydra config tree into DIR (default: conf): config.yaml with targets, "
        "env/dev.yaml, env/prod.yaml, instance/main.yaml, and kkc-schema.json beside it for editors. "
        "It passes kkc validate --all as is. Existing files are never overwritten.",
    )
    ini.add_argument("directory", nargs="?", type=Path, default=Path("conf"), metavar="DIR")

    sub.add_parser(
        "schema",
        help="print a JSON Schema of a config layer, for editor completion and checks",
        description="Print a JSON Schema (draft 2020-12) of a config layer: the kestra.kafka tree, topic keys, "
        "Kafka property names per section with their types and allowed values, and kkc's own keys. Wire it "
        "into VS Code's YAML extension with a first line: # yaml-language-server: $schema=<path to the file>",
    )
    return parser


def _risks(text: str) -> tuple[str, ...]:
    from compiler.diff import RISKS

    chosen = tuple(r.strip() for r in text.split(",") if r.strip())
    unknown = [r for r in chosen if r not in RISKS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"unknown risk {', '.join(unknown) or text!r} (choose from {', '.join(RISKS)})"
        )
    return chosen


def _out_dir(text: str) -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty directory name; give a path such as build/")
    return Path(text)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _kafka_version(text: str) -> str:
    from compiler.catalog import KNOWN_VERSIONS

    if text not in KNOWN_VERSIONS:
        raise argparse.ArgumentTypeError(f"'{text}' is not a Kafka version kkc knows ({', '.join(KNOWN_VERSIONS)})")
    return text


def _tree_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config-dir", type=Path, default=Path("conf"), help="the Hydra config tree (default: ./conf)")
    parser.add_argument("--config-name", default="config", help="the primary config's name (default: config)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    given = list(argv)
    right: list[str] | None = None
    if argv[:1] == ["diff"] and "--" in argv:
        cut = argv.index("--")
        argv, right = argv[:cut], argv[cut + 1 :]
    args, extras = parser.parse_known_args(argv)
    unknown = [e for e in extras if e.startswith("-")]
    if unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    positional = "inputs" if hasattr(args, "inputs") else "overrides"
    if extras and not hasattr(args, positional):
        parser.error(f"unrecognized arguments: {' '.join(extras)}")
    if extras:
        setattr(args, positional, [*getattr(args, positional), *extras])
    args.right = right
    args.argv = given
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        from compiler.commands import run

        return run(args)
    except KeyboardInterrupt:
        print("kkc: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception:  # noqa: BLE001 - the one place that turns a bug into exit 3
        return _internal_error()


def _internal_error() -> int:
    import tempfile
    import traceback

    fd, path = tempfile.mkstemp(prefix="kkc-crash-", suffix=".log")
    with os.fdopen(fd, "w") as handle:
        handle.write(f"kkc {__version__}\nargv: {sys.argv!r}\n\n")
        traceback.print_exc(file=handle)
    print(f"kkc: internal error (a bug in kkc); details written to {path}", file=sys.stderr)
    return EXIT_INTERNAL
