"""What a live cluster holds against what a compiled target plans: a list of changes.

Each change says whether `kkc apply` makes it (`action`) or only reports it: Kestra never changes the
partitions or the replication factor of an existing topic, kkc never deletes a topic nor decreases
partitions, and increases them only when asked. Topic configs are compared by their source: a
planned value must be set on the topic itself (DYNAMIC_TOPIC_CONFIG), as Kestra sets it when it
creates the topic; the same value inherited from the brokers is not the plan (it changes with them).
No Kafka client is imported here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field, replace
from typing import Any, Literal

from compiler.errors import ClusterError
from compiler.live.connection import fill
from compiler.live.state import Snapshot
from compiler.model import Compiled
from compiler.records import record
from compiler.values import parse_int

Kind = Literal["cluster", "create", "orphan", "partitions", "replication-factor", "config", "extra-config"]
Level = Literal["error", "drift", "info"]
# Config values Kafka compares as sets (it may list them in another order than the plan).
LIST_KEYS = ("cleanup.policy", "leader.replication.throttled.replicas", "follower.replication.throttled.replicas")
STREAMS_INTERNAL = ("-changelog", "-repartition")


@record
class PlannedTopic:
    key: str
    name: str
    partitions: int
    replication_factor: int
    configs: dict[str, str]


@record
class Change:
    kind: Kind
    level: Level  # error: the plan cannot be created here; drift: the topics differ (exit 1); info: shown only
    topic: str | None
    key: str | None  # a config name, "brokers", "kafka-version"
    planned: str | None
    actual: str | None
    message: str
    action: str | None = None  # what apply does: create, set-config, add-partitions; None: reported only

    @property
    def risk(self) -> str | None:
        """As kkc diff says it: not-applied for what Kestra never changes on an existing topic."""
        return "not-applied" if self.kind in ("partitions", "replication-factor") else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "level": self.level,
            "risk": self.risk,
            "topic": self.topic,
            "key": self.key,
            "planned": self.planned,
            "actual": self.actual,
            "action": self.action,
            "message": self.message,
        }


@record(frozen=False)
class Plan:
    target: str
    snapshot: Snapshot
    topics: list[PlannedTopic]
    prefix: str
    changes: list[Change] = field(default_factory=list)

    @property
    def errors(self) -> list[Change]:
        return [c for c in self.changes if c.level == "error"]

    @property
    def drift(self) -> list[Change]:
        return [c for c in self.changes if c.level != "info"]

    def actions(self) -> list[Change]:
        return [c for c in self.changes if c.action is not None]


def planned_topics(compiled: Compiled, env: Mapping[str, str]) -> list[PlannedTopic]:
    """The compiled topic plan with its run-time placeholders filled from the environment."""
    missing: dict[str, list[str]] = {}
    found: list[PlannedTopic] = []

    def value(text: Any, where: str) -> str:
        filled, names = fill(str(text), env)
        for name in names:
            missing.setdefault(name, []).append(where)
        return filled

    for topic in compiled.topics:
        name = value(topic.name, f"the name of topic {topic.key}")
        numbers: list[int] = []
        for label, raw in (("partitions", topic.partitions), ("replication-factor", topic.replication_factor)):
            text = value(raw, f"{label} of {topic.key}")
            number = parse_int(text)
            if number is None and text and not missing:
                raise ClusterError(f"{label} of topic {topic.key} is '{text}', not a whole number")
            numbers.append(number if number is not None else 0)
        configs = {k: value(v, f"{k} of {topic.key}") for k, v in topic.properties.items()}
        found.append(PlannedTopic(topic.key, name, numbers[0], numbers[1], configs))
    if missing:
        names = ", ".join(f"{n} ({', '.join(dict.fromkeys(w))})" for n, w in sorted(missing.items()))
        raise ClusterError(f"the topic plan of {compiled.target} needs environment variables that are not set: {names}")
    return found


def _kafka_defaults(compiled: Compiled) -> dict[str, Any]:
    kafka = compiled.kestra.get("kafka")
    defaults = kafka.get("defaults") if isinstance(kafka, dict) else None
    return defaults if isinstance(defaults, dict) else {}


def prefixes(compiled: Compiled, env: Mapping[str, str]) -> tuple[str, str]:
    """The topic prefix and the consumer prefix (Streams application ids start with it)."""
    defaults = _kafka_defaults(compiled)
    topic = fill(str(defaults.get("topic-prefix", "kestra_")), env)[0]
    consumer = fill(str(defaults.get("consumer-prefix", "kestra_")), env)[0]
    return topic, consumer


def _items(text: str) -> set[str]:
    return {item.strip() for item in text.split(",") if item.strip()}


def same_value(key: str, planned: str, actual: str | None) -> bool:
    if actual is None:
        return False
    if key in LIST_KEYS:
        return {p.strip() for p in planned.split(",") if p.strip()} == {
            a.strip() for a in actual.split(",") if a.strip()
        }
    if planned.strip().lower() in ("true", "false"):
        return planned.strip().lower() == actual.strip().lower()
    return planned.strip() == actual.strip()


def cluster_changes(compiled: Compiled, snapshot: Snapshot, topics: list[PlannedTopic]) -> list[Change]:
    """Broker count and Kafka version against cluster.brokers, cluster.kafka-version and every replication factor."""
    changes: list[Change] = []
    cluster = compiled.tool.get("cluster")
    cluster = cluster if isinstance(cluster, dict) else {}
    live = len(snapshot.brokers)
    declared = parse_int(str(cluster.get("brokers"))) if cluster.get("brokers") is not None else None
    if declared is not None and declared != live:
        changes.append(
            Change(
                "cluster",
                "info",
                None,
                "brokers",
                str(declared),
                str(live),
                f"cluster.brokers says {declared}; the cluster lists {live} (validate --cluster checks with {live})",
            )
        )
    version = cluster.get("kafka-version")
    if isinstance(version, str) and snapshot.release is not None and not snapshot.release.covers(version):
        changes.append(
            Change(
                "cluster",
                "info",
                None,
                "kafka-version",
                version,
                snapshot.release.text(),
                f"cluster.kafka-version says {version}; the brokers answer as Kafka {snapshot.release.text()}",
            )
        )
    for key, values in snapshot.broker_differences.items():
        shown = ", ".join(f"broker {b} {'unset' if v is None else v}" for b, v in values.items())
        changes.append(
            Change(
                "cluster",
                "info",
                None,
                key,
                None,
                shown,
                f"the brokers disagree on {key} ({shown}): what a topic gets depends on its partitions' leaders",
            )
        )
    too_high = [t for t in topics if t.replication_factor > live]
    for topic in too_high:
        changes.append(
            Change(
                "cluster",
                "error",
                topic.name,
                "replication-factor",
                str(topic.replication_factor),
                str(live),
                f"replication factor {topic.replication_factor} is above the {live} broker(s) the "
                "cluster lists: Kafka cannot create it, and Kestra stops at start-up",
            )
        )
    return changes


def build(compiled: Compiled, snapshot: Snapshot, topics: list[PlannedTopic], env: Mapping[str, str]) -> Plan:
    prefix, consumer_prefix = prefixes(compiled, env)
    plan = Plan(compiled.target, snapshot, topics, prefix)
    plan.changes.extend(cluster_changes(compiled, snapshot, topics))
    names = {t.name for t in topics}
    for topic in topics:
        live = snapshot.topics.get(topic.name)
        if live is None:
            shown = ", ".join(f"{k}={v}" for k, v in sorted(topic.configs.items()))
            size = (
                f"{_count(topic.partitions, 'partitions', 'num.partitions')}, replication factor "
                f"{_count(topic.replication_factor, '', 'default.replication.factor')}"
            )
            plan.changes.append(
                Change(
                    "create",
                    "drift",
                    topic.name,
                    None,
                    f"{topic.partitions} partitions, replication factor {topic.replication_factor}",
                    None,
                    size + (f", {shown}" if shown else ""),
                    "create",
                )
            )
            continue
        # -1 asks the brokers for their default (num.partitions, default.replication.factor): compare with it
        compared = replace(
            topic,
            partitions=_broker_default(topic.partitions, "num.partitions", snapshot, live.partitions),
            replication_factor=_broker_default(
                topic.replication_factor, "default.replication.factor", snapshot, live.replication_factor
            ),
        )
        plan.changes.extend(_topic_changes(compared, live.partitions, live.replication_factor, live.configs or {}))
    for name in sorted(snapshot.topics):
        if name in names or not name.startswith(prefix) or name.startswith("__"):
            continue
        live = snapshot.topics[name]
        message = f"under the prefix '{prefix}' but not in the plan (kkc never deletes a topic)"
        level: Level = "drift"
        if name.startswith(consumer_prefix) and name.endswith(STREAMS_INTERNAL):
            # Kafka Streams creates its internal topics itself (<application.id>-...-changelog): no drift.
            level = "info"
            message += "; named like a Kafka Streams internal topic of Kestra, which Streams creates itself"
        size = f"{live.partitions} partitions, replication factor {live.replication_factor}"
        plan.changes.append(Change("orphan", level, name, None, None, size, message))
    return plan


def _broker_default(planned: int, key: str, snapshot: Snapshot, actual: int) -> int:
    """The number a planned -1 stands for: the brokers' setting, or what the topic has when it is not known."""
    if planned != -1:
        return planned
    found = parse_int(snapshot.broker_value(key) or "")
    return found if found is not None else actual


