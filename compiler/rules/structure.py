"""Rules: the shape of the `kestra.kafka` tree and of kkc's own keys (a Cerberus schema), plus
what normalization changed (camelCase, the doc page's variant paths, YAML 1.1 look-alikes)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from functools import cache
from typing import Any

from compiler.catalog import KNOWN_VERSIONS
from compiler.keys import TOOL_KEYS, Path_
from compiler.rules.base import Context, Finding, Rule, example, properties_example, tree_example
from compiler.values import parse_int

_SCALAR = ["string", "integer", "float", "boolean"]
_PROPS = {"type": "dict", "keysrules": {"type": "string"}, "valuesrules": {"nullable": True}}
_COUNT = {"type": "intlike", "check_with": "intlike", "min": 1}
_RF = {"type": "intlike", "check_with": "replication_factor"}
_SIZE = {"type": "intlike", "check_with": "intlike", "min": 0}


def _schema() -> dict[str, Any]:
    role = {"type": "dict", "schema": {"properties": _PROPS}}
    topic = {
        "type": "dict",
        "nullable": True,
        "schema": {
            "name": {"type": "string", "empty": False},
            "partitions": _COUNT,
            "replication-factor": _RF,
            "properties": _PROPS,
            "cls": {"type": "string"},
        },
    }
    kafka = {
        "client": {
            "type": "dict",
            "schema": {
                "properties": _PROPS,
                "loggers": {"type": "list", "schema": {"type": "dict", "allow_unknown": True}},
            },
        },
        "defaults": {
            "type": "dict",
            "schema": {
                "topic-prefix": {"type": "string"},
                "consumer-prefix": {"type": "string"},
                "topic": {
                    "type": "dict",
                    "schema": {"partitions": _COUNT, "replication-factor": _RF, "properties": _PROPS},
                },
                "consumer": role,
                "producer": role,
                "stream": role,
            },
        },
        "topics": {"type": "dict", "keysrules": {"type": "string"}, "valuesrules": topic},
        "message-protection": {
            "type": "dict",
            "schema": {"soft-limit": _SIZE, "hard-limit": _SIZE, "enabled": {"type": "boolean"}, "limit": _SIZE},
        },
    }
    return {
        "kestra": {
            "type": "dict",
            "allow_unknown": True,
            "schema": {
                "queue": {"type": "dict", "allow_unknown": True, "schema": {"type": {"type": "string"}}},
                "kafka": {"type": "dict", "allow_unknown": False, "schema": kafka},
            },
        },
        "cluster": {
            "type": "dict",
            "schema": {
                "name": {"type": "string", "empty": False},
                "brokers": _COUNT,
                "kafka-version": {"type": "string", "allowed": list(KNOWN_VERSIONS)},
                "broker-defaults": {"type": "dict", "keysrules": {"type": "string"}, "valuesrules": {"type": _SCALAR}},
            },
        },
        "targets": {"type": "list", "schema": {"type": "dict"}},
        "policy": {"type": "dict", "allow_unknown": True},
    }


@cache
def _validator() -> Any:
    import cerberus

    class KkcValidator(cerberus.Validator):  # type: ignore[misc]
        types_mapping = cerberus.Validator.types_mapping.copy()
        types_mapping["integer"] = cerberus.TypeDefinition("integer", (int,), (bool,))

        types_mapping["intlike"] = cerberus.TypeDefinition("intlike", (int, str), (bool,))

        def _validate_min(self, min_value: Any, field: str, value: Any) -> None:
            """{'nullable': True}"""  # noqa: D401 - Cerberus reads rule schemas from docstrings
            if isinstance(value, str):
                if "${" in value or parse_int(value) is None:
                    return
                value = parse_int(value)
            super()._validate_min(min_value, field, value)

        def _check_with_intlike(self, field: str, value: Any) -> None:
            if isinstance(value, str) and "${" in value:
                return  # a run-time placeholder: Micronaut converts it at start-up
            if isinstance(value, str) and parse_int(value) is None:
                self._error(field, cerberus.errors.BAD_TYPE, "intlike")

        def _check_with_replication_factor(self, field: str, value: Any) -> None:
            if isinstance(value, str) and "${" in value:
                return
            number = parse_int(value)
            if number is None:
                self._error(field, cerberus.errors.BAD_TYPE, "intlike")
            elif number < 1 and number != -1:
                self._error(field, "at least 1 (or -1 for the broker's default)")

    return KkcValidator(_schema(), allow_unknown=False)


def _without_property_values(node: Any, key: str) -> Any:
    """The tree with each properties map emptied: their keys and values are the Kafka rules' job,
    and leaving them out keeps Cerberus' cost per target small."""
    if isinstance(node, dict):
        if key == "properties":
            return {}
        return {k: _without_property_values(v, str(k)) for k, v in node.items()}
    if isinstance(node, list):
        return [_without_property_values(v, key) for v in node]
    return node


