"""The structure rules' schema: the `kestra.kafka` tree and kkc's own keys, checked by Cerberus.

One Cerberus pass per target gives the findings of several rule ids (unknown keys, wrong types,
invalid values); `schema_rule(id)` is the check of each."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from functools import cache
from typing import Any

from compiler import kestra_versions, kubernetes
from compiler.catalog import KNOWN_VERSIONS
from compiler.keys import TOOL_KEYS, Path_
from compiler.rules.base import Context, Finding, analysed_once
from compiler.values import parse_int

_SCALAR = ["string", "integer", "float", "boolean"]
_PROPS = {"type": "dict", "keysrules": {"type": "string"}, "valuesrules": {"nullable": True}}
_COUNT = {"type": "intlike", "check_with": "intlike", "min": 1}
# A topic's partitions and replication factor: -1 asks the broker for num.partitions / default.replication.factor
# (CreateTopics since Kafka 2.4, KIP-464), which Kestra's NewTopic passes on as is.
_TOPIC_COUNT = {"type": "intlike", "check_with": "count_or_broker_default"}
_SIZE = {"type": "intlike", "check_with": "intlike", "min": 0}


def _schema() -> dict[str, Any]:
    role = {"type": "dict", "schema": {"properties": _PROPS}}
    topic = {
        "type": "dict",
        "nullable": True,
        "schema": {
            "name": {"type": "string", "empty": False},
            "partitions": _TOPIC_COUNT,
            "replication-factor": _TOPIC_COUNT,
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
                    "schema": {"partitions": _TOPIC_COUNT, "replication-factor": _TOPIC_COUNT, "properties": _PROPS},
                },
                "consumer": role,
                "producer": role,
                "stream": role,
            },
        },
        "topics": {"type": "dict", "keysrules": {"type": "string"}, "valuesrules": topic},
        "executor": {"type": "dict", "schema": {"stream-threads": {**_SIZE}}},
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
                "kestra-version": {"type": "string", "check_with": "kestra_version"},
                "broker-defaults": {"type": "dict", "keysrules": {"type": "string"}, "valuesrules": {"type": _SCALAR}},
            },
        },
        "targets": {"type": "list", "schema": {"type": "dict"}},
        "policy": {"type": "dict", "allow_unknown": True},
        "rules": {"type": "dict", "allow_unknown": True},  # entries: the validate stage (rule-level-invalid)
        "kubernetes": {
            "type": "dict",
            "schema": {
                "namespace": {"type": "string", "check_with": "k8s_namespace"},
                "configmap-name": {"type": "string", "check_with": "k8s_name"},
                "secret-name": {"type": "string", "check_with": "k8s_name"},
                "labels": {
                    "type": "dict",
                    "keysrules": {"type": "string", "check_with": "k8s_label_key"},
                    "valuesrules": {"type": "string", "check_with": "k8s_label_value"},
                },
            },
        },
    }


@cache
def _validator(trust_schema: bool = True) -> Any:
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

        def _check_with_k8s_name(self, field: str, value: Any) -> None:
            why = kubernetes.name_problem(value) if isinstance(value, str) else None
            if why is not None:
                self._error(field, why)

        def _check_with_k8s_namespace(self, field: str, value: Any) -> None:
            why = kubernetes.namespace_problem(value) if isinstance(value, str) else None
            if why is not None:
                self._error(field, why)

        def _check_with_k8s_label_key(self, field: str, value: Any) -> None:
            why = kubernetes.label_key_problem(value) if isinstance(value, str) else None
            if why is not None:
                self._error(field, why)

        def _check_with_k8s_label_value(self, field: str, value: Any) -> None:
            why = kubernetes.label_value_problem(value) if isinstance(value, str) else None
            if why is not None:
                self._error(field, why)

        def _check_with_kestra_version(self, field: str, value: Any) -> None:
            if not isinstance(value, str):
                return  # the type rule reports it (`kestra-version:` with no value crashed here)
            why = kestra_versions.problem(value)
            if why is not None:
                self._error(field, f"a Kestra release kkc knows: {why}")

        def _check_with_count_or_broker_default(self, field: str, value: Any) -> None:
            if isinstance(value, str) and "${" in value:
                return
            number = parse_int(value)
            if number is None:
                self._error(field, cerberus.errors.BAD_TYPE, "intlike")
            elif number < 1 and number != -1:
                self._error(field, "at least 1 (or -1 for the broker's default)")

    if trust_schema:
        # Cerberus checks a schema against its own meta-schema before first use: a third of a small
        # file's run (issue 16). kkc's schema is fixed, and tests/unit/test_schema_pieces.py has Cerberus check it.
        from cerberus.schema import DefinitionSchema
        from cerberus.utils import mapping_hash

        expanded = DefinitionSchema.expand(_schema())
        KkcValidator._valid_schemas.add((mapping_hash(expanded), mapping_hash(KkcValidator.types_mapping)))
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
    """(rule id, finding) for every schema problem of the tree.

    The tree is checked in pieces (each topic, each other key of kestra.kafka, each other key of
    kestra and of the root), each piece wrapped in its own path, and each distinct piece once (issue
    16: Cerberus re-checked, for every target, the 80% of the tree every target of an env shares).
    The schema's containers hold no rule that looks across their keys (no required, dependencies,
    excludes or emptiness rule on kestra, kestra.kafka or its topics), so the pieces' findings are the
    whole tree's (tests/rules checks both ways)."""
    doc = {k: _without_property_values(v, str(k)) for k, v in ctx.tree.items() if k in ("kestra", *TOOL_KEYS)}
    out: list[tuple[str, Finding]] = []
    for piece in _pieces(doc):
        _canonical(piece)
        text = repr(piece)  # exact: repr tells 1, '1', 1.0 and True apart
        found = _PIECES.get(text)
        if found is None:
            if len(_PIECES) > 4096:
                _PIECES.clear()
            found = _PIECES[text] = _document_findings(piece)
        out.extend(found)
    return out


