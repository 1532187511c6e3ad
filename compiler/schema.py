"""`kkc schema`: a JSON Schema (draft 2020-12) of a config layer, for editors.

It describes the `kestra.kafka` tree Kestra binds, the 15 topic keys, the Kafka property names of
each section with their types and allowed values (from kkc's catalog), and kkc's own keys. Every
key is optional, since a layer sets only what it changes. Unknown Kafka client properties are
allowed (Kafka only logs them); unknown topic properties are not (the broker rejects them).
"""

from __future__ import annotations

from typing import Any

from compiler import catalog, kubernetes
from compiler.keys import ROLES
from compiler.layers import kestra_topic_keys

SCHEMA_ID = "urn:kkc:schema:layer"  # a name, not an address: kkc publishes the schema nowhere (kkc schema prints it)
_PLACEHOLDER = {"type": "string", "pattern": r"\$\{", "description": "a ${...} placeholder"}
_INT = {"anyOf": [{"type": "integer"}, {"type": "string", "pattern": r"^-?\d+$"}, _PLACEHOLDER]}


def _value_schema(info: catalog.KeyInfo) -> dict[str, Any]:
    kind = info.type
    validator = info.valid
    out: dict[str, Any]
    if kind == "boolean":
        out = {"anyOf": [{"type": "boolean"}, {"enum": ["true", "false", "TRUE", "FALSE", "True", "False"]}]}
    elif kind in ("int", "short", "long"):
        number: dict[str, Any] = {"type": "integer"}
        if validator.kind == "range" and not validator.also:
            if validator.low not in (None, ""):
                number["minimum"] = int(float(validator.low))
            if validator.high not in (None, ""):
                number["maximum"] = int(float(validator.high))
        out = {"anyOf": [number, {"type": "string", "pattern": r"^\s*[+-]?\d+\s*$"}]}
    elif kind == "double":
        out = {
            "anyOf": [
                {"type": "number"},
                {"type": "string", "pattern": r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$"},
            ]
        }
    elif kind == "list":
        out = {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": ["string", "number", "boolean"]}}]}
    else:
        out = {"type": "string"}
        if validator.kind == "enum" and validator.values and not validator.case_insensitive:
            out = {"enum": list(validator.values)}
    if "anyOf" in out:
        out["anyOf"].append(_PLACEHOLDER)
    elif "enum" in out:
        out = {"anyOf": [out, _PLACEHOLDER]}
    description = f"Kafka {kind}"
    if info.default is not None:
        description += f", default {info.default}"
    if info.deprecated:
        description += f"; deprecated since Kafka {info.deprecated}"
    if info.removed:
        description += f"; removed in Kafka {info.removed}"
    out["description"] = description
    return out


def _properties(sections: tuple[str, ...], strict: bool) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for section in sections:
        for key in catalog.known_keys(section):
            info = catalog.lookup(section, key)
            if info is not None and key not in props:
                props[key] = _value_schema(info)
    return {
        "type": "object",
        "description": "Kafka property names, written whole (bootstrap.servers), never as nested maps",
        "properties": dict(sorted(props.items())),
        "additionalProperties": False if strict else {"type": ["string", "number", "boolean", "null"]},
    }


def _obj(properties: dict[str, Any], description: str = "", extra: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": extra}
    if description:
        out["description"] = description
    return out


def _topic_schema(topic_props: dict[str, Any]) -> dict[str, Any]:
    return _obj(
        {
            "name": {"type": "string", "description": "the full topic name (no prefix is added)"},
            "partitions": {**_INT, "description": "partitions at creation; Kestra never changes them later"},
            "replication-factor": {**_INT, "description": "replication factor at creation"},
            "properties": topic_props,
            "cls": {"type": "string"},
        }
    )


def _logger_schema() -> dict[str, Any]:
    logger = _obj(
        {
            "level": {"enum": ["ERROR", "WARN", "INFO", "DEBUG", "TRACE"]},
            "type": {"enum": ["CONSUMER", "CONSUMER_COMMIT", "PRODUCER", "PRODUCER_ACK"]},
            "topic-regexp": {"type": "string"},
            "key-regexp": {"type": "string"},
            "value-regexp": {"type": "string"},
        }
    )
    logger["required"] = ["level"]
    return logger


def _kafka_schema() -> dict[str, Any]:
    """The kestra.kafka tree: client properties and loggers, defaults per role, topics, message protection."""
    topic_props = _properties(("topic",), strict=True)
    topic = _topic_schema(topic_props)
    role = {
        s: _obj({"properties": _properties((s if s != "stream" else "streams",), strict=False)})
        for s in ("consumer", "producer", "stream")
    }
    defaults = _obj(
        {
            "topic-prefix": {"type": "string", "description": "prefix of every default topic name (default kestra_)"},
            "consumer-prefix": {
                "type": "string",
                "description": "prefix of consumer groups and Streams application ids",
            },
            "topic": _obj({"partitions": _INT, "replication-factor": _INT, "properties": topic_props}),
            **role,
        }
    )
    client = _obj(
        {"properties": _properties(ROLES, strict=False), "loggers": {"type": "array", "items": _logger_schema()}}
    )
    topics = {"type": "object", "properties": {k: topic for k in kestra_topic_keys()}, "additionalProperties": topic}
    return _obj(
        {
            "client": client,
            "defaults": defaults,
            "topics": topics,
            "message-protection": _obj(
                {
                    "enabled": {"type": "boolean"},
                    "soft-limit": _INT,
                    "hard-limit": _INT,
                    "limit": {**_INT, "description": "conflicting documentation: prefer soft-limit and hard-limit"},
                }
            ),
            "executor": _obj(
                {"stream-threads": {**_INT, "description": "Kafka Streams threads of the executor; 0: CPU cores"}},
                "the executor (Enterprise 1.0.1+)",
            ),
        },
        "Kestra's Kafka queue settings",
    )


def _tool_schemas() -> dict[str, Any]:
    """kkc's own root keys: targets, cluster facts, policies."""
    cluster = _obj(
        {
            "name": {"type": "string", "minLength": 1},
            "brokers": {**_INT, "description": "how many brokers the cluster has"},
            "kafka-version": {"enum": list(catalog.KNOWN_VERSIONS)},
            "kestra-version": {
                "type": "string",
                "pattern": r"^v?\d+\.\d+(\.\d+)?$",
                "description": "the Kestra release, from 0.4 (default: 1.3, the current long-term Enterprise release)",
            },
            "broker-defaults": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}},
        },
        "facts about the Kafka cluster (kkc only, never emitted)",
    )
    policy = _obj(
        {
            "min-replication-factor": {"type": "integer", "minimum": 0},
            "min-insync-replicas": {"type": "integer", "minimum": 0},
            "max-partitions": {"type": "integer", "minimum": 0},
            "require-encryption": {"type": "boolean"},
            "forbid-loggers": {"type": "boolean"},
            "forbid-literal-secrets": {"type": "boolean"},
        },
        "requirements kkc validate enforces",
    )
    targets = {"type": "array", "items": _obj({"env": {"type": "string"}, "instance": {"type": "string"}})}
    name = {"type": "string", "maxLength": 253, "pattern": kubernetes.SUBDOMAIN().pattern}
    k8s = _obj(
        {
            "namespace": {"type": "string", "maxLength": 63, "pattern": kubernetes.NAMESPACE().pattern},
            "configmap-name": {**name, "description": f"default: {kubernetes.DEFAULT_CONFIGMAP}"},
            "secret-name": {**name, "description": f"default: {kubernetes.DEFAULT_SECRET}"},
            "labels": {
                "type": "object",
                "propertyNames": {"pattern": kubernetes.LABEL_KEY().pattern},
                "additionalProperties": {
                    "type": "string",
                    "maxLength": 63,
                    "pattern": kubernetes.LABEL_VALUE().pattern,
                },
            },
        },
        "names and labels of the manifests --emit configmap, secret and helm-values write (kkc only)",
    )
    return {"targets": targets, "cluster": cluster, "policy": policy, "kubernetes": k8s}


def _rules_schema() -> dict[str, Any]:
    """rules: the level of a rule id or of a family (the validate stage reads it)."""
    from compiler.rules import REGISTRY
    from compiler.validate import LEVEL_CHOICES, families

    level = {"enum": list(LEVEL_CHOICES)}
    named: dict[str, Any] = {f: {**level, "description": f"every rule of family {f}"} for f in families()}
    named |= {rule.id: {**level, "description": rule.summary} for rule in REGISTRY.values()}
    return _obj(named, "the level of rules (error, warning, info, off) by rule id or family (kkc only)")


def build() -> dict[str, Any]:
    kestra = {
        "type": "object",
        "properties": {
            "queue": {"type": "object", "properties": {"type": {"enum": ["kafka"]}}},
            "kafka": _kafka_schema(),
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "kkc config layer (Kestra Kafka settings)",
        "type": "object",
        "properties": {
            "defaults": {"type": "array", "description": "Hydra defaults list (config.yaml only)"},
            "kestra": kestra,
            **_tool_schemas(),
            "rules": _rules_schema(),
        },
    }
