"""A live cluster's facts as the last layer of a target: `kkc validate --cluster` runs the same rules,
reading the broker count, the Kafka version and the brokers' settings as if they were declared under
`cluster:`; and says where the declared facts and the cluster disagree (`cluster-fact-differs`).
"""

from __future__ import annotations

from typing import Any

from compiler.catalog import KNOWN_VERSIONS
from compiler.diagnostics import Diagnostic, at
from compiler.errors import Origin
from compiler.keys import Path_
from compiler.live.state import Snapshot
from compiler.model import Compiled
from compiler.overrides import Override
from compiler.records import record
from compiler.values import parse_int

RULE = "cluster-fact-differs"
BROKERS_DIFFER = "cluster-brokers-differ"
# The brokers' settings kkc's rules read (cluster.broker-defaults) and the ones the issue names.
BROKER_KEYS = (
    "message.max.bytes",
    "min.insync.replicas",
    "default.replication.factor",
    "transaction.state.log.replication.factor",
    "transaction.state.log.min.isr",
    "auto.create.topics.enable",
    "transaction.max.timeout.ms",
    "group.min.session.timeout.ms",
    "group.max.session.timeout.ms",
    "remote.log.storage.system.enable",
    "log.retention.ms",
    "log.retention.minutes",
    "log.retention.hours",
    "num.partitions",
)


@record
class LiveFact(Override):
    """An override that says where it comes from: the live cluster."""

    source: str = ""

    @property
    def origin(self) -> Origin:
        return Origin(f"<live cluster {self.source}>", layer="override")


def facts(snapshot: Snapshot) -> dict[Path_, Any]:
    """Path under `cluster` -> the cluster's value."""
    found: dict[Path_, Any] = {("cluster", "brokers"): len(snapshot.brokers)}
    version = kafka_version(snapshot)
    if version is not None:
        found["cluster", "kafka-version"] = version
    for key in BROKER_KEYS:
        value = snapshot.broker_value(key)
        if value is not None:
            found["cluster", "broker-defaults", key] = value
    return found


def kafka_version(snapshot: Snapshot) -> str | None:
    """The version of kkc's catalog to check with: the oldest the brokers may run (3.3 for '3.3 or 3.4')."""
    release = snapshot.release
    if release is None:
        return None
    version = release.high if release.newer else release.low
    return version if version in KNOWN_VERSIONS else None


def overrides(snapshot: Snapshot, first_index: int) -> list[Override]:
    out: list[Override] = []
    for index, (path, value) in enumerate(facts(snapshot).items(), start=first_index):
        key = f"{path[0]}.{path[1]}" + (f"[{path[2]}]" if len(path) > 2 else "")
        text = f"++{key}={value}"
        out.append(LiveFact(text, text, index, "force", key, path, True, value, snapshot.bootstrap))
    return out


def differences(compiled: Compiled, snapshot: Snapshot) -> list[Diagnostic]:
    """Where the target's declared cluster facts and the live cluster disagree."""
    cluster = compiled.tool.get("cluster")
    cluster = cluster if isinstance(cluster, dict) else {}
    declared_defaults = cluster.get("broker-defaults")
    declared_defaults = declared_defaults if isinstance(declared_defaults, dict) else {}
    found: list[Diagnostic] = []
    where = f"the live cluster {snapshot.bootstrap}"
    for path, live in facts(snapshot).items():
        if path[1] == "broker-defaults":
            if path[2] not in declared_defaults:
                continue
            declared = declared_defaults[path[2]]
        elif path[1] in cluster:
            declared = cluster[path[1]]
        else:
            continue
        if _same(path, declared, live, snapshot):
            continue
        shown = _shown(path, live, snapshot)
        name = f"{path[0]}.{path[1]}" + (f".{path[2]}" if len(path) > 2 else "")
        message = (
            f"{name} is declared as {declared}, but {where} has {shown}: this run checks with the cluster's value; "
            f"correct {name} so that validation without --cluster checks the real cluster"
        )
        found.append(at(compiled.merged.origin(path), name, "error", RULE, message, compiled.target))
    for key, values in snapshot.broker_differences.items():
        shown = ", ".join(f"broker {b} {'unset' if v is None else v}" for b, v in values.items())
        checked = snapshot.broker_id
        message = (
            f"the brokers of {where} disagree on {key} ({shown}): this run checks with broker {checked}'s; what a "
            "client or topic meets depends on which broker leads its partitions: set it the same on every broker"
        )
        path = ("cluster", "broker-defaults", key)
        origin = compiled.merged.origin(path) or compiled.merged.origin(("cluster",))
        found.append(at(origin, f"cluster.broker-defaults.{key}", "warning", BROKERS_DIFFER, message, compiled.target))
    return found


def _same(path: Path_, declared: Any, live: Any, snapshot: Snapshot) -> bool:
    if path[1] == "kafka-version":
        return snapshot.release is None or snapshot.release.covers(str(declared))
    left, right = parse_int(str(declared)), parse_int(str(live))
    if left is not None and right is not None:
        return left == right
    return str(declared).strip().lower() == str(live).strip().lower()


def _shown(path: Path_, live: Any, snapshot: Snapshot) -> str:
    if path[1] == "brokers":
        return f"{live} broker(s)"
    if path[1] == "kafka-version" and snapshot.release is not None:
        return f"brokers that answer as Kafka {snapshot.release.text()}"
    return str(live)


def summary(snapshot: Snapshot) -> str:
    """One line of the facts read, for stderr."""
    parts = [f"{len(snapshot.brokers)} brokers"]
    if snapshot.release is not None:
        parts.append(f"Kafka {snapshot.release.text()}")
    parts += [f"{k}={snapshot.broker_value(k)}" for k in BROKER_KEYS if snapshot.broker_value(k) is not None]
    return ", ".join(parts)
