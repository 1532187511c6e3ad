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
from dataclasses import field, replace
from functools import cache
from typing import Any

from compiler import kestra_versions
from compiler.diagnostics import LEVELS, Diagnostic, Suppressed, at, from_error
from compiler.directives import Directive
from compiler.errors import InputError, KkcError, Origin, ProblemList, printable
from compiler.kestra_versions import Checked
from compiler.model import Compiled
from compiler.records import record
from compiler.rules import REGISTRY
from compiler.rules.base import Context
from compiler.values import as_text, parse_int

LEVEL_CHOICES = (*LEVELS, "off")


@record
class Selection:
    """--select and --ignore: rule ids or family names. --select only filters: it never raises a
    rule the config turned off; --ignore turns rules off whatever the config says."""

    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()


@record
class Options:
    brokers: int | None = None  # --brokers: overrides cluster.brokers
    kafka_version: str | None = None  # --kafka-version: overrides cluster.kafka-version
    kestra_version: str | None = None  # --kestra-version: overrides cluster.kestra-version
    selection: Selection = field(default_factory=Selection)
    # Files that a target outside this run also reads: a suppression there that silences nothing
    # here may serve that target, so it is not reported as unused.
    partial_files: frozenset[str] = frozenset()


@record
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


@record
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
    return {c.target: _shown_versions(context(c, options)) for c in compiled}


def _shown_versions(ctx: Context) -> Checked:
    return ctx.versions or Checked(None, "", ("", ""), "")


def validate(compiled: list[Compiled], options: Options) -> list[Diagnostic]:
    """What the rules find, at the level in force, less what inline comments silence."""
    return check(compiled, options).diagnostics


def check(compiled: list[Compiled], options: Options) -> Outcome:
    """The diagnostics to show, and those an inline comment silenced."""
    checker = Checker(options)
    for c in compiled:
        checker.add(c)
    return checker.outcome()


@record(slots=True, frozen=False)
class _Kept:
    """What the end of a run needs of one checked target (never the compiled target itself)."""

    target: str
    low: list[Diagnostic]  # the rules' findings, checked against the low end of its Kafka range
    high: list[Diagnostic] | None  # ... and the high end, when the range has two ends
    cuts: dict[str, tuple[int, int]]  # cross-target rule id -> where its findings go in low and high
    versions: Checked | None
    levels: Levels
    level_findings: list[Diagnostic]  # rules: entries that are not levels
    directives: tuple[Directive, ...]


