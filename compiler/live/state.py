"""What a live cluster holds, as kkc read it: plain records, no Kafka client (compiler/live/client.py fills them)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field

from compiler.live.apiversions import LiveVersion
from compiler.records import record

# Kafka's ConfigSource names; a topic's own value is DYNAMIC_TOPIC_CONFIG, whatever it equals.
EXPLICIT = "DYNAMIC_TOPIC_CONFIG"
SOURCES = {
    "DYNAMIC_TOPIC_CONFIG": "set on the topic",
    "DYNAMIC_BROKER_CONFIG": "the broker's dynamic setting",
    "DYNAMIC_DEFAULT_BROKER_CONFIG": "the cluster's dynamic default",
    "STATIC_BROKER_CONFIG": "the brokers' server.properties",
    "DEFAULT_CONFIG": "Kafka's default",
}


@record
class LiveConfig:
    value: str | None  # None: unset, or hidden because it is sensitive
    source: str  # Kafka's ConfigSource name
    sensitive: bool = False

    @property
    def explicit(self) -> bool:
        return self.source == EXPLICIT

    def describe(self) -> str:
        return SOURCES.get(self.source, self.source)


@record
class LiveTopic:
    name: str
    partitions: int
    replication_factor: int  # the most replicas of any partition
    configs: Mapping[str, LiveConfig] | None = None  # None: not described (not a topic of the plan)


@record
class Snapshot:
    """One cluster as one connection saw it."""

    bootstrap: str
    cluster_id: str
    brokers: tuple[int, ...]  # the brokers its metadata lists (a stopped broker is fenced and drops out)
    release: LiveVersion | None  # None: the brokers' API versions could not be read
    broker_id: int | None  # the broker whose settings `broker_configs` are
    broker_configs: Mapping[str, LiveConfig] = field(default_factory=dict)
    topics: Mapping[str, LiveTopic] = field(default_factory=dict)
    # The settings kkc reads on which the brokers disagree: key -> broker id -> value.
    broker_differences: Mapping[str, Mapping[int, str | None]] = field(default_factory=dict)

    def broker_value(self, key: str) -> str | None:
        found = self.broker_configs.get(key)
        return None if found is None else found.value
