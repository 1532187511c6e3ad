"""Which Kafka cluster a target uses, and whether two targets use the same one.

The one definition every part of kkc applies (the shared-cluster rule, `kkc diff`): two targets share
a cluster when their bootstrap servers overlap, or when they declare the same `cluster.name` and no
bootstrap servers say otherwise. Bootstrap servers say otherwise when both targets list every server
at compile time and none is common: a `cluster.name` inherited from `config.yaml` by an environment
that points its clients at other brokers names no shared cluster. A run-time placeholder in
`bootstrap.servers` hides that entry; the others still count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Literal

from compiler.model import Compiled
from compiler.placeholders import PlaceholderSyntaxError, find
from compiler.records import record

Relation = Literal["same", "different", "unknown"]
_HIDDEN = "\x00"  # stands for a run-time placeholder while the entries are split


@record
class Cluster:
    """What identifies a target's Kafka cluster."""

    name: str | None  # cluster.name, when declared
    servers: frozenset[str]  # the bootstrap servers known at compile time, lower-cased
    complete: bool  # `servers` is every bootstrap server (none is known only at run time), and not empty
    linked: frozenset[str] = frozenset()  # `servers` and those of other targets that overlap them

    @property
    def reach(self) -> frozenset[str]:
        return self.linked or self.servers


def bootstrap_entries(value: Any) -> tuple[frozenset[str], bool]:
    """The host:port entries of a bootstrap.servers value known at compile time, and whether that is all."""
    text = ",".join(map(str, value)) if isinstance(value, list) else ("" if value is None else str(value))
    try:
        placeholders = find(text)
    except PlaceholderSyntaxError:
        return frozenset(), False
    for placeholder in reversed(placeholders):
        text = text[: placeholder.start] + _HIDDEN + text[placeholder.end :]
    entries = [e.strip().lower() for e in text.split(",") if e.strip()]
    known = frozenset(e for e in entries if _HIDDEN not in e)
    return known, bool(known) and len(known) == len(set(entries))


def cluster_of(name: Any, bootstrap: Any) -> Cluster:
    servers, complete = bootstrap_entries(bootstrap)
    return Cluster(name if isinstance(name, str) and name else None, servers, complete)


def linked(clusters: Sequence[Cluster]) -> list[Cluster]:
    """Each cluster with the servers of every other one its servers overlap, directly or through others:
    bootstrap servers that overlap are brokers of one cluster."""
    parent = list(range(len(clusters)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[str, int] = {}
    for index, cluster in enumerate(clusters):
        for server in cluster.servers:
            parent[root(index)] = root(first.setdefault(server, index))
    reach: dict[int, set[str]] = {}
    for index, cluster in enumerate(clusters):
        reach.setdefault(root(index), set()).update(cluster.servers)
    return [replace(c, linked=frozenset(reach[root(i)])) for i, c in enumerate(clusters)]


def relation(a: Cluster, b: Cluster) -> tuple[Relation, str]:
    """Whether `a` and `b` are one cluster, with the evidence in words."""
    direct = a.servers & b.servers
    if direct:
        plural = "s" if len(direct) > 1 else ""
        return "same", f"bootstrap server{plural} {', '.join(sorted(direct))}"
    if a.reach & b.reach:
        return "same", "bootstrap servers that other targets share with both"
    if a.complete and b.complete:
        return "different", "no bootstrap server in common"
    if a.name is not None and b.name is not None:
        if a.name == b.name:
            return "same", f"cluster.name '{a.name}'"
        return "different", f"cluster.name '{a.name}' and '{b.name}'"
    return "unknown", "no cluster.name, and bootstrap servers known only at run time"


_DEPLOYED = ("compose ", "helm-values ", "manifest ")  # the kinds of layers read from where Kestra is deployed


def target_cluster(compiled: Compiled) -> Cluster:
    """The cluster of a compiled target: its cluster.name and the bootstrap servers its clients get.

    In a compose file, Helm values or a manifest, a host name without a dot (`kafka:9092`) is a service
    of that deployment's own network (the compose project's, the Kubernetes namespace's): the same name in
    another deployment is another broker, so it only identifies a cluster within its deployment."""
    cluster = compiled.tool.get("cluster")
    name = cluster.get("name") if isinstance(cluster, dict) else None
    found = cluster_of(name, compiled.clients.get("admin", {}).get("bootstrap.servers"))
    deployment = next((layer.label for layer in compiled.layers if layer.kind.startswith(_DEPLOYED)), None)
    if deployment is None:
        return found
    servers = frozenset(f"{s} (in {deployment})" if _local_host(s) else s for s in found.servers)
    return replace(found, servers=servers)


def _local_host(entry: str) -> bool:
    host = entry.rsplit(":", 1)[0].strip("[]")
    return "." not in host and ":" not in host
