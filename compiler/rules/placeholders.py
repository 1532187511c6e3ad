"""Rules: placeholders — the run-time `${...}` each target needs, and placeholders Micronaut misreads.

Micronaut splits `${A:B:c}` at every top-level ':' outside backticks: A, else property B, else the
literal c. So `${KAFKA_BOOTSTRAP:localhost:9092}` tries a property named `localhost` and defaults to
`9092`; the default `localhost:9092` needs backticks: `${KAFKA_BOOTSTRAP:`localhost:9092`}`.
Unresolvable `${kestra....}` references, cycles and unclosed or empty placeholders are compilation
errors (reference-missing, reference-cycle, placeholder-syntax) and are not repeated here.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

from compiler.keys import BUNDLED_NAME, Path_, dotted
from compiler.patterns import lazy
from compiler.placeholders import RESOLVER_CALL, Placeholder, PlaceholderSyntaxError, find
from compiler.resolve import lookup_reference
from compiler.rules.base import Context, Finding, Rule, example, properties_example
from compiler.secrets import is_secret_key

_ENV_STYLE = lazy(r"^[A-Z][A-Z0-9_]*$")
_PROPERTY_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-\[\]]*$")
_SHELL_VARIABLE = lazy(r"(?<![\w$\\])\$([A-Z][A-Z0-9_]+)(?![\w{])")
_WHOLE_SHELL_VARIABLE = re.compile(r"^\s*\$[A-Z][A-Z0-9_]+\s*$")
# Kafka's ConfigTransformer reads `${provider:path:key}` and `${provider:key}`; provider names are
# written in lower case in practice (file, env, dir, vault...), environment variables in upper case.
_PROVIDER_NAME = lazy(r"^[a-z][a-z0-9_\-]*$")
_JAAS_QUOTED = re.compile(r"""=\s*(?:"([^"]*)"|'([^']*)')""")


def _strings(ctx: Context) -> list[tuple[Path_, str]]:
    """Every string value holding a '$' as written (placeholders unresolved), with its path; once per target."""
    cached = ctx.extra.get("placeholder-strings")
    if cached is not None:
        result: list[tuple[Path_, str]] = cached
        return result

    texts: list[tuple[Path_, str]] = []

    def walk(node: Any, path: Path_) -> None:  # appends, not yields: a generator per level cost 5% of a run
        if isinstance(node, dict):
            for key, child in node.items():
                if isinstance(child, str):
                    if "$" in child:
                        texts.append(((*path, key), child))
                elif isinstance(child, dict | list):
                    walk(child, (*path, key))
        elif isinstance(node, list):
            for index, child in enumerate(node):
                walk(child, (*path, index))
        elif isinstance(node, str) and "$" in node:
            texts.append((path, node))

    walk(ctx.compiled.merged.tree, ())
    found = []
    for path, text in texts:
        origin = ctx.origin(path)
        if origin is None or origin.file != BUNDLED_NAME:
            found.append((path, text))
    ctx.extra["placeholder-strings"] = found
    return found


def _placeholders(text: str, hydra: bool) -> list[Placeholder]:
    """Every placeholder in `text`, including those nested in defaults; [] when the syntax is broken.

    `hydra`: a value of a Hydra config tree, whose `${oc.env:VAR,default}` Micronaut reads as `${VAR:default}`.
    """
    try:
        found = find(text, hydra)
    except PlaceholderSyntaxError:
        return []
    out: list[Placeholder] = []
    while found:
        ph = found.pop(0)
        out.append(ph)
        if ph.default and "${" in ph.default:
            with contextlib.suppress(PlaceholderSyntaxError):
                found.extend(find(ph.default, hydra))
    return out


def _secret(path: Path_) -> bool:
    return bool(path) and is_secret_key(str(path[-1]))


def _shown(ph: Placeholder, secret: bool) -> str:
    """The placeholder as written; for a secret key only its first name (the rest may be the secret)."""
    if not secret or (ph.default is None and len(ph.keys) == 1):
        return ph.text
    return "${" + ph.keys[0] + ":(rest hidden)}"


