"""`kkc diff`: what a promotion really changes in Kafka, with the risk of each change.

Both sides are reduced to the same snapshot: prefixes, the client properties (`client`), what
each client type gets on top of them (`consumer`, `producer`, `streams`), and the topic plan.
A side is a compiled target or a directory written by `kkc compile --out`.

Renames, shorter retentions and settings Kafka never applies to existing topics are risks only for
topics that exist: on the same cluster. When the sides are on different clusters (compiler/cluster.py
decides), the change of cluster is reported once and the topic differences are that cluster's own.
When kkc cannot tell, it assumes the same cluster, where those risks are real.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from compiler.cluster import Cluster, cluster_of, relation
from compiler.errors import UsageError
from compiler.keys import ROLES
from compiler.model import Compiled
from compiler.records import record
from compiler.secrets import MASK, is_secret_key
from compiler.values import as_text

Snapshot = dict[str, dict[str, str]]
SECTIONS = ("prefixes", "client", "consumer", "producer", "streams", "topics", "message-protection")
RISKS = ("data-loss", "not-applied", "breaking", "safe")
_BREAKING_KEYS = {
    "processing.guarantee": "exactly-once and at-least-once applications cannot share state; Streams must be reset",
    "security.protocol": "clients must speak the new protocol and the brokers must listen for it",
    "bootstrap.servers": "clients connect to another cluster: topics, offsets and state there may differ",
    "sasl.mechanism": "the brokers must enable the new SASL mechanism and hold credentials for it",
}
_INFINITE = float("inf")
_ELSEWHERE = {
    "topic-prefix": "on another cluster: Kestra creates its topics there under this prefix; nothing is renamed",
    "consumer-prefix": "on another cluster: its consumer groups and Streams state are its own; nothing is lost",
    "replication.factor": "on another cluster: Kafka Streams creates its internal topics there with it",
    "topics": "on another cluster: that cluster's topics are created with it; no existing topic changes",
}


@record
class Change:
    section: str
    key: str
    old: str | None
    new: str | None
    risk: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "key": self.key,
            "old": self.old,
            "new": self.new,
            "risk": self.risk,
            "reason": self.reason,
        }


def _role_only(effective: dict[str, str], client: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in effective.items() if client.get(k) != v}


def _snapshot(
    prefixes: dict[str, str],
    clients: dict[str, dict[str, str]],
    topics: list[dict[str, Any]],
    protection: dict[str, str],
    cluster_name: str | None = None,
) -> Snapshot:
    client = clients.get("admin", {})
    snap: Snapshot = {"prefixes": prefixes, "client": dict(client), "message-protection": protection}
    # Not compared key by key: it tells whether the two sides are one cluster (a directory has no name).
    snap["cluster-identity"] = {"name": cluster_name} if cluster_name else {}
    for role in ("consumer", "producer", "streams"):
        snap[role] = _role_only(clients.get(role, {}), client)
    flat: dict[str, str] = {}
    for topic in topics:
        key = str(topic["key"])
        flat[f"{key}.name"] = as_text(topic.get("name"))
        flat[f"{key}.partitions"] = as_text(topic.get("partitions"))
        flat[f"{key}.replication-factor"] = as_text(topic.get("replication-factor"))
        for prop, value in (topic.get("properties") or {}).items():
            flat[f"{key}.properties.{prop}"] = as_text(value)
        retention = topic.get("retention") or {}
        if "ms" in retention:
            flat[f"{key}.retention.effective-ms"] = as_text(retention["ms"])
    snap["topics"] = flat
    return snap


def from_compiled(compiled: Compiled) -> Snapshot:
    defaults = (
        compiled.kestra.get("kafka", {}).get("defaults", {}) if isinstance(compiled.kestra.get("kafka"), dict) else {}
    )
    prefixes = {k: as_text(defaults.get(k)) for k in ("topic-prefix", "consumer-prefix") if isinstance(defaults, dict)}
    kafka = compiled.kestra.get("kafka") or {}
    protection = kafka.get("message-protection") or {} if isinstance(kafka, dict) else {}
    cluster = compiled.tool.get("cluster")
    name = cluster.get("name") if isinstance(cluster, dict) else None
    return _snapshot(
        prefixes,
        compiled.clients,
        [t.to_dict() for t in compiled.topics],
        {k: as_text(v) for k, v in protection.items()} if isinstance(protection, dict) else {},
        name if isinstance(name, str) else None,
    )


def from_directory(directory: Path, target: str = "") -> Snapshot:
    """A directory written by `kkc compile --out` (application-kafka.yml, *.properties, topics.yaml).

    `target` (the other side's id) names the folder to suggest when DIR is the --out root."""
    from compiler import properties
    from compiler.yamlload import load_file

    if not directory.is_dir():
        raise UsageError(f"--against {directory}: no such directory of compiled outputs (kkc compile --out writes one)")
    needed = [
        "application-kafka.yml",
        "topics.yaml",
        "admin.properties",
        "consumer.properties",
        "producer.properties",
        "streams.properties",
    ]
    missing = [n for n in needed if not (directory / n).is_file()]
    if missing:
        inside = sorted(p.parent for p in directory.glob("**/application-kafka.yml"))
        hint = ""
        if target and directory / target in inside:
            hint = f"; it holds the outputs of several targets: give the folder of one, --against {directory / target}"
        elif inside:
            shown = ", ".join(str(p) for p in inside[:4]) + (", ..." if len(inside) > 4 else "")
            hint = f"; it holds the outputs of several targets: give the folder of one ({shown})"
        raise UsageError(f"--against {directory}: missing {', '.join(missing)} (written by kkc compile --out){hint}")
    clients = {}
    for role in ROLES:
        path = directory / f"{role}.properties"
        clients[role] = {e.key: e.value for e in properties.parse(path.read_text("latin-1"), str(path))}
    app = load_file(directory / "application-kafka.yml").data
    kafka = (app.get("kestra") or {}).get("kafka") or {}
    defaults = kafka.get("defaults") or {}
    prefixes = {k: as_text(defaults.get(k)) for k in ("topic-prefix", "consumer-prefix")}
    protection = {k: as_text(v) for k, v in (kafka.get("message-protection") or {}).items()}
    topics = load_file(directory / "topics.yaml").data.get("topics") or []
    return _snapshot(prefixes, clients, topics, protection)


def _retention(value: str | None) -> float:
    if value in (None, ""):
        return _INFINITE
    try:
        number = int(str(value))
    except ValueError:
        return _INFINITE
    return _INFINITE if number < 0 else number


def _policy(snapshot: Snapshot, topic: str) -> set[str]:
    raw = snapshot["topics"].get(f"{topic}.properties.cleanup.policy", "delete")
    return {p.strip() for p in raw.split(",") if p.strip()}


def _topic_change(key: str, old: str | None, new: str | None, before: Snapshot, after: Snapshot) -> tuple[str, str]:
    topic, _, rest = key.partition(".")
    renamed = before["topics"].get(f"{topic}.name") != after["topics"].get(f"{topic}.name")
    exists = old is not None and new is not None
    if rest == "name" and exists:
        return "data-loss", "the topic is renamed: Kestra creates a new empty topic; the old one's data is orphaned"
    if rest in ("partitions", "replication-factor") and exists:
        if renamed:
            return "safe", "the renamed topic is created with it"
        what = "partitions" if rest == "partitions" else "the replication factor"
        fix = (
            "an increase needs kafka-topics.sh --alter --partitions; a decrease is impossible"
            if rest == "partitions"
            else "change it with kafka-reassign-partitions.sh"
        )
        return "not-applied", f"Kestra never changes {what} of an existing topic: {fix}"
    deletes = "delete" in _policy(after, topic)
    if rest in ("properties.retention.ms", "retention.effective-ms"):
        # what counts is the retention in force: an unset retention.ms means the broker's default
        was = before["topics"].get(f"{topic}.retention.effective-ms", old)
        now = after["topics"].get(f"{topic}.retention.effective-ms", new)
        if deletes and _retention(now) < _retention(was):
            return (
                "data-loss",
                f"retention shortened ({was or 'unset'} -> {now or 'unset'} ms): older records are deleted",
            )
        if not deletes:
            return "safe", "the topic is compact only: retention deletes nothing"
    if rest == "properties.retention.bytes" and deletes and _retention(new) < _retention(old):
        return (
            "data-loss",
            f"retention.bytes shortened ({old or 'unset'} -> {new or 'unset'}): older records are deleted",
        )
    if rest == "properties.cleanup.policy":
        was_policy, now_policy = _policy(before, topic), _policy(after, topic)
        if "compact" in was_policy and "compact" not in now_policy:
            return (
                "data-loss",
                "the topic stops being compacted: keyed state (latest value per key) is deleted by retention",
            )
        if "delete" in now_policy and "delete" not in was_policy:
            return "data-loss", "records older than the retention are now deleted (the topic kept them all before)"
    return "safe", "Kestra re-pushes topic properties at start-up"


def _cluster(snapshot: Snapshot) -> Cluster:
    return cluster_of(snapshot.get("cluster-identity", {}).get("name"), snapshot["client"].get("bootstrap.servers"))


def _moved(before: Snapshot, after: Snapshot) -> str:
    """Why another cluster is breaking, naming both clusters when they are named."""
    old, new = (_cluster(side).name for side in (before, after))
    names = f" (cluster.name '{old}' -> '{new}')" if old and new and old != new else ""
    return (
        f"clients connect to another cluster{names}: its topics, consumer offsets and Streams state are its own, "
        "so no prefix or topic difference renames or changes an existing topic"
    )


def _follows_prefix(key: str, old: str | None, new: str | None, before: Snapshot, after: Snapshot) -> bool:
    """A topic name change that only repeats the topic-prefix change."""
    if not key.endswith(".name") or old is None or new is None:
        return False
    was, now = before["prefixes"].get("topic-prefix", ""), after["prefixes"].get("topic-prefix", "")
    return was != now and old.startswith(was) and new.startswith(now) and old[len(was) :] == new[len(now) :]


def _classify(
    section: str, key: str, old: str | None, new: str | None, before: Snapshot, after: Snapshot, elsewhere: bool
) -> tuple[str, str]:
    if elsewhere:
        if section == "prefixes":
            return "safe", _ELSEWHERE[key]
        if section == "topics":
            return "safe", _ELSEWHERE["topics"]
        if section == "client" and key == "bootstrap.servers":
            return "breaking", _moved(before, after)
        if section == "streams" and key == "replication.factor":
            return "safe", _ELSEWHERE[key]
    if section == "prefixes":
        if key == "topic-prefix":
            return "data-loss", (
                "every topic without an explicit name is renamed: Kestra creates new empty topics "
                "and the old ones (flows, executions, triggers) are orphaned"
            )
        return "data-loss", (
            "consumer groups and Streams application ids change: offsets and Streams state are "
            "lost, instances start from scratch"
        )
    if section == "topics":
        return _topic_change(key, old, new, before, after)
    if key == "bootstrap.servers" and section == "client":
        was, now = cluster_of(None, old), cluster_of(None, new)
        if was.complete and was.servers == now.servers:
            return "safe", "the same brokers in another order"
        found, evidence = relation(was, now)
        if found == "same":
            return "safe", f"the same cluster ({evidence} on both sides): only the brokers clients contact first change"
    if section == "streams" and key == "replication.factor":
        return "not-applied", (
            "Kafka Streams creates its internal topics with it once: existing changelog and repartition topics "
            "keep their replication factor (change it with kafka-reassign-partitions.sh)"
        )
    if key in _BREAKING_KEYS and section in ("client", "consumer", "producer", "streams"):
        return "breaking", _BREAKING_KEYS[key]
    return "safe", "applied when Kestra restarts"


def _shown(section: str, key: str, value: str | None, show_secrets: bool) -> str | None:
    if value is None or show_secrets:
        return value
    name = key.rsplit(".properties.", 1)[-1]
    return MASK if is_secret_key(name) and value else value


def diff(before: Snapshot, after: Snapshot, show_secrets: bool = False) -> list[Change]:
    elsewhere = relation(_cluster(before), _cluster(after))[0] == "different"
    changes = []
    if elsewhere and before["client"].get("bootstrap.servers") == after["client"].get("bootstrap.servers"):
        # told apart by cluster.name alone (bootstrap servers known only at run time): the change of cluster
        old, new = _cluster(before).name, _cluster(after).name
        changes.append(Change("cluster", "name", old, new, "breaking", _moved(before, after)))
    for section in SECTIONS:
        old_map, new_map = before.get(section, {}), after.get(section, {})
        for key in sorted(set(old_map) | set(new_map)):
            old, new = old_map.get(key), new_map.get(key)
            if old == new:
                continue
            if key.endswith(".retention.effective-ms"):
                topic = key.split(".", 1)[0]
                prop = f"{topic}.properties.retention.ms"
                if old_map.get(prop) != new_map.get(prop):
                    continue  # the property's own change says it
            if elsewhere and section == "topics" and _follows_prefix(key, old, new, before, after):
                continue  # the topic-prefix change says it
            risk, reason = _classify(section, key, old, new, before, after, elsewhere)
            shown_old, shown_new = _shown(section, key, old, show_secrets), _shown(section, key, new, show_secrets)
            if shown_old == shown_new == MASK:
                shown_old, shown_new = MASK, f"{MASK} (changed)"
            changes.append(Change(section, key, shown_old, shown_new, risk, reason))
    return changes


def summary(changes: list[Change]) -> dict[str, int]:
    return {risk: sum(1 for c in changes if c.risk == risk) for risk in RISKS}


def render_text(changes: list[Change], old: str, new: str) -> str:
    """Changes by section; one line for the same topic change on several topics."""
    lines = [f"kkc diff {old} -> {new}"]
    if not changes:
        return lines[0] + "\nno differences\n"
    groups: dict[tuple[str, str, str | None, str | None, str, str], list[str]] = {}
    for change in changes:
        field, topic = change.key, ""
        if change.section == "topics":
            topic, _, field = change.key.partition(".")
        groups.setdefault((change.section, field, change.old, change.new, change.risk, change.reason), []).append(topic)
    section = None
    for (sec, field, before, after, risk, reason), topics in groups.items():
        if sec != section:
            section = sec
            lines.append(f"{sec}:")
        where = ""
        if sec == "topics":
            names = ", ".join(topics)
            where = f" on {topics[0]}" if len(topics) == 1 else f" on {len(topics)} topics ({names})"
        lines.append(f"  {field}: {_value(before)} -> {_value(after)}{where}")
        lines.append(f"      [{risk}] {reason}")
    counts = summary(changes)
    lines.append("summary: " + ", ".join(f"{counts[r]} {r}" for r in RISKS))
    return "\n".join(lines) + "\n"


def _value(value: str | None) -> str:
    if value is None:
        return "(unset)"
    return repr(value) if value == "" else value
