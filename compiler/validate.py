"""Stage 6, validate: run every registered rule over compiled targets; collect diagnostics.

Problems that stop compilation (invalid YAML, a missing reference) become error diagnostics of
their target, so one run reports every problem of every target.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from compiler import kestra_versions
from compiler.diagnostics import LEVELS, Diagnostic, from_error
from compiler.errors import InputError, KkcError, Origin, ProblemList
from compiler.kestra_versions import Checked
from compiler.model import Compiled
from compiler.rules import REGISTRY
from compiler.rules.base import Context
from compiler.values import parse_int


@dataclass(frozen=True)
class Options:
    brokers: int | None = None  # --brokers: overrides cluster.brokers
    kafka_version: str | None = None  # --kafka-version: overrides cluster.kafka-version
    kestra_version: str | None = None  # --kestra-version: overrides cluster.kestra-version


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
    secrets = _secrets(compiled)
    return sorted({_redact(d, secrets) for d in diagnostics}, key=lambda d: d.sort_key)


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
            if not path or not is_secret_key(str(path[-1])):
                continue
            for setting in chain:
                value = setting.value
                if not isinstance(value, str) or not value:
                    continue
                found.add(value)
                for match in JAAS_SECRET_RE.finditer(value):
                    found.add(next((g for g in match.group(3, 4, 5) if g is not None), ""))
    return sorted((s for s in found if len(s) >= 4 and "${" not in s), key=len, reverse=True)


def _redact(diagnostic: Diagnostic, secrets: list[str]) -> Diagnostic:
    fields = {"message": diagnostic.message, "file": diagnostic.file, "key": diagnostic.key}
    for name, text in fields.items():
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, "********")
        fields[name] = text
    unchanged = fields == {"message": diagnostic.message, "file": diagnostic.file, "key": diagnostic.key}
    if unchanged:
        return diagnostic
    return replace(diagnostic, message=fields["message"], file=fields["file"], key=fields["key"])