# --- runtime-placeholders ---------------------------------------------------------------------------


def _runtime(ctx: Context) -> Iterator[Finding]:
    uses = {name: paths for name, paths in ctx.compiled.resolved.runtime.items() if name.strip() and paths}
    if ctx.compiled.properties_role is not None:
        # `${file:/etc/kafka/secrets.properties:password}`: with `file` in config.providers Kafka itself
        # resolves it when the client starts; without, config-provider-undeclared says so.
        uses = {
            name: kept
            for name, paths in uses.items()
            if (kept := [path for path in paths if not _only_provider_references(ctx, path, name)])
        }
    hidden = {name for name, paths in uses.items() if all(_maybe_secret(ctx, path, name) for path in paths)}
    if not uses:
        return
    order = {layer.label: index for index, layer in enumerate(ctx.compiled.layers)}

    def position(path: Path_) -> tuple[int, int, int]:
        origin = ctx.origin(path)
        if origin is None:
            return (len(order) + 1, 0, 0)
        return (order.get(origin.file, len(order)), origin.line, origin.column)

    first = min((path for paths in uses.values() for path in paths), key=position)
    defaulted = {name for name, paths in uses.items() if all(_has_fallback(ctx, path, name) for path in paths)}
    shown = [name for name in uses if name not in hidden]
    generated = sorted(name for name in shown if name.startswith("random."))
    required = sorted(name for name in shown if name not in defaulted and name not in generated)
    optional = sorted(name for name in shown if name in defaulted and name not in generated)
    parts = []
    if required:
        parts.append(", ".join(required))
    if optional:
        parts.append(f"with a default: {', '.join(optional)}")
    if generated:
        parts.append(f"generated by Micronaut: {', '.join(generated)}")
    if hidden:
        parts.append(f"{len(hidden)} more read from inside a secret's placeholder (names hidden)")
    if ctx.compiled.properties_role is not None:
        intro = (
            "placeholders a Kafka client reads literally unless they are replaced before it reads this file "
            "(Kafka itself expands only config-provider references)"
        )
    else:
        intro = (
            "run-time placeholders Kestra resolves at start-up from its environment variables (or other "
            "Micronaut property sources); it fails to start if one without a default has no value"
        )
    yield Finding(first, f"{intro}: {'; '.join(parts)}")


def _using(ctx: Context, path: Path_, name: str) -> list[Placeholder]:
    """The placeholders of the value written at `path` that try the key `name`."""
    raw: Any = ctx.compiled.merged.tree
    for part in path:
        try:
            raw = raw[part]
        except (KeyError, IndexError, TypeError):
            return []
    return [ph for ph in _placeholders(raw, ctx.compiled.whole) if name in ph.keys] if isinstance(raw, str) else []


def _only_provider_references(ctx: Context, path: Path_, name: str) -> bool:
    """Every placeholder at `path` that tries `name` is written as a config-provider reference."""
    using = _using(ctx, path, name)
    return bool(using) and all(_provider_reference(ph) is not None for ph in using)


def _provider_reference(ph: Placeholder) -> str | None:
    """The provider a `${provider:[path:]key}` names, as Kafka's ConfigTransformer reads it; None otherwise."""
    if ph.default is None or not _PROVIDER_NAME().match(ph.keys[0]):
        return None
    return ph.keys[0]


def _has_fallback(ctx: Context, path: Path_, name: str) -> bool:
    """True when every placeholder using `name` at `path` has a default or a later key to try."""
    using = _using(ctx, path, name)
    return bool(using) and all(ph.default is not None or ph.keys[-1] != name for ph in using)


def _maybe_secret(ctx: Context, path: Path_, name: str) -> bool:
    """`name` is a later part of a secret's placeholder (`${KAFKA_PASSWORD:part:of:a:default}`)."""
    return _secret(path) and all(ph.keys[0] != name for ph in _using(ctx, path, name))


# --- placeholder-default-colon ----------------------------------------------------------------------