class Checker:
    """Validation one target at a time, for runs of any size: `add` checks a compiled target and keeps
    only what the end of the run reads (its findings, rule levels, inline directives, versions, literal
    secrets, and the facts the cross-target rules compare), so the compiled target can be dropped and a
    run's memory does not grow with its compiled targets. `outcome` is what `check` returns for the same
    targets in the same order."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.versions: dict[str, Checked] = {}  # per target, what the report's header shows
        self._kept: list[_Kept] = []
        self._facts: dict[str, list[Any]] = {r.id: [] for r in REGISTRY.values() if r.check_all is not None}
        self._secrets: set[str] = set()
        self._where: dict[str, int] = {}  # target -> its place in _kept and in each list of facts

    def record(self, target: str) -> tuple[_Kept, Checked, dict[str, Any]] | None:
        """What `adopt` needs to stand for this target in a later run with the same files and options."""
        index = self._where.get(target)
        if index is None:
            return None
        facts = {rule_id: found[index] for rule_id, found in self._facts.items()}
        return self._kept[index], self.versions[target], facts

    def adopt(self, record: object) -> bool:
        """A target's `record` from an earlier run, in place of `add` (False: not a record; add it instead).
        Records are only kept from runs that found no literal secret, so a target adopted adds none."""
        if not (
            isinstance(record, tuple)
            and len(record) == 3
            and isinstance(record[0], _Kept)
            and isinstance(record[1], Checked)
            and isinstance(record[2], dict)
            and list(record[2]) == list(self._facts)
        ):
            return False
        kept, versions, facts = record
        self._where[kept.target] = len(self._kept)
        self._kept.append(kept)
        self.versions[kept.target] = versions
        for rule_id, fact in facts.items():
            self._facts[rule_id].append(fact)
        return True

    def carry(self, compiled: Compiled) -> tuple[object, frozenset[str]]:
        """In a worker process (--jobs): check a target and give what `take` needs in the parent (picklable)."""
        alone = Checker(self.options)
        alone.add(compiled)
        return alone.record(compiled.target), frozenset(alone._secrets)

    def take(self, carried: object) -> None:
        """A worker's `carry` of one target, in the place `add` would have put it."""
        assert isinstance(carried, tuple)
        record: object = carried[0]
        secrets: frozenset[str] = carried[1]
        if not self.adopt(record):
            raise TypeError("a worker's result is not a checked target")
        self._secrets.update(secrets)

    @property
    def found_secrets(self) -> bool:
        """Whether a literal secret was found (the run's output masks it: nothing of it may be stored)."""
        return any(len(s) >= 4 and "${" not in s for s in self._secrets)

    def add(self, compiled: Compiled) -> None:
        ctx = context(compiled, self.options)
        self.versions[ctx.target] = _shown_versions(ctx)
        cuts: dict[str, tuple[int, int]] = {}
        low = self._run(ctx, cuts, 0)
        high = None
        versions = ctx.versions
        if versions is not None and versions.ranged:
            # The release's Kafka client is not public: check against both ends of its range, and
            # report what holds for only one as an info naming the fact to declare.
            other = Context(
                compiled, ctx.brokers, ctx.brokers_declared, versions.kafka[1], ctx.brokers_origin, versions=versions
            )
            high = self._run(other, cuts, 1)
        for rule in REGISTRY.values():
            if rule.check_all is not None:
                self._facts[rule.id].append(rule.facts(ctx, rule) if rule.facts is not None else None)
        levels = Levels(compiled, self.options.selection)
        level_findings = [
            at(compiled.merged.origin(path), ".".join(path), "error", "rule-level-invalid", message, ctx.target)
            for path, message in levels.problems
        ]
        directives = tuple(dict.fromkeys(d for layer in compiled.layers for d in layer.directives))
        self._secrets.update(_literal_secrets(compiled))
        self._where[ctx.target] = len(self._kept)
        self._kept.append(_Kept(ctx.target, low, high, cuts, versions, levels, level_findings, directives))

    @staticmethod
    def _run(ctx: Context, cuts: dict[str, tuple[int, int]], end: int) -> list[Diagnostic]:
        diagnostics: list[Diagnostic] = []
        for rule in REGISTRY.values():
            if rule.check is not None:
                try:
                    findings = list(rule.check(ctx))
                except InputError as error:
                    diagnostics.extend(errors_of(error, ctx.target))
                else:
                    diagnostics.extend(ctx.diagnostic(rule, f) for f in findings)
            if rule.check_all is not None:
                at_low, at_high = cuts.get(rule.id, (0, 0))
                cuts[rule.id] = (len(diagnostics), at_high) if end == 0 else (at_low, len(diagnostics))
        return diagnostics

    def outcome(self, partial_files: frozenset[str] | None = None) -> Outcome:
        """The run's diagnostics and suppressions; `partial_files` replaces the options' when given."""
        partial = self.options.partial_files if partial_files is None else partial_files
        across: dict[str, list[tuple[str, Diagnostic]]] = {}
        for rule in REGISTRY.values():
            if rule.check_all is not None and self._kept:
                for found in rule.check_all(self._facts[rule.id]):
                    across.setdefault(found.target, []).append((rule.id, found))
        findings: list[Diagnostic] = []
        for kept in self._kept:
            low = _with_across(kept.low, across.get(kept.target, []), kept.cuts, 0)
            if kept.high is None or kept.versions is None:
                findings.extend(low)
            else:
                high = _with_across(kept.high, across.get(kept.target, []), kept.cuts, 1)
                findings.extend(_both_ends(low, high, {kept.target: kept.versions}))
        for kept in self._kept:
            findings.extend(kept.level_findings)
        levels = {k.target: k.levels for k in self._kept}
        directives = {k.target: k.directives for k in self._kept}
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
        for kept in self._kept:
            for found in _directive_findings(kept.directives, used, partial, kept.target):
                diagnostic = _at_level(found, kept.levels)
                if diagnostic is not None:
                    shown.append(diagnostic)
        secrets = sorted((s for s in self._secrets if len(s) >= 4 and "${" not in s), key=len, reverse=True)
        # (found_secrets says whether this list is empty)
        hidden = {
            replace(s, diagnostic=_redact(s.diagnostic, secrets), reason=_hide(s.reason, secrets)) for s in silenced
        }
        return Outcome(
            sorted({_redact(d, secrets) for d in shown}, key=lambda d: d.sort_key),
            sorted(hidden, key=lambda s: s.diagnostic.sort_key),
        )


def _with_across(
    diagnostics: list[Diagnostic], across: list[tuple[str, Diagnostic]], cuts: dict[str, tuple[int, int]], end: int
) -> list[Diagnostic]:
    """A target's findings with the cross-target rules' ones in the place their rules have in the registry."""
    if not across:
        return diagnostics
    out = list(diagnostics)
    for rule_id in reversed([r for r in dict.fromkeys(rule_id for rule_id, _ in across)]):
        cut = cuts[rule_id][end]
        out[cut:cut] = [d for r, d in across if r == rule_id]
    return out


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


def _literal_secrets(item: Compiled) -> set[str]:
    """Every literal secret value a target's layers wrote: no message may quote one (those shorter than
    4 characters or holding a placeholder are left out when the run's list is made)."""
    from compiler.secrets import JAAS_SECRET_RE, is_secret_key

    found: set[str] = set()
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
    return found


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
