"""Stage 5, derive: the property set each Kafka client of Kestra gets, and the topic plan.

Kestra's precedence (kestra-facts.md): every client starts from `kestra.kafka.client.properties`;
the consumer, producer and Streams then overlay their `defaults.<role>.properties`; the admin
client gets the client properties only. Topics: `defaults.topic.properties` overlaid key by key
by the topic's own; partitions and replication factor fall back to the topic defaults.
"""

from __future__ import annotations

from typing import Any

from compiler.errors import InputError
from compiler.keys import CLIENT_PROPERTIES, ROLE_DEFAULTS, TOPICS, Path_, dotted
from compiler.merge import Merged
from compiler.records import record
from compiler.values import as_text, parse_int

KAFKA_DEFAULT_RETENTION_MS = 604_800_000


@record
class TopicPlan:
    key: str
    name: str
    partitions: Any
    replication_factor: Any
    properties: dict[str, str]
    retention_ms: int | str
    retention_source: str
    deletes_old_records: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "partitions": self.partitions,
            "replication-factor": self.replication_factor,
            "properties": dict(self.properties),
            "retention": {
                "ms": self.retention_ms,
                "source": self.retention_source,
                "deletes-old-records": self.deletes_old_records,
            },
        }


def _node(tree: dict[str, Any], path: Path_, merged: Merged | None = None) -> Any:
    """The value at `path`, None when absent; a non-mapping on the way is an input error."""
    node: Any = tree
    for index, part in enumerate(path):
        if node is None:
            return None
        if not isinstance(node, dict):
            where = path[:index]
            raise _not_a_mapping(where, merged, f", not {type(node).__name__} {node!r}")
        node = node.get(part)
    return node


def _not_a_mapping(path: Path_, merged: Merged | None, what: str) -> InputError:
    origin = merged.origin(path) if merged else None
    return InputError(f"{dotted(path)} must be a mapping{what}", origin, dotted(path), rule="structure-type")


def property_map(tree: dict[str, Any], path: Path_, merged: Merged) -> dict[str, str]:
    """A `properties` map as Kafka reads it: property name -> string."""
    node = _node(tree, path, merged)
    if node is None:
        return {}
    if not isinstance(node, dict):
        raise _not_a_mapping(path, merged, " of Kafka properties")
    out: dict[str, str] = {}
    for key, value in _flatten(node):
        if isinstance(value, list):
            out[str(key)] = ",".join(as_text(v) for v in value)
        else:
            out[str(key)] = as_text(value)
    return out


def _flatten(node: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """A nested map under `properties` is read as dotted names, as Micronaut does (the validator errs)."""
    out: list[tuple[str, Any]] = []
    for key, value in node.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.extend(_flatten(value, f"{name}."))
        else:
            out.append((name, value))
    return out


def client_properties(tree: dict[str, Any], merged: Merged) -> dict[str, dict[str, str]]:
    base = property_map(tree, CLIENT_PROPERTIES, merged)
    clients = {"admin": dict(base)}
    for role, section in ROLE_DEFAULTS.items():
        clients[role] = {**base, **property_map(tree, ("kestra", "kafka", "defaults", section, "properties"), merged)}
    return clients


def _retention_from_broker(cluster: Any) -> tuple[int | str, str] | None:
    defaults = cluster.get("broker-defaults") if isinstance(cluster, dict) else None
    if not isinstance(defaults, dict):
        return None
    for key, factor in (("log.retention.ms", 1), ("log.retention.minutes", 60_000), ("log.retention.hours", 3_600_000)):
        if key in defaults:
            raw = defaults[key]
            number = parse_int(raw)
            if number is None:
                return as_text(raw), f"broker-default ({key})"
            # Kafka reads any negative retention time as unlimited (KafkaConfig.logRetentionTimeMillis)
            return (-1 if number < 0 else number * factor), f"broker-default ({key})"
    return None


def topic_plan(tree: dict[str, Any], merged: Merged) -> list[TopicPlan]:
    default_props = property_map(tree, ("kestra", "kafka", "defaults", "topic", "properties"), merged)
    kafka = _node(tree, ("kestra", "kafka"), merged) or {}
    defaults_topic = _node(tree, ("kestra", "kafka", "defaults", "topic"), merged) or {}
    prefix = as_text(_node(tree, ("kestra", "kafka", "defaults", "topic-prefix"), merged))
    topics = kafka.get("topics") or {}
    if not isinstance(topics, dict):
        raise _not_a_mapping(TOPICS, merged, " of topic keys")
    plans: list[TopicPlan] = []
    for key, topic in topics.items():
        path = ("kestra", "kafka", "topics", key)
        if topic is None:
            topic = {}
        if not isinstance(topic, dict):
            raise _not_a_mapping(path, merged, " (name, partitions, replication-factor, properties)")
        own_props = property_map(tree, (*path, "properties"), merged)
        props = {**default_props, **own_props}
        name = topic.get("name")
        name = as_text(name) if name is not None else f"{prefix}{key}"
        policy = {p.strip() for p in props.get("cleanup.policy", "delete").split(",")}
        if "retention.ms" in props:
            raw = props["retention.ms"]
            source = "explicit (topic)" if "retention.ms" in own_props else "explicit (topic defaults)"
            number = parse_int(raw)
            retention: int | str = number if number is not None else raw
        else:
            broker = _retention_from_broker(tree.get("cluster"))
            retention, source = broker or (KAFKA_DEFAULT_RETENTION_MS, "kafka-default")
        plans.append(
            TopicPlan(
                key=str(key),
                name=name,
                partitions=topic.get("partitions", defaults_topic.get("partitions")),
                replication_factor=topic.get("replication-factor", defaults_topic.get("replication-factor")),
                properties=props,
                retention_ms=retention,
                retention_source=source,
                deletes_old_records="delete" in policy and retention != -1,
            )
        )
    return plans