def _config_providers(ctx: Context) -> set[str]:
    names: set[str] = set()
    for props in ctx.compiled.clients.values():
        names.update(p.strip() for p in props.get("config.providers", "").split(",") if p.strip())
    return names


def _intended_key(ctx: Context, key: str) -> bool:
    """A fallback key that reads as meant: a config key, an environment variable or a random value."""
    if not key:
        return True  # `${A::b}`: compilation already fails on the empty name
    return bool(_ENV_STYLE().match(key) or key.startswith("random.") or lookup_reference(ctx.compiled.merged.tree, key))


def _default_colon(ctx: Context) -> Iterator[Finding]:
    if ctx.compiled.properties_role is not None:
        return  # a .properties file is read by Kafka, not Micronaut
    providers = _config_providers(ctx)
    for path, text in _strings(ctx):
        secret = _secret(path)
        for ph in _placeholders(text, ctx.compiled.whole):
            extra = ph.keys[1:]
            if not extra or all(_intended_key(ctx, key) for key in extra):
                continue
            if ph.keys[0] in providers:
                yield Finding(
                    path,
                    f"{dotted(path)}: {_shown(ph, secret)} is Kafka config-provider syntax, but Micronaut "
                    f"resolves every ${{...}} first: it tries the properties {', '.join(repr(k) for k in ph.keys)} "
                    "and then its default, so Kafka never sees the reference; give the value through a "
                    "Micronaut placeholder such as ${KAFKA_...} instead",
                )
                continue
            names = ", ".join(f"'{k}'" for k in extra)
            if secret:
                detail = (
                    f"Micronaut reads {len(extra)} more ':'-separated part(s) as property names to try and only "
                    "the last part as the default (value hidden)"
                )
                fix = "quote the whole default with backticks: ${NAME:`default`}"
            else:
                joined = ":".join((*extra, ph.default or ""))
                detail = (
                    f"Micronaut reads {names} as {'another property name' if len(extra) == 1 else 'property names'} "
                    f"to try and only '{ph.default}' as the default"
                )
                fix = f"if the default is '{joined}', quote it with backticks: ${{{ph.keys[0]}:`{joined}`}}"
            yield Finding(path, f"{dotted(path)}: in {_shown(ph, secret)}, {detail}; {fix}")


# --- config-provider-undeclared ----------------------------------------------------------------------


def _undeclared_provider(ctx: Context) -> Iterator[Finding]:
    if ctx.compiled.properties_role is None:
        return  # in Kestra's YAML Micronaut reads every ${...} first: placeholder-default-colon's concern
    providers = _config_providers(ctx)
    for path, text in _strings(ctx):
        secret = _secret(path)
        for ph in _placeholders(text, hydra=False):
            name = _provider_reference(ph)
            if name is None or name in providers:
                continue
            declared = "the file sets no config.providers"
            if providers:
                declared = f"config.providers names only {', '.join(sorted(providers))}"
            example_class = _EXAMPLE_PROVIDER.get(name)
            yield Finding(
                path,
                f"{ctx.key_name(path)}: {_shown(ph, secret)} is written as a Kafka config-provider reference, but "
                f"{declared}: Kafka passes the text on as the value itself; add "
                f"config.providers={','.join(sorted({*providers, name}))} and config.providers.{name}.class="
                + (example_class or "<the provider's class>"),
            )


_FILE_PROVIDER = "org.apache.kafka.common.config.provider.FileConfigProvider"
_EXAMPLE_PROVIDER = {
    "env": "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
    "dir": "org.apache.kafka.common.config.provider.DirectoryConfigProvider",
    "file": _FILE_PROVIDER,
}


# --- placeholder-misread ----------------------------------------------------------------------------


