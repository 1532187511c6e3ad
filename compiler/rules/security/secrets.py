"""Security rules: literal secrets in committed files."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from compiler.keys import BUNDLED_NAME, Path_
from compiler.placeholders import PlaceholderSyntaxError, find
from compiler.rules.base import (
    Context,
    Finding,
    Rule,
    example,
)
from compiler.rules.security.common import (
    _SSL,
)
from compiler.secrets import is_literal_secret, is_secret_key

_JAAS_SECRET_OPTION = re.compile(
    r"""(password|secret|token)\s*=\s*("([^"]*)"|'([^']*)'|([^\s;]+))""",
    re.I,
)


def _literal_default(key: str, value: str, providers: set[str], hydra: bool) -> bool:
    """A run-time placeholder whose default is a literal secret: `${KAFKA_PASSWORD:changeme}`.

    `hydra`: a value of a Hydra config tree, where `${oc.env:KAFKA_PASSWORD,changeme}` is one.
    """
    if key.lower() == "sasl.jaas.config":
        texts = [next(g for g in m.group(3, 4, 5) if g is not None) for m in _JAAS_SECRET_OPTION.finditer(value)]
    else:
        texts = [value]
    for text in texts:
        try:
            placeholders = find(text, hydra)
        except PlaceholderSyntaxError:
            continue
        stack = list(placeholders)
        while stack:
            ph = stack.pop()
            if ph.default is None or ph.keys[0] in providers:
                continue  # `${file:path:key}`: Kafka config-provider syntax, not a default
            try:
                inner = find(ph.default, hydra)
            except PlaceholderSyntaxError:
                continue
            literal = ph.default
            for sub in reversed(inner):
                literal = literal[: sub.start] + literal[sub.end :]
            if literal.strip():
                return True
            stack.extend(inner)
    return False


def _placeholder_for(key: str) -> str:
    if key.lower() == "sasl.jaas.config":
        return 'password="${KAFKA_PASSWORD}"'
    return "${KAFKA_" + re.sub(r"[^A-Za-z0-9]+", "_", key).upper() + "}"


def _provider_advice(ctx: Context, key: str) -> str:
    """For a plain client file: Kafka's own config providers (KIP-297) read the secret at run time."""
    variable = "KAFKA_PASSWORD" if key.lower() == "sasl.jaas.config" else _placeholder_for(key)[2:-1]
    where = 'password="{}"' if key.lower() == "sasl.jaas.config" else "{}"
    if ctx.since("3.5"):
        reference = where.format("${env:" + variable + "}")
        return (
            f"write a config-provider reference such as {reference} with config.providers=env and "
            "config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider (or "
            "FileConfigProvider for a secrets file): Kafka reads the value when the client starts"
        )
    entry = "password" if key.lower() == "sasl.jaas.config" else key
    reference = where.format("${file:/etc/kafka/secrets.properties:" + entry + "}")
    return (
        f"write a config-provider reference such as {reference} with config.providers=file and "
        "config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider: Kafka reads "
        "the value when the client starts"
    )


def _committed(origin: Any) -> bool:
    return origin is not None and origin.layer != "override" and origin.file != BUNDLED_NAME and bool(origin.file)


def _literal_secret(ctx: Context) -> Iterator[Finding]:
    merged = ctx.compiled.merged
    providers = {
        name.strip()
        for props in ctx.compiled.clients.values()
        for name in props.get("config.providers", "").split(",")
        if name.strip()
    }
    reported: set[tuple[str, int, int]] = set()
    plain_file = ctx.compiled.properties_role is not None  # read by Kafka, which knows no ${NAME:default}

    def emit(path: Path_, origin: Any, message: str) -> Iterator[Finding]:
        spot = (origin.file, origin.line, origin.column)
        if spot not in reported:
            reported.add(spot)
            yield Finding(path, message, origin=origin)

    for path, settings in merged.settings.items():
        key = str(path[-1]) if path else ""
        if not is_secret_key(key) or path[:1] == ("rules",):  # rules.literal-secret: a rule's level
            continue
        for setting in settings:
            if not isinstance(setting.value, str | int | float) or isinstance(setting.value, bool):
                continue
            value = str(setting.value)
            if not _committed(setting.origin):
                continue
            if is_literal_secret(key, value):
                what = "a literal password" if key.lower() == "sasl.jaas.config" else "a literal value"
                advice = (
                    _provider_advice(ctx, key)
                    if plain_file
                    else f"write a run-time placeholder such as {_placeholder_for(key)} and supply the value at "
                    "run time (Kestra's environment)"
                )
                yield from emit(
                    path,
                    setting.origin,
                    f"{key} holds {what} (value hidden) in a committed file: anyone who can read the repository "
                    f"can read it; {advice}",
                )
            elif not plain_file and _literal_default(key, value, providers, ctx.compiled.whole):
                yield from emit(
                    path,
                    setting.origin,
                    f"{key}: the default of its run-time placeholder is a literal secret (value hidden) in a "
                    "committed file, and Kestra silently uses it when the variable is missing; drop the default "
                    "(${KAFKA_PASSWORD}) so a missing variable stops Kestra instead",
                )
        yield from _literal_via_reference(ctx, path, key, emit)


def _literal_via_reference(
    ctx: Context, path: Path_, key: str, emit: Callable[[Path_, Any, str], Iterator[Finding]]
) -> Iterator[Finding]:
    """A secret key set to `${kestra....}`: the literal lives where the referenced key is written."""
    resolved = ctx.get(path)
    if not isinstance(resolved, str) or not is_literal_secret(key, resolved):
        return
    for reference in ctx.compiled.resolved.references.get(path, []):
        if reference.path is None or is_secret_key(str(reference.path[-1])):
            continue  # a secret-named target is reported on its own
        origin = ctx.origin(reference.path)
        if _committed(origin):
            yield from emit(
                reference.path,
                origin,
                f"{'.'.join(str(p) for p in reference.path)} holds a literal secret (value hidden) that {key} "
                "reads through a reference, in a committed file; write a run-time placeholder such as "
                "${KAFKA_PASSWORD} instead",
            )


RULES: tuple[Rule, ...] = (
    Rule(
        id="literal-secret",
        family="security",
        level="warning",
        summary="A password or other secret written as a literal in a committed file instead of ${...}",
        why="A password or other secret written as a literal in a committed file can be read by anyone who can read "
        "the repository, and a literal default in a placeholder (${KAFKA_PASSWORD:changeme}) is used silently "
        "when the variable is missing. Warning: it works, but the secret is exposed; kkc writes files holding a "
        "literal secret with mode 0600.",
        check=_literal_secret,
        failing=example(
            _SSL
            + '        ssl.truststore.location: "/etc/ssl/truststore.jks"\n'
            + '        ssl.truststore.password: "changeit"\n'
        ),
        passing=example(
            _SSL + '        ssl.truststore.location: "/etc/ssl/truststore.jks"\n'
            '        ssl.truststore.password: "${KAFKA_TRUSTSTORE_PASSWORD}"\n'
        ),
    ),
)
