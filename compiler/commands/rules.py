"""`kkc rules` and `kkc rule ID`: every diagnostic id kkc reports, and what one means."""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from compiler.commands.common import Tree, add_selection_options, selection
from compiler.errors import KkcError, UsageError
from compiler.exitcodes import EXIT_OK
from compiler.records import record

if TYPE_CHECKING:
    from compiler.validate import Selection

NAME = "rules"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    listing = sub.add_parser(
        NAME,
        help="list every diagnostic id: the validation rules and the stage errors",
        description="List every diagnostic id kkc reports with its level, its family (or the stage that raises "
        "it) and what it means. --format markdown writes docs/rules.md.",
    )
    listing.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    one = sub.add_parser(
        "rule",
        help="explain one diagnostic id: what, why, level, a failing and a passing example",
        description="Explain one diagnostic id (as printed in brackets, e.g. [replication-factor-exceeds-brokers]), "
        "and the level in force in each target of the config tree (the rules: key, --select, --ignore), or in "
        "the target the overrides choose.",
    )
    one.add_argument("rule_id", metavar="ID")
    one.add_argument("overrides", nargs="*", metavar="OVERRIDE", help="the target (env=prod instance=eu1)")
    one.add_argument("--format", choices=("text", "json"), default="text")
    Tree.add_options(one)
    add_selection_options(one)


@record
class Options:
    rule_id: str | None  # `kkc rule ID`; None for `kkc rules`
    format: str
    overrides: tuple[str, ...] = ()
    tree: Tree | None = None  # `kkc rule ID`: where the levels in force are read
    tree_given: bool = False  # --config-dir or --config-name given: a missing tree is an error
    selection: Selection | None = None

    @classmethod
    def from_args(cls, args: argparse.Namespace, argv: list[str]) -> Options:
        if getattr(args, "rule_id", None) is None:
            return cls(None, args.format)
        given = any(a.startswith(("--config-dir", "--config-name")) for a in argv)
        return cls(args.rule_id, args.format, tuple(args.overrides), Tree.from_args(args), given, selection(args))


def run(options: Options) -> int:
    from compiler.registry import registry

    entries = registry()
    if options.rule_id is not None:
        entry = entries.get(options.rule_id.strip("[]"))
        if entry is None:
            close = difflib.get_close_matches(options.rule_id, list(entries), n=1)
            hint = f"; did you mean {close[0]}?" if close else "; kkc rules lists them"
            raise UsageError(f"no diagnostic id '{options.rule_id}'{hint}")
        levels = in_force(options, entry.id)
        if options.format == "json":
            sys.stdout.write(json.dumps({**asdict(entry), "in-force": levels}, indent=2) + "\n")
        else:
            sys.stdout.write(describe(entry.id, levels))
        return EXIT_OK
    if options.format == "json":
        sys.stdout.write(json.dumps([asdict(e) for e in entries.values()], indent=2) + "\n")
    elif options.format == "markdown":
        sys.stdout.write(markdown())
    else:
        width = max(len(i) for i in entries)
        for entry in entries.values():
            sys.stdout.write(f"{entry.id:<{width}}  {entry.level:<7}  {entry.source:<17}  {entry.summary}\n")
        sys.stdout.write(f"{len(entries)} diagnostic ids; kkc rule ID explains one\n")
    return EXIT_OK


def in_force(options: Options, rule_id: str) -> list[dict[str, Any]]:
    """The level of `rule_id` in each target (or the chosen one), grouped: [{level, source, targets}].

    Without a config tree (none at ./conf, no target chosen): the default, after --select/--ignore."""
    from compiler.commands.common import compile_all, select_targets
    from compiler.validate import Levels, Selection, is_stage_id

    chosen = options.selection or Selection()
    alone = [{**Levels(None, chosen).of(rule_id).to_dict(rule_id), "targets": []}]
    tree = options.tree
    if tree is None or is_stage_id(rule_id):
        return alone
    wanted = bool(options.overrides) or options.tree_given
    if not wanted and not (tree.config_dir / f"{tree.config_name}.yaml").is_file():
        return alone
    try:
        config = tree.load()
        targets, overrides = select_targets(config, options.overrides, every=not options.overrides)
        compiled, _ = compile_all(config, targets, overrides)
    except KkcError:
        if wanted:
            raise
        return alone  # a tree kkc cannot read here: kkc validate says why
    groups: dict[tuple[str, str], list[str]] = {}
    for item in compiled:
        shown = Levels(item, chosen).of(rule_id).to_dict(rule_id)
        groups.setdefault((shown["level"], shown["source"]), []).append(item.target)
    out: list[dict[str, Any]] = [{"level": k[0], "source": k[1], "targets": v} for k, v in groups.items()]
    broken = [t.id for t in targets if t.id not in {c.target for c in compiled}]
    if broken:
        why = "the target does not compile: kkc validate says why"
        out.append({"level": "unknown", "source": why, "targets": broken})
    return out


def describe(rule_id: str, levels: list[dict[str, Any]] | None = None) -> str:
    from compiler.registry import registry

    entry = registry()[rule_id]
    lines = [f"{entry.id}  ({entry.level}, {entry.source})"]
    every = sum(len(group["targets"]) for group in levels or [])
    for group in levels or []:
        named = group["targets"]
        where = ""
        if named:
            where = f" in all {every} targets" if len(levels or []) == 1 and every > 1 else " in " + ", ".join(named)
        lines.append(f"level: {group['level']} ({group['source']}){where}")
    lines += ["", entry.summary, "", f"Why: {entry.why}"]
    for title, text in (("Fails:", entry.failing), ("Passes:", entry.passing)):
        if text:
            lines += ["", title, *("    " + line for line in text.rstrip("\n").splitlines())]
    return "\n".join(lines) + "\n"


def markdown() -> str:
    from compiler.registry import registry

    entries = registry()
    out = [
        "# Diagnostic ids",
        "",
        "Generated by `kkc rules --format markdown > docs/rules.md`; `tests/test_rules_doc.py` keeps it in sync.",
        "Levels are the defaults. An error means Kafka or Kestra refuses to start or data is lost; a warning "
        "names a real risk; an info depends on a fact the config did not declare.",
        "",
        "| id | level | family or stage | what |",
        "|---|---|---|---|",
    ]
    out += [f"| [{e.id}](#{e.id}) | {e.level} | {e.source} | {e.summary} |" for e in entries.values()]
    for entry in entries.values():
        out += ["", f"## {entry.id}", "", f"**{entry.level}**, {entry.source}. {entry.summary}", "", entry.why]
        for title, text in (("Fails", entry.failing), ("Passes", entry.passing)):
            if text:
                out += ["", f"{title}:", "", "```", text.rstrip("\n"), "```"]
    return "\n".join(out) + "\n"