def _misread(ctx: Context) -> Iterator[Finding]:
    if ctx.compiled.properties_role is not None:
        return
    for path, text in _strings(ctx):
        secret = _secret(path)
        for ph in _placeholders(text, ctx.compiled.whole):
            shown = _shown(ph, secret)
            name = ph.keys[0]  # later names are placeholder-default-colon's concern
            if (ph.escaped or not ctx.compiled.whole) and ph.default is not None and RESOLVER_CALL().match(ph.text):
                fallback = "(value hidden)" if secret else f"'{ph.default}'"
                write = "${" + ph.default.split(",")[0].strip() + "}" if name == "oc.env" and not secret else "${NAME}"
                if ph.escaped:
                    why, fix = "is escaped, so it reaches Kestra as written, and Micronaut", "drop the backslash"
                else:
                    why, fix = "is a Hydra resolver call, but Kestra reads this file with Micronaut, which", "keep"
                    fix += " the call in a Hydra config tree that kkc compiles"
                yield Finding(
                    path,
                    f"{dotted(path)}: {shown} {why} looks for a property named '{name}' and otherwise uses "
                    f"{fallback} as the value; write {write} for an environment variable, or {fix}",
                )
                continue
            if not _PROPERTY_NAME.match(name):
                yield Finding(
                    path,
                    f"{dotted(path)}: {shown} names '{name}', which no property or "
                    "environment variable can be called (spaces or other characters); Micronaut finds no value "
                    "and Kestra fails to start unless a default applies. Use letters, digits, '.', '-' and '_'",
                )
    yield from _shell_style(ctx)
    yield from _closed_early(ctx)


def _closed_early(ctx: Context) -> Iterator[Finding]:
    """A '}' inside a placeholder, as Kestra gets it: Micronaut ends every placeholder at its first '}'."""
    for path, _ in _strings(ctx):
        text = ctx.get(path)  # as Kestra gets it: kkc's own ${kestra...} references already resolved
        if not isinstance(text, str) or "${" not in text:
            continue
        try:
            found = find(text)
        except PlaceholderSyntaxError:
            continue
        for ph in found:
            first = text.find("}", ph.start)
            if first == ph.end - 1:
                continue
            secret = _secret(path)
            read = "(value hidden)" if secret else f"'{text[ph.start : first + 1]}'"
            if ph.default is not None and "${" in ph.default:
                expr = text[ph.start + 2 : first]
                literal = expr.split(":", 1)[1] + text[first + 1 : ph.end] if ":" in expr else ""
                unset = "" if secret else f": when {ph.keys[0]} is unset, the value is the text '{literal}'"
                fix = (
                    "chain the names instead: ${A:B:default} tries A, then B, then the default (give a default, "
                    "else the last name is read as text)"
                )
            else:
                unset, fix = "", "a default cannot hold '}', not even in backticks: give the value another way"
            yield Finding(
                path,
                f"{dotted(path)}: Micronaut ends a placeholder at its first '}}', so Kestra reads {read} as the "
                f"placeholder and what follows as text{unset}; {fix}",
            )


def _shell_style(ctx: Context) -> Iterator[Finding]:
    for path, text in _strings(ctx):
        key = str(path[-1]) if path else ""
        if _secret(path):
            values = [text]
            if key.lower() == "sasl.jaas.config":
                values = [a if a is not None else b for a, b in _JAAS_QUOTED.findall(text)]
            if any(_WHOLE_SHELL_VARIABLE.match(v) for v in values):
                yield Finding(
                    path,
                    f"{dotted(path)}: a value (hidden) is written like a shell variable, $NAME: neither Micronaut "
                    "nor Kafka expands that, so the client gets the text itself; write ${NAME}",
                )
            continue
        names = sorted(set(_SHELL_VARIABLE().findall(text)))
        if names:
            shown = ", ".join(f"${n}" for n in names)
            fixed = ", ".join(f"${{{n}}}" for n in names)
            yield Finding(
                path,
                f"{dotted(path)}: {shown} is shell syntax, which Micronaut does not expand (the text is kept "
                f"as is); write {fixed}",
            )


_BOOTSTRAP = 'kestra:\n  kafka:\n    client:\n      properties:\n        bootstrap.servers: "{value}"\n'

