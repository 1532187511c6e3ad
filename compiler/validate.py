"""Stage 6, validate: run every registered rule over compiled targets; collect diagnostics.

Problems that stop compilation (invalid YAML, a missing reference) become error diagnostics of
their target, so one run reports every problem of every target.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from compiler.diagnostics import Diagnostic, from_error
from compiler.errors import InputError, KkcError, Origin, ProblemList
from compiler.model import Compiled
from compiler.rules import REGISTRY
from compiler.rules.base import Context
from compiler.values import parse_int


@dataclass(frozen=True)
class Options:
    brokers: int | None = None  # --brokers: overrides cluster.brokers
    kafka_version: str | None = None  # --kafka-version: overrides cluster.kafka-version


def errors_of(error: KkcError, target: str) -> list[Diagnostic]:
    problems = error.problems if isinstance(error, ProblemList) else [error]
    return [from_error(p, target) for p in problems]


def context(compiled: Compiled, options: Options) -> Context:
    from compiler.catalog import KNOWN_VERSIONS, LATEST

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
    version = options.kafka_version or cluster.get("kafka-version") or LATEST
    version = str(version)
    if version not in KNOWN_VERSIONS:
        version = LATEST
    return Context(compiled, brokers, brokers_declared, version, origin)


def validate(compiled: list[Compiled], options: Options) -> list[Diagnostic]:
    contexts = [context(c, options) for c in compiled]
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
    secrets = _secrets(compiled)
    return sorted({_redact(d, secrets) for d in diagnostics}, key=lambda d: d.sort_key)


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
