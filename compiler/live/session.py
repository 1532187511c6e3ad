"""One run against live clusters: connect per target, read the cluster, plan, apply, and say it as text or JSON.

What `kkc plan`, `kkc apply` and `kkc validate --cluster` share. No message quotes a secret: every
text that leaves here went through the connection's mask.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from compiler.errors import ClusterError
from compiler.live.connection import Connection, read_properties, translate
from compiler.live.plan import Change, Plan, PlannedTopic, build, planned_topics
from compiler.records import record

if TYPE_CHECKING:
    from compiler.live.client import Admin, Refused
    from compiler.model import Compiled

DEFAULT_TIMEOUT_S = 15.0


@record
class Connect:
    """--bootstrap, --command-config, --timeout."""

    bootstrap: str | None = None
    command_config: Path | None = None
    timeout: float = DEFAULT_TIMEOUT_S


def connection(compiled: Compiled, how: Connect, env: Mapping[str, str]) -> Connection:
    admin = compiled.clients.get("admin", {})
    overlay = read_properties(how.command_config) if how.command_config is not None else None
    source = f"the admin properties of {compiled.target}"
    if how.command_config is not None:
        source += f" with {how.command_config}"
    return translate(admin, env, bootstrap=how.bootstrap, overlay=overlay, source=source)


@record(frozen=False)
class Session:
    """Targets and their connections; one client per distinct connection."""

    how: Connect
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    _admins: dict[tuple[tuple[str, str], ...], Admin] = field(default_factory=dict)

    def admin(self, compiled: Compiled) -> Admin:
        from compiler.live.client import Admin

        conn = connection(compiled, self.how, self.env)
        found = self._admins.get(conn.key())
        if found is None:
            found = self._admins[conn.key()] = Admin(conn, self.how.timeout)
        return found

    def plan(self, compiled: Compiled) -> tuple[Plan, Admin]:
        topics = planned_topics(compiled, self.env)
        admin = self.admin(compiled)
        plan, verdicts = self._read(compiled, admin, topics)
        lagging = [n for n, r in verdicts.items() if r is not None and r.name == "TOPIC_ALREADY_EXISTS"]
        if lagging:
            # The broker that answered the metadata request has not yet learnt of a topic the
            # controller knows (just created, or it just restarted): wait for it, then read again.
            for name in lagging:
                admin.visible(name, 1, f"reading {name}, which the controller says exists")
            plan, verdicts = self._read(compiled, admin, topics)
        flagged = {c.topic for c in plan.errors}
        for name, refused in verdicts.items():
            if refused is not None and name not in flagged:
                message = f"the brokers refuse to create it: {admin.hide(str(refused))}"
                plan.changes.append(Change("cluster", "error", name, None, None, None, message))
        return plan, admin

    def _read(
        self, compiled: Compiled, admin: Admin, topics: list[PlannedTopic]
    ) -> tuple[Plan, dict[str, Refused | None]]:
        """The plan against one snapshot, and the brokers' own verdict on each topic to create
        (CreateTopics with validate_only: nothing is created)."""
        snapshot = admin.snapshot(t.name for t in topics)
        plan = build(compiled, snapshot, topics, self.env)
        missing = {t.name: t for t in topics if t.name not in snapshot.topics}
        checkable = {n: (t.partitions, t.replication_factor, t.configs) for n, t in missing.items()}
        return plan, admin.validate_new(checkable)


# --- applying --------------------------------------------------------------------------------------


@record(frozen=False)
class Applied:
    done: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    not_done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # reported only: apply does not make these changes


def apply(plan: Plan, admin: Admin, allow_partition_increase: bool, out: TextIO) -> Applied:
    """Make the plan's changes one topic at a time, saying each as it is done; stop at the first failure."""
    result = Applied()
    by_topic: dict[str, list[Change]] = {}
    for change in plan.actions():
        if change.action == "add-partitions" and not allow_partition_increase:
            result.skipped.append(
                f"{change.topic}: partitions {change.actual} -> {change.planned} (needs --allow-partition-increase)"
            )
            continue
        by_topic.setdefault(change.topic or "", []).append(change)
    planned = {t.name: t for t in plan.topics}
    steps = list(by_topic.items())
    for index, (name, changes) in enumerate(steps):
        try:
            said = _apply_topic(admin, planned[name], changes)
        except ClusterError as error:
            result.failed.append(f"{name}: {error.message}")
            out.write(f"  failed   {name}: {error.message}\n")
            out.flush()
            result.not_done.extend(what(n, c) for n, later in steps[index + 1 :] for c in later)
            break
        result.done.append(said)
        out.write(f"  done     {said}\n")
        out.flush()
    return result


def what(name: str, change: Change) -> str:
    if change.action == "create":
        return f"create {name}"
    if change.action == "add-partitions":
        return f"partitions of {name} -> {change.planned}"
    return f"{change.key} on {name}"


