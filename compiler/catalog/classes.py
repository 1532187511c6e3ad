"""The classes of Kafka's own packages in each Kafka version (from the jars, tools/build_class_list.py).

A configured class name under ``org.apache.kafka.`` that the target version does not have cannot be
loaded: Kafka fails when it parses the config (a CLASS key) or creates the client (a list of
classes such as interceptor.classes). Names in other packages are the user's own, on their classpath.
"""

from __future__ import annotations

import difflib
import gzip
import json
from functools import cache
from importlib import resources

KAFKA_PACKAGE = "org.apache.kafka."
# LIST keys whose items are class names, loaded when the client is created.
CLASS_LISTS = frozenset({"interceptor.classes", "metric.reporters", "partition.assignment.strategy"})


@cache
def _classes() -> tuple[tuple[str, ...], dict[str, int]]:
    raw = (resources.files("compiler") / "data" / "kafka-classes.json.gz").read_bytes()
    doc = json.loads(gzip.decompress(raw))
    return tuple(doc["versions"]), doc["classes"]


def _bit(kafka_version: str) -> int:
    versions = _classes()[0]
    return 1 << versions.index(kafka_version if kafka_version in versions else versions[-1])


@cache
def classes_of(kafka_version: str) -> frozenset[str]:
    bit = _bit(kafka_version)
    return frozenset(name for name, mask in _classes()[1].items() if mask & bit)


def missing_class(name: str, kafka_version: str) -> str | None:
    """Why Kafka cannot load `name` in `kafka_version` (with a suggestion), or None when it can or may."""
    if not name.startswith(KAFKA_PACKAGE):
        return None
    versions, masks = _classes()
    if masks.get(name, 0) & _bit(kafka_version):
        return None
    found_in = [v for bit, v in enumerate(versions) if masks.get(name, 0) & (1 << bit)]
    if found_in:
        later = [v for v in found_in if versions.index(v) > versions.index(kafka_version)]
        if later and later[0] == found_in[0]:
            return f"it is not in Kafka {kafka_version} (it arrived in Kafka {later[0]})"
        return f"it is not in Kafka {kafka_version} (its last version with it: {found_in[-1]})"
    close = _suggest(name, kafka_version)
    return f"no such class in Kafka {kafka_version}" + (f"; did you mean {close}?" if close else "")


def _suggest(name: str, kafka_version: str) -> str | None:
    """A class whose simple name is close to the one written, in the same package if one is."""
    package, _, simple = name.rpartition(".")
    by_simple = _by_simple_name(kafka_version)
    for candidate in difflib.get_close_matches(simple, list(by_simple), n=5, cutoff=0.8):
        full = by_simple[candidate]
        same = [f for f in full if f.rpartition(".")[0] == package]
        return (same or sorted(full, key=lambda f: -difflib.SequenceMatcher(None, f, name).ratio()))[0]
    return None


@cache
def _by_simple_name(kafka_version: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for full in sorted(classes_of(kafka_version)):
        out.setdefault(full.rpartition(".")[2], []).append(full)
    return out