def _leaf_errors(errors: Any) -> Iterator[Any]:
    for error in errors:
        if error.is_group_error:
            yield from _leaf_errors(error.child_errors)
        else:
            yield error


def _as_int(value: Any) -> Any:
    number = parse_int(value) if isinstance(value, str) else None
    return value if number is None else number


def _schema_findings(ctx: Context) -> list[tuple[str, Finding]]:
    """(rule id, finding) for every schema problem of the tree."""
    validator = _validator()
    doc = {k: _without_property_values(v, str(k)) for k, v in ctx.tree.items() if k in ("kestra", *TOOL_KEYS)}
    if validator.validate(doc, normalize=False):
        return []
    out: list[tuple[str, Finding]] = []
    for error in _leaf_errors(validator._errors):
        path: Path_ = tuple(error.document_path)
        name = ".".join(str(p) for p in path)
        value = error.value
        if error.code == 0x03:  # unknown field
            parent_schema = _schema_at(error.schema_path)
            known = sorted(parent_schema) if isinstance(parent_schema, dict) else []
            close = difflib.get_close_matches(str(path[-1]), known, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else f" (known: {', '.join(known)})"
            if path[0] in TOOL_KEYS:
                out.append(("unknown-tool-key", Finding(path, f"unknown key '{name}': kkc does not read it{hint}")))
            else:
                out.append(("unknown-key", Finding(path, f"unknown key '{name}': Kestra ignores it{hint}")))
        elif error.rule == "type" or error.code in (0x24,):
            expected = error.constraint if isinstance(error.constraint, str) else "/".join(error.constraint or [])
            expected = {"intlike": "a whole number", "dict": "a mapping", "list": "a list"}.get(expected, expected)
            out.append(
                ("wrong-type", Finding(path, f"'{name}' must be {expected}, not {type(value).__name__} {value!r}"))
            )
        elif error.code == 0x00 and error.info:
            out.append(("invalid-value", Finding(path, f"'{name}' is {_as_int(value)!r}; it must be {error.info[0]}")))
        elif error.rule in ("min", "anyof", "allowed", "regex", "empty"):
            what = {
                "min": f"at least {error.constraint}",
                "anyof": "at least 1 (or -1 for the broker's default)",
                "regex": "a version like 3.9 or 4.1",
                "empty": "non-empty",
            }.get(error.rule) or "one of " + ", ".join(map(str, error.constraint or ()))
            out.append(("invalid-value", Finding(path, f"'{name}' is {_as_int(value)!r}; it must be {what}")))
        elif error.rule == "nullable" or error.code == 0x22:
            expected = _schema_at(tuple(error.schema_path[:-1]))
            if isinstance(expected, dict) and expected.get("type") == "dict":
                message = (
                    f"'{name}' is empty (a key with no value is null in YAML), but it must be a mapping: "
                    f"write '{path[-1]}: {{}}' for none, or remove the key"
                )
            else:
                message = f"'{name}' is empty; give it a value (write \"\" for an empty string)"
            out.append(("wrong-type", Finding(path, message)))
        else:
            out.append(("invalid-value", Finding(path, f"'{name}': {error.rule} {error.constraint}")))
    return out


@cache
def _schema_tree() -> dict[str, Any]:
    """The schema as written, for naming the known keys in a message (Cerberus keeps its own copy)."""
    return _schema()


def _schema_at(schema_path: tuple[Any, ...]) -> Any:
    node: Any = _schema_tree()
    for part in schema_path:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _by_rule(rule_id: str) -> Any:
    def check(ctx: Context) -> Iterator[Finding]:
        for found_rule, finding in _cached_schema(ctx):
            if found_rule == rule_id:
                yield finding

    return check


def _cached_schema(ctx: Context) -> list[tuple[str, Finding]]:
    if "structure" not in ctx.extra:
        ctx.extra["structure"] = _schema_findings(ctx)
    result: list[tuple[str, Finding]] = ctx.extra["structure"]
    return result


def _notes(rule_id: str) -> Any:
    def check(ctx: Context) -> Iterator[Finding]:
        for note in ctx.compiled.notes:
            if note.rule == rule_id:
                yield Finding(note.path, note.message, origin=note.origin)

    return check


def _nested_properties(ctx: Context) -> Iterator[Finding]:
    for props in ctx.property_sets():
        node = ctx.get(props.path)
        if not isinstance(node, dict):
            continue
        for key, value in node.items():
            if isinstance(value, dict):
                inner = next(iter(value), "x")
                yield Finding(
                    (*props.path, key),
                    f"'{key}' under {'.'.join(props.path)} is a nested map, read as '{key}.{inner}'...: a dotted "
                    f"Kafka property name was split; write it whole and quote nothing: '{key}.{inner}: ...'",
                )


def _lookalikes(ctx: Context) -> Iterator[Finding]:
    seen = set()
    for item in ctx.compiled.merged.lookalikes:
        if item.origin in seen:
            continue
        seen.add(item.origin)
        meaning = {"bool": "a boolean", "int": "a number", "octal int": "an octal number", "float": "a number"}.get(
            item.yaml11_type, f"a {item.yaml11_type}"
        )
        if item.path in ctx.compiled.merged.yaml11_applied:
            kept = f"{item.path[-1]} is a boolean Kafka property, so kkc reads it as {meaning} too; write true or false"
        else:
            kept = f"kkc keeps the string '{item.text}'. Quote it (\"{item.text}\") to say which one you mean"
        yield Finding(
            item.path,
            f"'{item.text}' is read by Kestra's YAML 1.1 parser (SnakeYAML) as {meaning}, by YAML 1.2 as a string; "
            + kept,
            origin=item.origin,
        )


_MISPLACED_ROOTS = {
    "kafka": "a root 'kafka:' is not read by Kestra: its settings belong under 'kestra:' (kestra.kafka...); "
    "was the 'kestra:' line lost when copying a fragment?",
    "queue": "a root 'queue:' is not read by Kestra: it belongs under 'kestra:' (kestra.queue.type: kafka)",
    "floworc": "'floworc:' is Kestra's 2019 name; today's Kestra reads 'kestra:' and ignores this whole tree",
}


def _unknown_root(ctx: Context) -> Iterator[Finding]:
    known = ("kestra", *TOOL_KEYS)
    for key in ctx.tree:
        if key in known:
            continue
        if key in _MISPLACED_ROOTS:
            yield Finding((key,), _MISPLACED_ROOTS[key])
            continue
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.7)
        if close:
            yield Finding((key,), f"root key '{key}' is not read by Kestra or kkc; did you mean '{close[0]}'?")


