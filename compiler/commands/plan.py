"""`kkc plan` and `kkc apply`: what a live cluster holds against the compiled topic plan; create what is missing."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from compiler.commands.common import Tree, compile_all, select_targets
from compiler.errors import UsageError
from compiler.exitcodes import EXIT_OK, EXIT_PROBLEMS
from compiler.records import record

if TYPE_CHECKING:
    from compiler.live.plan import Change
    from compiler.live.session import Applied, Connect

NAME = "plan"
EPILOG = """\
examples:
  kkc plan env=prod instance=eu1                          what the cluster holds against the plan
  kkc plan env=prod instance=eu1 --format json
  kkc plan env=dev --bootstrap localhost:9092 --command-config admin.properties
  kkc apply env=prod instance=eu1 --yes                   create missing topics, set drifted configs

connecting: the target's compiled admin properties (kestra.kafka.client.properties), run-time
placeholders filled from the environment; --bootstrap and --command-config FILE (Java client
properties) override them. Needs the live extra: pip install 'kkc[live]'.

exit codes: 0 in sync (apply: every change made), 1 drift or a target that does not compile (apply:
a change failed or the plan cannot be created), 2 usage or connection error
"""


def add_live_options(parser: argparse.ArgumentParser) -> None:
    """--bootstrap, --command-config, --timeout: how to reach the cluster (plan, apply, validate --cluster)."""
    parser.add_argument(
        "--bootstrap", type=_bootstrap, metavar="HOST:PORT,...", help="bootstrap servers (overrides the target's)"
    )
    parser.add_argument(
        "--command-config",
        type=Path,
        metavar="FILE",
        help="Java client properties laid over the target's admin properties (as kafka-topics.sh takes them)",
    )
    parser.add_argument(
        "--timeout", type=_seconds, default=15.0, metavar="S", help="seconds to wait for the cluster (default 15)"
    )


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if not 0 < value <= 600:
        raise argparse.ArgumentTypeError("give more than 0 and at most 600 seconds")
    return value


def _bootstrap(text: str) -> str:
    """host:port entries as Kafka's own clients parse them (librdkafka would wrap a port above 65535)."""
    from compiler.rules.connection import address_complaint

    entries = [e.strip() for e in text.split(",")]
    if not any(entries):
        raise argparse.ArgumentTypeError("give the brokers as host:port,...")
    for entry in entries:
        complaint = address_complaint(entry) if entry else "an empty entry (two commas in a row)"
        if complaint is not None:
            raise argparse.ArgumentTypeError(complaint)
    return text


def connect_options(args: argparse.Namespace) -> Connect:
    from compiler.live.session import Connect

    return Connect(args.bootstrap, args.command_config, args.timeout)


def _add(sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help: str, description: str) -> None:
    parser = sub.add_parser(
        name, help=help, description=description, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("overrides", nargs="*", metavar="OVERRIDE", help="group choices and key overrides")
    parser.add_argument("--all", action="store_true", help="every target listed under targets: in config.yaml")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or json")
    add_live_options(parser)
    if name == "apply":
        parser.add_argument("--yes", action="store_true", help="make the changes (required: apply never asks)")
        parser.add_argument(
            "--allow-partition-increase",
            action="store_true",
            help="add partitions to existing topics that have fewer than planned (changes which partition a key "
            "goes to)",
        )
    Tree.add_options(parser)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    _add(
        sub,
        "plan",
        "what a live cluster holds against the compiled topic plan; exit 1 on drift",
        "Connect as Kestra's admin client would and compare the cluster with the target's compiled topic plan: "
        "broker count and Kafka version, missing topics, orphans under the topic prefix, partitions and "
        "replication factor (not-applied: Kestra never changes them), and topic configs by their source.",
    )


@record
class Options:
    overrides: tuple[str, ...]
    every: bool
    format: str
    connect: Connect
    tree: Tree
    apply: bool = False
    yes: bool = False
    allow_partition_increase: bool = False

    @classmethod
    def from_args(cls, args: argparse.Namespace, argv: list[str]) -> Options:
        return cls(
            tuple(args.overrides),
            args.all,
            args.format,
            connect_options(args),
            Tree.from_args(args),
            args.command == "apply",
            getattr(args, "yes", False),
            getattr(args, "allow_partition_increase", False),
        )


def run(options: Options) -> int:
    import io

    from compiler.live.client import available
    from compiler.live.session import Session, apply, plan_dict, render_text, write_json

    if options.apply and not options.yes:
        raise UsageError("kkc apply changes the cluster: give --yes (kkc plan shows what it would do)")
    available()
    tree = options.tree.load()
    targets, overrides = select_targets(tree, options.overrides, options.every)
    compiled, problems = compile_all(tree, targets, overrides)
    if problems:
        from compiler import report

        sys.stderr.write(report.text(problems, [t.id for t in targets], report.use_colour(sys.stderr)))
        print("kkc: the target does not compile (above): nothing was sent to the cluster", file=sys.stderr)
        return EXIT_PROBLEMS  # a problem in the config, as kkc validate says it, not a usage error
    session = Session(options.connect)
    docs = []
    code = EXIT_OK
    for target in compiled:
        plan, admin = session.plan(target)
        text = options.format == "text"
        if text:
            sys.stdout.write(render_text(plan).replace("kkc plan", "kkc apply" if options.apply else "kkc plan", 1))
            sys.stdout.flush()
        doc = plan_dict(plan)
        if not options.apply:
            code = max(code, EXIT_PROBLEMS if plan.drift else EXIT_OK)
            docs.append(doc)
            continue
        if plan.errors:
            message = "nothing applied: the plan cannot be created on this cluster (see the errors above)"
            if text:
                print(message)
            doc["applied"] = {"done": [], "failed": [], "not-done": [_step(c) for c in plan.actions()], "note": message}
            docs.append(doc)
            code = EXIT_PROBLEMS
            continue
        out = sys.stdout if text else io.StringIO()
        if text and plan.actions():
            print("applying:")
        result = apply(plan, admin, options.allow_partition_increase, out)
        doc["applied"] = {"done": result.done, "failed": result.failed, "not-done": result.not_done}
        doc["applied"]["reported-only"] = result.skipped
        if text:
            _say(result, bool(plan.actions()))
        if result.failed:
            code = EXIT_PROBLEMS
        docs.append(doc)
    if options.format == "json":
        write_json(docs[0] if len(docs) == 1 else docs)
    return code


def _step(change: Change) -> str:
    from compiler.live.session import what

    return what(change.topic or "", change)


def _say(result: Applied, any_action: bool) -> None:
    if not any_action:
        print("nothing to do")
        return
    for line in result.skipped:
        print(f"  skipped  {line}")
    if result.failed:
        print(f"applied {len(result.done)} change(s) before the failure; not done:")
        for line in result.not_done:
            print(f"  not done {line}")
        if not result.not_done:
            print("  (nothing else was planned)")
    elif result.done:
        print(f"applied {len(result.done)} change(s)")