_PIECES: dict[str, list[tuple[str, Finding]]] = {}


_ANY_TEXT = "x"


def _canonical(piece: dict[str, Any]) -> None:
    """Put one text in the place of values that differ per target but that any non-empty text passes
    (a topic's name, the prefixes, cluster.name): the piece's findings do not change, and its memo hits."""
    kestra = piece.get("kestra")
    kafka = kestra.get("kafka") if isinstance(kestra, dict) else None
    if isinstance(kafka, dict):
        for spec in (kafka.get("topics") or {}).values() if isinstance(kafka.get("topics"), dict) else ():
            if isinstance(spec, dict) and isinstance(spec.get("name"), str) and spec["name"]:
                spec["name"] = _ANY_TEXT
        defaults = kafka.get("defaults")
        if isinstance(defaults, dict):
            for key in ("topic-prefix", "consumer-prefix"):
                if isinstance(defaults.get(key), str):
                    defaults[key] = _ANY_TEXT
    cluster = piece.get("cluster")
    if isinstance(cluster, dict) and isinstance(cluster.get("name"), str) and cluster["name"]:
        cluster["name"] = _ANY_TEXT


def _pieces(doc: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for key, value in doc.items():
        if key != "kestra" or not isinstance(value, dict) or not value:
            out.append({key: value})
            continue
        for key2, value2 in value.items():
            if key2 != "kafka" or not isinstance(value2, dict) or not value2:
                out.append({key: {key2: value2}})
                continue
            for key3, value3 in value2.items():
                if key3 != "topics" or not isinstance(value3, dict) or not value3:
                    out.append({key: {key2: {key3: value3}}})
                    continue
                out.extend({key: {key2: {key3: {topic: spec}}}} for topic, spec in value3.items())
    return out


def _document_findings(doc: dict[str, Any]) -> list[tuple[str, Finding]]:
    """(rule id, finding) for every schema problem of one document (the whole tree, or a piece of it)."""
    validator = _validator()
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
            message = f"'{name}' must be {expected}, not {type(value).__name__} {value!r}"
            if path[-1] in ("kafka-version", "kestra-version") and isinstance(value, float):
                message += ': quote it as written ("4.1", "0.20"): YAML reads 0.20 as the number 0.2'
            out.append(("wrong-type", Finding(path, message)))
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


schema_rule = analysed_once(_schema_findings)