def _embedded_kestra(node: Any, path: Path_) -> tuple[Path_, str] | None:
    """Where a Kestra tree hides in a non-Kestra file: nested (Helm values) or inside a string."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "kestra" and path:
                return (*path, key), "nested"
            found = _embedded_kestra(value, (*path, key))
            if found:
                return found
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found = _embedded_kestra(value, (*path, index))
            if found:
                return found
    elif isinstance(node, str) and "kestra:" in node and "\n" in node:
        return path, "string"
    return None


def _no_kestra_settings(ctx: Context) -> Iterator[Finding]:
    if ctx.compiled.properties_role is not None:
        return
    for path, chain in ctx.compiled.merged.settings.items():
        if path[:2] in (("kestra", "kafka"), ("kestra", "queue")) and any(s.layer != "kestra defaults" for s in chain):
            return
    user_paths = [p for p, chain in ctx.compiled.merged.settings.items() if chain[-1].layer != "kestra defaults"]

    def position(path: Path_) -> tuple[int, int]:
        origin = ctx.origin(path)
        return (origin.line, origin.column) if origin else (0, 0)

    first = min(user_paths, key=position, default=None)
    embedded = _embedded_kestra(ctx.tree, ())
    message = (
        "no Kestra Kafka setting here: nothing under kestra.kafka or kestra.queue, so Kestra would run on its defaults"
    )
    if embedded and embedded[1] == "nested":
        message += (
            f"; a Kestra tree sits under '{'.'.join(map(str, embedded[0]))}' (Helm values?): validate the "
            "files it becomes, or extract it"
        )
    elif embedded:
        message += (
            f"; '{'.'.join(map(str, embedded[0]))}' holds Kestra configuration as text (an environment "
            "variable such as KESTRA_CONFIGURATION?): save that text to a file and validate it"
        )
    elif first is not None:
        message += "; is this a Kestra configuration file?"
    if first is None:
        return
    yield Finding(embedded[0] if embedded else first, message)


def _removed_defaults(ctx: Context) -> Iterator[Finding]:
    """Kestra still reads its own application.yml: a config file cannot delete one of its keys."""
    bundled = next((layer for layer in ctx.compiled.layers if layer.kind == "kestra defaults"), None)
    if bundled is None:
        return
    missing: set[Path_] = set()

    def gone(path: Path_, node: Any) -> bool:
        value = ctx.get(path, _MISSING)
        return value is _MISSING or (value is None and node is not None)  # deleted, or replaced by null

    def walk(node: Any, path: Path_) -> None:
        if path and gone(path, node):
            missing.add(path)  # its parent is there (walk stops here), so this is what was removed
            return
        if isinstance(node, dict):
            for key, child in node.items():
                walk(child, (*path, key))

    walk(bundled.data, ())
    for path in sorted(missing, key=str):
        yield Finding(
            path,
            f"'{'.'.join(map(str, path))}' is one of Kestra's own defaults (its application.yml), which Kestra "
            "still reads: a config layer cannot remove it, so Kestra would keep the default while kkc's outputs "
            "drop it; set the value you want instead of deleting it (or writing null)",
        )


_MISSING = object()


def _queue_type(ctx: Context) -> Iterator[Finding]:
    if ctx.compiled.properties_role is not None:
        return
    value = ctx.get(("kestra", "queue", "type"))
    if value is not None and value != "kafka":
        yield Finding(
            ("kestra", "queue", "type"),
            f"kestra.queue.type is '{value}': Kestra ignores kestra.kafka unless it is 'kafka'",
        )


_PRIMARY = "defaults:\n  - _self_\n  - instance: a\n"

RULES: tuple[Rule, ...] = (
    Rule(
        id="unknown-key",
        family="structure",
        level="warning",
        summary="A key under kestra.kafka that Kestra does not bind (ignored silently)",
        check=_by_rule("unknown-key"),
        failing=example("kestra:\n  kafka:\n    defaults:\n      topic-prefx: acme_\n"),
        passing=example("kestra:\n  kafka:\n    defaults:\n      topic-prefix: acme_\n"),
    ),
    Rule(
        id="unknown-tool-key",
        family="structure",
        level="error",
        summary="A key under cluster: that kkc does not read",
        check=_by_rule("unknown-tool-key"),
        failing=example("cluster:\n  broker: 3\n"),
        passing=example("cluster:\n  brokers: 3\n"),
    ),
    Rule(
        id="wrong-type",
        family="structure",
        level="error",
        summary="A value of the wrong type for the key Kestra or kkc binds",
        check=_by_rule("wrong-type"),
        failing=example("kestra:\n  kafka:\n    defaults:\n      topic:\n        partitions: many\n"),
        passing=example("kestra:\n  kafka:\n    defaults:\n      topic:\n        partitions: 32\n"),
    ),
    Rule(
        id="invalid-value",
        family="structure",
        level="error",
        summary="A value outside what Kestra or Kafka accept (partitions 0...)",
        check=_by_rule("invalid-value"),
        failing=example("kestra:\n  kafka:\n    defaults:\n      topic:\n        partitions: 0\n"),
        passing=example("kestra:\n  kafka:\n    defaults:\n      topic:\n        partitions: 1\n"),
    ),
    Rule(
        id="properties-nested-map",
        family="structure",
        level="error",
        summary="A Kafka property name with dots was split into nested maps",
        check=_nested_properties,
        failing=example(
            "kestra:\n  kafka:\n    client:\n      properties:\n        bootstrap:\n          servers: a:9092\n"
        ),
        passing=example("kestra:\n  kafka:\n    client:\n      properties:\n        bootstrap.servers: a:9092\n"),
    ),
    Rule(
        id="doc-variant-path",
        family="structure",
        level="warning",
        summary="The doc page's variant path; Kestra binds another one",
        check=_notes("doc-variant-path"),
        failing=example("kestra:\n  kafka:\n    stream:\n      properties:\n        state.dir: /data/streams\n"),
        passing=example(
            "kestra:\n  kafka:\n    defaults:\n      stream:\n        properties:\n          state.dir: /data/s\n"
        ),
    ),
    Rule(
        id="camel-case-key",
        family="structure",
        level="warning",
        summary="A camelCase key; Kestra binds the kebab-case one",
        check=_notes("camel-case-key"),
        failing=example("kestra:\n  kafka:\n    defaults:\n      topicPrefix: acme_\n"),
        passing=example("kestra:\n  kafka:\n    defaults:\n      topic-prefix: acme_\n"),
    ),
    Rule(
        id="dotted-key-expanded",
        family="structure",
        level="info",
        summary="A dotted key outside properties, read as a nested path",
        check=_notes("dotted-key-expanded"),
        failing=example("kestra.kafka.defaults.topic-prefix: acme_\n"),
        passing=example("kestra:\n  kafka:\n    defaults:\n      topic-prefix: acme_\n"),
    ),
    Rule(
        id="yaml11-ambiguous",
        family="structure",
        level="warning",
        summary="A plain value YAML 1.1 (Kestra) and YAML 1.2 read differently",
        check=_lookalikes,
        failing=example(
            "kestra:\n  kafka:\n    defaults:\n      consumer:\n        properties:\n          enable.auto.commit: no\n"
        ),
        passing=example(
            "kestra:\n  kafka:\n    defaults:\n      consumer:\n        properties:\n"
            "          enable.auto.commit: 'false'\n"
        ),
    ),
    Rule(
        id="unknown-root-key",
        family="structure",
        level="warning",
        summary="A root key that looks like a misspelt kestra/cluster/targets/policy",
        check=_unknown_root,
        failing=example("kafka:\n  topics:\n    execution:\n      properties:\n        retention.ms: '86400000'\n"),
        passing=example("micronaut:\n  server:\n    port: 8080\n"),
    ),
    Rule(
        id="group-file-not-global",
        family="structure",
        level="warning",
        summary="An env or instance file without '# @package _global_'",
        check=_notes("group-file-not-global"),
        failing=tree_example(config_yaml=_PRIMARY, instance__a_yaml="kestra:\n  kafka: {}\n"),
        passing=tree_example(config_yaml=_PRIMARY, instance__a_yaml="# @package _global_\nkestra:\n  kafka: {}\n"),
    ),
    Rule(
        id="kestra-default-removed",
        family="structure",
        level="error",
        summary="A layer or override that deletes one of Kestra's defaults",
        check=_removed_defaults,
        failing=example("kestra:\n  kafka:\n    topics:\n      execution:\n"),
        passing=example("kestra:\n  kafka:\n    topics:\n      execution:\n        partitions: 4\n"),
    ),
    Rule(
        id="defaults-without-self",
        family="structure",
        level="warning",
        summary="A primary defaults list without _self_",
        check=_notes("defaults-without-self"),
        failing=tree_example(config_yaml="defaults:\n  - instance: a\n", instance__a_yaml="# @package _global_\n"),
        passing=tree_example(config_yaml=_PRIMARY, instance__a_yaml="# @package _global_\n"),
    ),
    Rule(
        id="duplicate-property",
        family="structure",
        level="error",
        summary="A key set twice in a Kafka .properties file",
        check=_notes("duplicate-property"),
        failing=properties_example("producer", "acks=all\nlinger.ms=5\nacks=1\n"),
        passing=properties_example("producer", "acks=all\nlinger.ms=5\n"),
    ),
    Rule(
        id="empty-file",
        family="structure",
        level="warning",
        summary="A file given to validate that holds no setting (zero bytes, or only comments)",
        check=_notes("empty-file"),
        failing=properties_example("producer", "# acks=all\n\n"),
        passing=properties_example("producer", "acks=all\n"),
    ),
    Rule(
        id="no-kestra-settings",
        family="structure",
        level="warning",
        summary="A file or target that sets nothing under kestra:",
        check=_no_kestra_settings,
        failing=example("configuration:\n  kestra:\n    queue:\n      type: kafka\n"),
        passing=example("kestra:\n  queue:\n    type: kafka\n"),
    ),
    Rule(
        id="queue-type-not-kafka",
        family="structure",
        level="warning",
        summary="kestra.queue.type is not kafka, so Kestra ignores kestra.kafka",
        check=_queue_type,
        failing=example("kestra:\n  queue:\n    type: postgres\n"),
        passing=example("kestra:\n  queue:\n    type: kafka\n"),
    ),
)
