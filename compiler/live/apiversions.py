"""Which Kafka release a live cluster runs, from the API versions its brokers answer.

Kafka has no request that says a broker's release, but every client starts with ApiVersions, and
each release raises the highest version of a few APIs. `compiler/data/kafka-api-versions.json`
(built by tools/build_api_versions.py from each release's own jar) holds what a broker of each
release of kkc's catalog answers; a broker runs the newest release whose raises it answers. Two
releases that raised nothing between them (3.3 and 3.4) cannot be told apart: the answer is then
a range. APIs from 68 on (the new consumer, share and streams groups) are left out: a cluster turns
them on with features, so a broker of one release may answer them or not.

librdkafka reports the answer in its debug log (`debug=feature`), one line per API:
`<broker>:   ApiKey Produce (0) Versions 0..13`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources

from compiler.records import record

FEATURE_GATED_FROM = 68
_LINE = re.compile(r"(?P<broker>\S+):\s+ApiKey \S+ \((?P<key>\d+)\) Versions (?P<min>\d+)\.\.(?P<max>\d+)")


@record
class LiveVersion:
    """The releases of kkc's catalog a broker answers like (`low` to `high`, oldest first)."""

    low: str
    high: str
    newer: bool = False  # it answers versions no release kkc knows does: a later release
    older: bool = False  # it lacks versions 3.0 has: an earlier release

    def text(self) -> str:
        if self.newer:
            return f"{self.high} or later"
        if self.older:
            return f"{self.low} or earlier"
        return self.low if self.low == self.high else f"{self.low} or {self.high}"

    def covers(self, version: str) -> bool:
        from compiler.catalog import KNOWN_VERSIONS

        if version not in KNOWN_VERSIONS:
            return False
        index = KNOWN_VERSIONS.index(version)
        return KNOWN_VERSIONS.index(self.low) <= index <= KNOWN_VERSIONS.index(self.high)


@cache
def tables() -> dict[str, dict[int, int]]:
    """Release -> API key -> the highest stable version its brokers answer (APIs below 68 only)."""
    text = resources.files("compiler").joinpath("data/kafka-api-versions.json").read_text(encoding="utf-8")
    doc = json.loads(text)
    return {
        version: {int(k): int(v) for k, v in table.items() if int(k) < FEATURE_GATED_FROM}
        for version, table in doc["versions"].items()
    }


def raises(version: str) -> dict[int, int]:
    """The API versions `version` raised over the release before it (all of them for the first)."""
    order = list(tables())
    table = tables()[version]
    index = order.index(version)
    if index == 0:
        return dict(table)
    before = tables()[order[index - 1]]
    return {k: v for k, v in table.items() if v > before.get(k, -1)}


def release_of(answered: Mapping[int, int]) -> LiveVersion | None:
    """The releases a broker that answered `answered` (API key -> highest version) runs; None: nothing answered."""
    core = {k: v for k, v in answered.items() if k < FEATURE_GATED_FROM}
    if not core:
        return None
    order = list(tables())
    reached: list[str] = []
    for version in order:
        raised = raises(version)
        # a release that raised nothing answers as the one before it: reached only with it
        if all(core.get(k, -1) >= m for k, m in raised.items()) and (
            raised or reached[-1:] == [order[order.index(version) - 1]]
        ):
            reached.append(version)
    if not reached:
        return LiveVersion(order[0], order[0], older=True)
    best = reached[-1]
    alike = [v for v in order if tables()[v] == tables()[best]]
    newer = best == order[-1] and any(core.get(k, -1) > m for k, m in tables()[best].items())
    newer = newer or any(k not in tables()[best] for k in core) and best == order[-1]
    return LiveVersion(alike[0], alike[-1], newer=newer)


def parse_log(lines: Iterable[str]) -> dict[str, dict[int, int]]:
    """librdkafka's `debug=feature` lines -> broker -> API key -> the highest version it answered."""
    found: dict[str, dict[int, int]] = {}
    for line in lines:
        match = _LINE.search(line)
        if match:
            found.setdefault(match["broker"], {})[int(match["key"])] = int(match["max"])
    return found


def cluster_release(answers: Mapping[str, Mapping[int, int]]) -> LiveVersion | None:
    """The release of a cluster whose brokers answered `answers`: the oldest broker's, the one that
    decides what every client may use (a cluster in a rolling upgrade answers two)."""
    from compiler.catalog import KNOWN_VERSIONS

    found = [v for v in (release_of(a) for a in answers.values()) if v is not None]
    if not found:
        return None
    return min(found, key=lambda v: (KNOWN_VERSIONS.index(v.low), not v.older))