RULES: tuple[Rule, ...] = (
    Rule(
        id="runtime-placeholders",
        family="placeholders",
        level="info",
        summary="The run-time placeholders (environment variables) a target needs when Kestra starts",
        why="Placeholders that are not keys of the config (${KAFKA_PASSWORD}) are left for Kestra to resolve at "
        "start-up from its environment, and Kestra fails to start if one without a default has no value; kkc "
        "lists the names each target needs. Info: whether they are set depends on the deployment, which kkc "
        "cannot see.",
        check=_runtime,
        failing=example(_BOOTSTRAP.format(value="${KAFKA_BOOTSTRAP_SERVERS}")),
        passing=example(_BOOTSTRAP.format(value="kafka:9092")),
    ),
    Rule(
        id="placeholder-default-colon",
        family="placeholders",
        level="warning",
        summary="A placeholder default holding ':' without backticks: Micronaut reads a property name instead",
        why="Micronaut splits a placeholder at every ':' outside backticks: "
        "${KAFKA_BOOTSTRAP_SERVERS:localhost:9092} means the variable, else a property named 'localhost', else "
        "'9092', so the client gets 9092 instead of localhost:9092 when the variable is missing. Warning; write "
        "${KAFKA_BOOTSTRAP_SERVERS:`localhost:9092`}.",
        check=_default_colon,
        failing=example(_BOOTSTRAP.format(value="${KAFKA_BOOTSTRAP_SERVERS:localhost:9092}")),
        passing=example(_BOOTSTRAP.format(value="${KAFKA_BOOTSTRAP_SERVERS:`localhost:9092`}")),
    ),
    Rule(
        id="config-provider-undeclared",
        family="placeholders",
        level="warning",
        summary="A ${provider:path:key} reference in a .properties file whose provider config.providers lacks",
        why="Kafka resolves ${provider:path:key} (KIP-297) only for providers that config.providers names and "
        "config.providers.<name>.class defines; any other ${...} reaches the client as the text itself, so a "
        "password or a path silently becomes the literal '${file:...}'. Warning: the client starts, and then "
        "fails to authenticate or find the file. In Kestra's YAML, Micronaut reads every ${...} first (see "
        "placeholder-default-colon).",
        check=_undeclared_provider,
        failing=properties_example(
            "producer", "bootstrap.servers=kafka:9092\nssl.truststore.password=${file:/etc/kafka/secrets:truststore}\n"
        ),
        passing=properties_example(
            "producer",
            "bootstrap.servers=kafka:9092\nconfig.providers=file\n"
            f"config.providers.file.class={_FILE_PROVIDER}\n"
            "ssl.truststore.password=${file:/etc/kafka/secrets:truststore}\n",
        ),
    ),
    Rule(
        id="placeholder-misread",
        family="placeholders",
        level="warning",
        summary="A placeholder Micronaut misreads: a name no property can have, shell-style $NAME, a Hydra "
        "resolver call in a file Kestra reads, or a '}' inside a placeholder",
        why="Micronaut does not expand shell-style $NAME, so the client receives the text itself "
        "(bootstrap.servers=$KAFKA_BOOTSTRAP_SERVERS); a ${...} name no property or variable can have (spaces, "
        "other characters) never resolves, and Kestra fails to start unless a default applies. In a file given "
        "to kkc validate, which Kestra reads as it is, a Hydra resolver call such as ${oc.env:KAFKA_PASSWORD} is "
        "read by Micronaut as the property 'oc.env' with the default 'KAFKA_PASSWORD', so the password becomes "
        "the variable's name (in a Hydra config tree kkc compiles it to ${KAFKA_PASSWORD}, unless it is "
        "escaped: \\${oc.env:...} is text for Kestra). Micronaut ends a placeholder at its first '}', so a "
        "placeholder in another's default (${A:${B}}) or a '}' in a backticked default is cut short and the rest "
        "reaches the client as text. Warning.",
        check=_misread,
        failing=example(_BOOTSTRAP.format(value="$KAFKA_BOOTSTRAP_SERVERS")),
        passing=example(_BOOTSTRAP.format(value="${KAFKA_BOOTSTRAP_SERVERS}")),
    ),
)
