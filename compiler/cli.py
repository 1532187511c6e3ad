"""The `kkc` command line. Imports stay lazy so `kkc --version` and `kkc --help` start fast."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from compiler import __version__

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

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


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
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
    comp.add_argument("--config-dir", type=Path, default=Path("conf"), help="the Hydra config tree (default: ./conf)")
    comp.add_argument("--config-name", default="config", help="the primary config's name (default: config)")
    comp.add_argument("--out", type=Path, help="write DIR/<env>/<instance>/ per target instead of printing")
    comp.add_argument(
        "--format",
        choices=("yaml", "json"),
        default=None,
        help="without --out: yaml prints application-kafka.yml (default), json one document per target",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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