def _apply_topic(admin: Admin, topic: PlannedTopic, changes: list[Change]) -> str:
    if any(c.action == "create" for c in changes):
        admin.create_topic(topic.name, topic.partitions, topic.replication_factor, topic.configs)
        return f"created {topic.name} ({topic.partitions} partitions, replication factor {topic.replication_factor})"
    said: list[str] = []
    values = {c.key: topic.configs[c.key] for c in changes if c.action == "set-config" and c.key is not None}
    if values:
        admin.set_configs(topic.name, values)
        said.append("set " + ", ".join(f"{k}={v}" for k, v in sorted(values.items())))
    grow = [c for c in changes if c.action == "add-partitions"]
    if grow:
        admin.add_partitions(topic.name, topic.partitions)
        said.append(f"partitions -> {topic.partitions}")
    return f"{topic.name}: " + "; ".join(said)


# --- output ----------------------------------------------------------------------------------------

SECTIONS = (  # heading, mark, which changes
    ("errors (the plan cannot be created on this cluster):", "!", lambda c: c.level == "error"),
    (
        "cluster facts (kkc validate --cluster checks with the cluster's):",
        "~",
        lambda c: c.kind == "cluster" and c.level == "info",
    ),
    ("to create:", "+", lambda c: c.kind == "create"),
    ("configs:", "~", lambda c: c.kind in ("config", "extra-config")),
    ("not-applied (Kestra never changes them on an existing topic):", "!", lambda c: c.risk == "not-applied"),
    ("orphans:", "?", lambda c: c.kind == "orphan"),
)


def render_text(plan: Plan) -> str:
    s = plan.snapshot
    release = f"Kafka {s.release.text()}" if s.release is not None else "Kafka version unknown"
    target = f" {plan.target}" if plan.target else ""
    lines = [f"kkc plan{target}: {s.bootstrap} (cluster {s.cluster_id}, {len(s.brokers)} brokers, {release})"]
    for heading, mark, chosen in SECTIONS:
        changes = [c for c in plan.changes if chosen(c)]
        if changes:
            lines.append(heading)
        if mark == "!" and heading.startswith("errors"):
            lines.extend(f"  {mark} {line}" for line in _grouped(changes, len(plan.topics)))
            continue
        for change in changes:
            where = f"{change.topic}: " if change.topic else ""
            lines.append(f"  {mark} {where}{change.message}")
    if not plan.drift:
        lines.append(f"in sync: {len(plan.topics)} topics as planned")
    lines.append("summary: " + summary_text(plan))
    return "\n".join(lines) + "\n"


def _grouped(changes: list[Change], planned: int) -> list[str]:
    """One line per message: the same error for every topic (a replication factor above the brokers) is said once."""
    topics: dict[str, list[str]] = {}
    for change in changes:
        topics.setdefault(change.message, []).append(change.topic or "")
    lines = []
    for message, names in topics.items():
        named = [n for n in names if n]
        if len(named) > 1 and len(named) == planned:
            lines.append(f"all {planned} planned topics: {message}")
        elif named:
            lines.append(f"{', '.join(named)}: {message}")
        else:
            lines.append(message)
    return lines


def counts(plan: Plan) -> dict[str, int]:
    found = {k: 0 for k in ("error", "create", "config", "partitions", "replication-factor", "orphan", "extra-config")}
    for change in plan.drift:
        key = "error" if change.level == "error" else change.kind
        if key in found:
            found[key] += 1
    found["cluster"] = sum(1 for c in plan.changes if c.kind == "cluster" and c.level == "info")
    return found


def summary_text(plan: Plan) -> str:
    c = counts(plan)
    parts = [
        (c["error"], "error", "errors"),
        (c["cluster"], "cluster fact differs", "cluster facts differ"),
        (c["create"], "topic to create", "topics to create"),
        (c["config"], "config to set", "configs to set"),
        (c["extra-config"], "config not in the plan", "configs not in the plan"),
        (c["partitions"] + c["replication-factor"], "not-applied", "not-applied"),
        (c["orphan"], "orphan", "orphans"),
    ]
    said = [f"{n} {one if n == 1 else many}" for n, one, many in parts if n]
    return ", ".join(said) if said else "nothing to change"


def plan_dict(plan: Plan) -> dict[str, Any]:
    s = plan.snapshot
    return {
        "target": plan.target,
        "cluster": {
            "bootstrap": s.bootstrap,
            "id": s.cluster_id,
            "brokers": len(s.brokers),
            "kafka-version": None if s.release is None else s.release.text(),
        },
        "in-sync": not plan.drift,
        "changes": [c.to_dict() for c in plan.changes],
        "summary": counts(plan),
    }


def write_json(doc: Any) -> None:
    sys.stdout.write(json.dumps(doc, indent=2) + "\n")
