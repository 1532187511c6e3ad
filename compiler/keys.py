"""The key vocabulary every stage and rule shares: key paths, client roles, where each role's
properties are written, kkc's own root keys, and the name Kestra's bundled defaults are reported by.

Kestra's precedence (kestra-facts.md): every client starts from `kestra.kafka.client.properties`;
the consumer, producer and Streams then overlay their `defaults.<section>.properties`; the admin
client gets the client properties only.
"""

from __future__ import annotations

from typing import Any

Path_ = tuple[str | int, ...]

ROLES = ("admin", "consumer", "producer", "streams")
# A client role -> the `kestra.kafka.defaults.<section>` Kestra overlays on the client properties.
ROLE_DEFAULTS = {"consumer": "consumer", "producer": "producer", "streams": "stream"}
# The catalog's sections: the client roles and the topic configs.
SECTIONS = (*ROLES, "topic")

# kkc's own root keys, never emitted to Kestra
TOOL_KEYS = ("targets", "cluster", "policy", "rules", "kubernetes")
BUNDLED_NAME = "<kestra-defaults>"  # the file name of positions in Kestra's bundled defaults

KAFKA_PATH: Path_ = ("kestra", "kafka")
CLIENT_PROPERTIES: Path_ = (*KAFKA_PATH, "client", "properties")
LOGGERS: Path_ = (*KAFKA_PATH, "client", "loggers")
DEFAULTS: Path_ = (*KAFKA_PATH, "defaults")
TOPIC_DEFAULTS: Path_ = (*DEFAULTS, "topic")
TOPIC_DEFAULT_PROPERTIES: Path_ = (*TOPIC_DEFAULTS, "properties")
DEFAULT_REPLICATION_FACTOR: Path_ = (*TOPIC_DEFAULTS, "replication-factor")
TOPICS: Path_ = (*KAFKA_PATH, "topics")
MESSAGE_PROTECTION: Path_ = (*KAFKA_PATH, "message-protection")
CLUSTER: Path_ = ("cluster",)
BROKER_DEFAULTS: Path_ = ("cluster", "broker-defaults")


def role_properties_path(role: str) -> Path_:
    """Where a client role's own properties are written: the client properties for the admin client."""
    section = ROLE_DEFAULTS.get(role)
    return CLIENT_PROPERTIES if section is None else (*DEFAULTS, section, "properties")


def topic_path(key: str) -> Path_:
    return (*TOPICS, key)


def topic_properties_path(key: str) -> Path_:
    return (*TOPICS, key, "properties")


def dotted(path: Path_) -> str:
    return ".".join(str(p) for p in path)


def has_path(tree: Any, path: Path_) -> bool:
    node = tree
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def get_path(tree: Any, path: Path_, default: Any = None) -> Any:
    """The value at `path` in nested mappings and lists; `default` when a step is missing."""
    node = tree
    for part in path:
        if isinstance(node, dict):
            try:
                node = node[part]
            except (KeyError, TypeError):  # TypeError: an unhashable step
                return default
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return default
    return node


def copy_tree(value: Any) -> Any:
    """A copy of nested mappings and lists (the leaves are immutable)."""
    if isinstance(value, list):
        return [copy_tree(v) for v in value]
    if isinstance(value, dict):
        return {k: copy_tree(v) for k, v in value.items()}
    return value