def _count(value: int, noun: str, key: str) -> str:
    if value == -1:
        return f"the brokers' default{' ' + noun if noun else ''} ({key})"
    return f"{value} {noun}".rstrip()


def _topic_changes(topic: PlannedTopic, partitions: int, replication: int, configs: Mapping[str, Any]) -> list[Change]:
    changes: list[Change] = []
    if partitions != topic.partitions:
        more = topic.partitions > partitions
        why = (
            "Kestra will not change it; kkc apply --allow-partition-increase adds them"
            if more
            else "Kestra will not change it, and Kafka cannot decrease partitions"
        )
        changes.append(
            Change(
                "partitions",
                "drift",
                topic.name,
                "partitions",
                str(topic.partitions),
                str(partitions),
                f"{partitions} partitions, the plan says {topic.partitions} ({why})",
                "add-partitions" if more else None,
            )
        )
    if replication != topic.replication_factor:
        changes.append(
            Change(
                "replication-factor",
                "drift",
                topic.name,
                "replication-factor",
                str(topic.replication_factor),
                str(replication),
                f"replication factor {replication}, the plan says {topic.replication_factor} (Kestra "
                "will not change it; a partition reassignment does)",
            )
        )
    for key, planned in sorted(topic.configs.items()):
        live = configs.get(key)
        if live is None:
            changes.append(
                Change(
                    "config",
                    "drift",
                    topic.name,
                    key,
                    planned,
                    None,
                    f"{key}: the broker does not know it",
                    "set-config",
                )
            )
            continue
        if live.explicit and same_value(key, planned, live.value):
            continue
        if live.sensitive:
            continue  # its value is not shown; kkc cannot tell
        where = live.describe()
        if live.explicit:
            message = f"{key}: {live.value} is set on the topic, the plan says {planned}"
        elif not same_value(key, planned, live.value):
            message = f"{key}: {live.value} from {where}, the plan sets {planned} on the topic"
        else:
            message = f"{key}: {live.value} comes from {where}, not set on the topic as planned (it changes with them)"
        changes.append(Change("config", "drift", topic.name, key, planned, live.value, message, "set-config"))
    for key in sorted(configs):
        live = configs[key]
        if live.explicit and key not in topic.configs:
            value = "(sensitive)" if live.sensitive else live.value
            changes.append(
                Change(
                    "extra-config",
                    "drift",
                    topic.name,
                    key,
                    None,
                    value,
                    f"{key}={value} is set on the topic but not in the plan (kkc apply leaves it; Kestra replaces "
                    "the topic's whole config set when it next pushes its configs)",
                )
            )
    return changes
