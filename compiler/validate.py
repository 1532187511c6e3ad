"""Stage 6, validate: run every registered rule over compiled targets; collect diagnostics.

Problems that stop compilation (invalid YAML, a missing reference) become error diagnostics of
their target, so one run reports every problem of every target.

Then the team's tuning applies, per target: the level of each rule (the `rules:` key of the
merged tree, --select and --ignore), and the inline `# kkc: disable=...` comments the load stage
found, matched to findings by position. Rules never see either.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from compiler import kestra_versions
from compiler.diagnostics import LEVELS, Diagnostic, Suppressed, at, from_error
from compiler.directives import Directive
from compiler.errors import InputError, KkcError, Origin, ProblemList, printable
from compiler.kestra_versions import Checked
from compiler.model import Compiled
from compiler.rules import REGISTRY
from compiler.rules.base import Context
from compiler.values import as_text, parse_int

LEVEL_CHOICES = (*LEVELS, "off")


@dataclass(frozen=True)
class Selection:
    """--select and --ignore: rule ids or family names. --select only filters: it never raises a
    rule the config turned off; --ignore turns rules off whatever the config says."""

    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()


@dataclass(frozen=True)
class Options:
    brokers: int | None = None  # --brokers: overrides cluster.brokers
    kafka_version: str | None = None  # --kafka-version: overrides cluster.kafka-version
    kestra_version: str | None = None  # --kestra-version: overrides cluster.kestra-version
    selection: Selection = field(default_factory=Selection)
    # Files that a target outside this run also reads: a suppression there that silences nothing
    # here may serve that target, so it is not reported as unused.
    partial_files: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Outcome:
    diagnostics: list[Diagnostic]
    suppressed: list[Suppressed]


# --- rule ids, families, levels ------------------------------------------------------------------


@cache
def _stage_ids() -> frozenset[str]:
    from compiler.stage_ids import STAGE_IDS

    return frozenset(s.id for s in STAGE_IDS)


@cache
def families() -> dict[str, tuple[str, ...]]:
    """Each rule family and its rule ids, in registry order."""
    found: dict[str, list[str]] = {}
    for rule in REGISTRY.values():
        found.setdefault(rule.family, []).append(rule.id)
    return {family: tuple(ids) for family, ids in found.items()}


def is_stage_id(name: str) -> bool:
    return name in _stage_ids()


def unknown_name(name: str) -> str | None:
    """Why `name` is neither a rule id nor a family (with a did-you-mean), or None when it is one."""
    if name in REGISTRY or name in families() or is_stage_id(name):
        return None
    close = difflib.get_close_matches(name, [*REGISTRY, *families(), *_stage_ids()], n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else " (kkc rules lists the ids; the family column names families)"
    return f"no rule or family '{name}'{hint}"


def stage_error_fixed(name: str) -> str:
    return (
        f"'{name}' is an error that stops compilation (the target cannot be compiled at all), so it cannot be "
        "lowered or silenced: fix the input"
    )


@dataclass(frozen=True)
class InForce:
    """The level of a rule in one target and what set it."""

    level: str | None  # None: each finding keeps the level its rule gives it
    source: str  # "default", "--ignore", "not in --select", "conf/env/dev.yaml:3:3, rules.<id>", ...

    def to_dict(self, rule_id: str) -> dict[str, str]:
        """The level (the rule's default when the findings keep their own) and what set it."""
        default = REGISTRY[rule_id].level if rule_id in REGISTRY else "error"
        return {"level": self.level or default, "source": self.source}

    def shown(self, rule_id: str) -> str:
        return "{level} ({source})".format_map(self.to_dict(rule_id))


class Levels:
    """The level each rule has in one target: its `rules:` entries (a rule id over its family) and
    the command line's --select and --ignore."""

    def __init__(self, compiled: Compiled | None, selection: Selection) -> None:
        self.selection = selection
        self.entries: dict[str, tuple[str, str]] = {}  # rule id or family -> (level, where it was set)
        self.problems: list[tuple[tuple[str, str], str]] = []  # (path, message)
        tree = compiled.resolved.tree.get("rules") if compiled is not None else None
        if compiled is None or not isinstance(tree, dict):
            return  # not a mapping: the structure rules report it
        for key, value in tree.items():
            name = str(key)
            path = ("rules", name)
            problem = _entry_problem(name, value)
            if problem:
                self.problems.append((path, problem))
                continue
            origin = compiled.merged.origin(path)
            self.entries[name] = (str(value), f"{origin}, rules.{name}" if origin else f"rules.{name}")

    def of(self, rule_id: str) -> InForce:
        if is_stage_id(rule_id):
            return InForce("error", "stops compilation: it cannot be lowered")
        names = (rule_id, REGISTRY[rule_id].family) if rule_id in REGISTRY else (rule_id,)
        if any(name in self.selection.ignore for name in names):
            return InForce("off", "--ignore")
        select = self.selection.select
        if select is not None and not any(name in select for name in names):
            return InForce("off", "not in --select")
        for name in names:
            if name in self.entries:
                level, where = self.entries[name]
                return InForce(level, where)
        return InForce(None, "default")


def _entry_problem(name: str, value: object) -> str:
    if is_stage_id(name):
        return "" if value == "error" else f"rules.{name}: {stage_error_fixed(name)}"
    unknown = unknown_name(name)
    if unknown:
        return f"rules.{name}: {unknown}"
    if not isinstance(value, str) or value not in LEVEL_CHOICES:
        shown = as_text(value) if not isinstance(value, dict | list) else type(value).__name__
        close = difflib.get_close_matches(shown.lower(), LEVEL_CHOICES, n=1) if isinstance(value, str) else []
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"rules.{name} is '{shown}'; a level is one of {', '.join(LEVEL_CHOICES)}{hint}"
    return ""


def errors_of(error: KkcError, target: str) -> list[Diagnostic]:
    problems = error.problems if isinstance(error, ProblemList) else [error]
    return [from_error(p, target) for p in problems]


def context(compiled: Compiled, options: Options) -> Context:
    cluster = compiled.resolved.tree.get("cluster")
    cluster = cluster if isinstance(cluster, dict) else {}
    declared = cluster.get("brokers")
    brokers: int | None = options.brokers
    brokers_declared = options.brokers is not None
    if isinstance(declared, str):
        declared = parse_int(declared)  # Micronaut and kkc's schema both take "3" for 3
    origin: Origin | None = Origin("<option --brokers>") if brokers_declared else None
    if brokers is None and isinstance(declared, int) and not isinstance(declared, bool) and declared >= 1:
        brokers, brokers_declared = declared, True
        origin = compiled.merged.origin(("cluster", "brokers"))
    versions = checked_versions(compiled, cluster, options)
    return Context(compiled, brokers, brokers_declared, versions.kafka[0], origin, versions=versions)


def checked_versions(compiled: Compiled, cluster: dict[str, Any], options: Options) -> Checked:
    """Which Kestra and Kafka a target is checked against: options, then cluster.*, then what Kestra ships."""
    from compiler.catalog import KNOWN_VERSIONS, LATEST

    def declared(key: str, valid: Callable[[str], bool]) -> tuple[str, str] | None:
        text = cluster.get(key)
        if isinstance(text, str) and valid(text):
            return text, f"cluster.{key}"
        return None

    kestra: kestra_versions.KestraVersion | None = None
    kestra_from = ""
    if compiled.properties_role is None:
        found = (options.kestra_version, "--kestra-version") if options.kestra_version else None
        found = found or declared("kestra-version", lambda t: kestra_versions.parse(t) is not None)
        text, kestra_from = found or (kestra_versions.DEFAULT, "")
        kestra = kestra_versions.parse(text)
    kafka = (options.kafka_version, "--kafka-version") if options.kafka_version else None
    kafka = kafka or declared("kafka-version", lambda t: t in KNOWN_VERSIONS)
    if kafka is not None:
        return Checked(kestra, kestra_from, (kafka[0], kafka[0]), kafka[1])
    if kestra is None:
        return Checked(None, "", (LATEST, LATEST), "")
    return Checked(kestra, kestra_from, kestra.band.kafka, "")


def versions_of(compiled: list[Compiled], options: Options) -> dict[str, Checked]:
    """Per target, the Kestra and Kafka versions it is checked against (for the report's header)."""
    return {c.target: context(c, options).versions or Checked(None, "", ("", ""), "") for c in compiled}


def validate(compiled: list[Compiled], options: Options) -> list[Diagnostic]:
    """What the rules find, at the level in force, less what inline comments silence."""
    return check(compiled, options).diagnostics


def check(compiled: list[Compiled], options: Options) -> Outcome:
    """The diagnostics to show, and those an inline comment silenced."""
    findings = _findings(compiled, options)
    levels = {c.target: Levels(c, options.selection) for c in compiled}
    for c in compiled:
        for path, message in levels[c.target].problems:
            findings.append(at(c.merged.origin(path), ".".join(path), "error", "rule-level-invalid", message, c.target))
    directives = {c.target: tuple(dict.fromkeys(d for layer in c.layers for d in layer.directives)) for c in compiled}
    shown: list[Diagnostic] = []
    silenced: list[Suppressed] = []
    used: set[tuple[Directive, str]] = set()
    for finding in findings:
        silencing = _silencing(directives.get(finding.target, ()), finding)
        used.update(silencing)
        diagnostic = _at_level(finding, levels.get(finding.target))
        if diagnostic is None:
            continue
        if silencing and not is_stage_id(finding.rule):
            directive = silencing[0][0]
            silenced.append(Suppressed(diagnostic, directive.origin, printable(directive.reason)))
        else:
            shown.append(diagnostic)
    for c in compiled:
        for found in _directive_findings(directives[c.target], used, options.partial_files, c.target):
            diagnostic = _at_level(found, levels[c.target])
            if diagnostic is not None:
                shown.append(diagnostic)
    secrets = _secrets(compiled)
    hidden = {replace(s, diagnostic=_redact(s.diagnostic, secrets), reason=_hide(s.reason, secrets)) for s in silenced}
    return Outcome(
        sorted({_redact(d, secrets) for d in shown}, key=lambda d: d.sort_key),
        sorted(hidden, key=lambda s: s.diagnostic.sort_key),
    )


def _at_level(diagnostic: Diagnostic, levels: Levels | None) -> Diagnostic | None:
    """The diagnostic at the level in force in its target; None when the rule is off there."""
    if levels is None:
        return diagnostic
    level = levels.of(diagnostic.rule).level
    if level == "off":
        return None
    return diagnostic if level is None or level == diagnostic.level else replace(diagnostic, level=level)


def _silencing(directives: Iterable[Directive], finding: Diagnostic) -> list[tuple[Directive, str]]:
    """Each (directive, name as written) that names this finding's rule or family on its line."""
    if not finding.line:
        return []
    family = REGISTRY[finding.rule].family if finding.rule in REGISTRY else None
    return [
        (d, name)
        for d in directives
        if d.line == finding.line and d.origin.file == finding.file and not d.problem
        for name in d.ids
        if name in (finding.rule, family)
    ]


def _directive_findings(
    directives: Iterable[Directive], used: set[tuple[Directive, str]], partial: frozenset[str], target: str
) -> list[Diagnostic]:
    """Directives that cannot apply as written, and those that silence nothing."""
    out: list[Diagnostic] = []

    def report(directive: Directive, rule: str, message: str) -> None:
        out.append(at(directive.origin, "", REGISTRY[rule].level, rule, message, target))

    for directive in directives:
        if directive.problem:
            report(directive, "suppression-invalid", directive.problem)
            continue
        for name in dict.fromkeys(directive.ids):
            said = f"'# kkc: disable={name}'"
            if is_stage_id(name):
                report(directive, "suppression-invalid", f"{said}: {stage_error_fixed(name)}")
            elif unknown_name(name):
                report(directive, "suppression-invalid", f"{said} silences nothing: {unknown_name(name)}")
            elif (directive, name) not in used and directive.origin.file not in partial:
                report(directive, "suppression-unused", f"{said} silences nothing: {_unused_why(directive, name)}")
    return out


def _unused_why(directive: Directive, name: str) -> str:
    if not directive.line:
        return (
            "a directive alone on its line applies to the line directly below it, and there is none (a blank "
            "line or the end of the file); put it directly above the line, or after it on the same line"
        )
    what = f"no finding of family {name}" if name in families() else f"no {name} finding"
    where = "its own line" if directive.line == directive.origin.line else f"line {directive.line}"
    return f"{what} on {where}; remove it"


def _findings(compiled: list[Compiled], options: Options) -> list[Diagnostic]:
    contexts = [context(c, options) for c in compiled]
    diagnostics = _run(contexts)
    ranged = {ctx.target: ctx.versions for ctx in contexts if ctx.versions is not None and ctx.versions.ranged}
    if ranged:
        # The release's Kafka client is not public: check against both ends of its range, and
        # report what holds for only one as an info naming the fact to declare.
        high = [
            Context(
                c.compiled, c.brokers, c.brokers_declared, c.versions.kafka[1], c.brokers_origin, versions=c.versions
            )
            if c.versions is not None and c.target in ranged
            else c
            for c in contexts
        ]
        diagnostics = _both_ends(diagnostics, _run(high), ranged)
    return diagnostics


def _run(contexts: list[Context]) -> list[Diagnostic]:
    diagnostics: list[Diagnostic] = []
    for rule in REGISTRY.values():
        if rule.check is not None:
            for ctx in contexts:
                try:
                    findings = list(rule.check(ctx))
                except InputError as error:
                    diagnostics.extend(errors_of(error, ctx.target))
                    continue
                diagnostics.extend(ctx.diagnostic(rule, f) for f in findings)
        if rule.check_all is not None and contexts:
            diagnostics.extend(ctx.diagnostic(rule, f) for ctx, f in rule.check_all(contexts))
    return diagnostics


def _both_ends(low: list[Diagnostic], high: list[Diagnostic], ranged: dict[str, Checked]) -> list[Diagnostic]:
    """Findings at both ends of a target's Kafka range are kept; one end's alone become infos.

    A pair is the same rule at the same place, else two rules at the same place (deprecated at
    one end, removed at the other): the surer, lower level is kept, saying what the other end gives."""
    unpaired = list(high)
    out = []
    for d in low:
        versions = ranged.get(d.target)
        if versions is None:
            out.append(d)
            continue
        place = (d.target, d.file, d.line, d.column, d.key)
        other = next(
            (h for h in unpaired if (h.target, h.file, h.line, h.column, h.key, h.rule) == (*place, d.rule)), None
        )
        other = other or next((h for h in unpaired if (h.target, h.file, h.line, h.column, h.key) == place), None)
        if other is None:
            out.append(_only_at(d, versions.kafka[0], versions))
            continue
        unpaired.remove(other)
        if other.level == d.level:
            out.append(d)
            continue
        sure, unsure = (d, other) if LEVELS.index(d.level) > LEVELS.index(other.level) else (other, d)
        version = versions.kafka[1] if unsure is other else versions.kafka[0]
        note = f"with Kafka {version} clients: {unsure.level} [{unsure.rule}]; {versions.range_note()}"
        out.append(replace(sure, message=f"{sure.message} ({note})"))
    for d in unpaired:
        versions = ranged.get(d.target)
        out.append(d if versions is None else _only_at(d, versions.kafka[1], versions))
    return out


def _only_at(d: Diagnostic, version: str, versions: Checked) -> Diagnostic:
    return replace(d, level="info", message=f"with Kafka {version} clients: {d.message} ({versions.range_note()})")


def _secrets(compiled: list[Compiled]) -> list[str]:
    """Every literal secret value any layer wrote, longest first: no message may quote one."""
    from compiler.secrets import JAAS_SECRET_RE, is_secret_key

    found: set[str] = set()
    for item in compiled:
        for path, chain in item.merged.settings.items():
            # rules.literal-secret names a rule: its value is a level
            if not path or path[0] == "rules" or not is_secret_key(str(path[-1])):
                continue
            for setting in chain:
                value = setting.value
                if not isinstance(value, str) or not value:
                    continue
                found.add(value)
                for match in JAAS_SECRET_RE.finditer(value):
                    found.add(next((g for g in match.group(3, 4, 5) if g is not None), ""))
    return sorted((s for s in found if len(s) >= 4 and "${" not in s), key=len, reverse=True)


def _hide(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, "********")
    return text


def _redact(diagnostic: Diagnostic, secrets: list[str]) -> Diagnostic:
    fields = {"message": diagnostic.message, "file": diagnostic.file, "key": diagnostic.key}
    for name, text in fields.items():
        fields[name] = _hide(text, secrets)
    unchanged = fields == {"message": diagnostic.message, "file": diagnostic.file, "key": diagnostic.key}
    if unchanged:
        return diagnostic
    return replace(diagnostic, message=fields["message"], file=fields["file"], key=fields["key"])
