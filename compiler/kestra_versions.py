"""Which Kestra it is: what each Kestra version binds and ships (facts: kestra-versions.md).

Up to 0.6 the Kafka runner was open source, its 15 topic keys exact. From 0.7 it is Enterprise-only
and uses more topics than are public, so an unknown topic key cannot be judged a mistake. The Kafka
client each release ships is public for 0.4-0.6, 0.18-0.20 and the 2.0-era code; between those it
is a range, and a verdict that differs across the range depends on a fact the user did not declare.
The open-source classes of 0.4-0.20 (for `cls` values) come from tools/build_kestra_classes.py.
"""

from __future__ import annotations

import gzip
import json
import re
from functools import cache
from importlib import resources

from compiler.records import record

DEFAULT = "1.3"  # the current long-term Enterprise release (Helm chart appVersion v1.3.15, 2026-04)
OLDEST = (0, 4)  # the 15 topic keys and the executor changelog name are fixed from 0.4.0
_VERSION = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?$")


@record
class ClientBand:
    first: tuple[int, int]
    last: tuple[int, int]
    kafka: tuple[str, str]  # the lowest and highest Kafka client the band may ship (catalog versions)
    evidence: str


# The kafka-clients version in Kestra's build: gradle.properties (0.4-0.6) or platform/build.gradle
# (0.18 on). 0.7-0.17 built the Kafka runner only in the Enterprise repository.
CLIENT_BANDS = (
    ClientBand((0, 4), (0, 4), ("3.0", "3.0"), "kafkaVersion=3.0.0 in Kestra 0.4's gradle.properties"),
    ClientBand((0, 5), (0, 6), ("3.1", "3.1"), "kafkaVersion=3.1.0 in Kestra 0.5's and 0.6's gradle.properties"),
    ClientBand(
        (0, 7),
        (0, 17),
        ("3.1", "3.7"),
        "not public (the Kafka runner is Enterprise-only from 0.7): between 0.6's 3.1 and 0.18's 3.7",
    ),
    ClientBand((0, 18), (0, 19), ("3.7", "3.7"), "kafkaVersion 3.7.1 in Kestra 0.18's and 0.19's platform BOM"),
    ClientBand((0, 20), (0, 20), ("3.9", "3.9"), "kafkaVersion 3.9.0 in Kestra 0.20's platform BOM"),
    ClientBand(
        (0, 21),
        (1, 999),
        ("3.9", "4.3"),
        "not public after 0.20: between 0.20's 3.9 and the 4.3.1 of the 2.0-era code",
    ),
    ClientBand((2, 0), (2, 999), ("4.3", "4.3"), "kafkaVersion 4.3.1 in the platform BOM of the 2.0-era code"),
)

# kestra.kafka keys the Enterprise documentation introduces, and the first release it documents them for.
DOCUMENTED_SINCE: dict[tuple[str, ...], tuple[tuple[int, int, int], str]] = {
    ("message-protection",): ((0, 19, 0), "Kestra's documentation, September 2024"),
    ("executor", "stream-threads"): ((1, 0, 1), "Kestra's 1.0 performance notes"),
}


@record
class KestraVersion:
    text: str  # as the user wrote it, or DEFAULT
    parts: tuple[int, int, int]

    @property
    def minor(self) -> tuple[int, int]:
        return self.parts[:2]

    @property
    def open_source(self) -> bool:
        """Kestra's Kafka runner was open source up to 0.6.x."""
        return self.minor <= (0, 6)

    @property
    def edition(self) -> str:
        return "open source" if self.open_source else "Enterprise"

    @property
    def band(self) -> ClientBand:
        for band in CLIENT_BANDS:
            if band.first <= self.minor <= band.last:
                return band
        return CLIENT_BANDS[-1]  # newer than kkc knows: the newest facts

    @property
    def newer_than_known(self) -> bool:
        return self.minor > CLIENT_BANDS[-1].last

    def at_least(self, parts: tuple[int, int, int]) -> bool:
        return self.parts >= parts


def parse(text: str) -> KestraVersion | None:
    """`1.3`, `0.20`, `1.0.1` (a leading `v` allowed); None when it is not a version kkc supports."""
    match = _VERSION.match(text.strip().removeprefix("v"))
    if match is None:
        return None
    parts = (int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))
    if parts[:2] < OLDEST:
        return None
    return KestraVersion(text.strip(), parts)


def problem(text: str) -> str | None:
    """Why `text` is not a Kestra version kkc can check against (None when it is)."""
    if parse(text) is not None:
        return None
    if _VERSION.match(text.strip().removeprefix("v")):
        return f"kkc knows Kestra from {OLDEST[0]}.{OLDEST[1]} (earlier releases named their topics differently)"
    return "write a Kestra release as X.Y or X.Y.Z, for example 1.3 or 0.20"


# --- the open-source classes of 0.4-0.20 --------------------------------------------------------------


@cache
def _classes() -> tuple[tuple[str, ...], dict[str, int]]:
    raw = (resources.files("compiler") / "data" / "kestra-classes.json.gz").read_bytes()
    doc = json.loads(gzip.decompress(raw))
    return tuple(doc["versions"]), doc["classes"]


RUNNER_PACKAGE = "io.kestra.runner.kafka."


def missing_class(name: str, version: KestraVersion) -> str | None:
    """Why Kestra `version` cannot load the class `name` for a topic's cls (None when it can or may)."""
    versions, masks = _classes()
    known = [v for bit, v in enumerate(versions) if masks.get(name, 0) >> bit & 1]
    if name.startswith(RUNNER_PACKAGE) and not version.open_source:
        return (
            f"{RUNNER_PACKAGE}* is the open-source Kafka runner of Kestra 0.6 and earlier; from 0.7 the runner is "
            "Enterprise-only, in other packages"
        )
    if not name.startswith("io.kestra.") or name.startswith("io.kestra.ee."):
        return None  # a plug-in's or the Enterprise Edition's own classes: not public
    here = f"{version.minor[0]}.{version.minor[1]}"
    last = versions[-1]
    if not known:
        close = _close(name)
        if here in versions:
            return f"Kestra {here} has no class {name}" + (f"; did you mean {close}?" if close else "")
        if close:  # a near miss of a real class is a typo more likely than a class added after 0.20
            return f"no Kestra release kkc has seen ({versions[0]}-{last}) has {name}; did you mean {close}?"
        return None
    if here in versions:
        if here in known:
            return None
        later = [v for v in known if _key(v) > version.minor]
        if later and later[0] == known[0]:
            return f"Kestra {here} has no class {name} (it arrives in {known[0]})"
        return f"Kestra {here} has no class {name} (its last release with it: {known[-1]})"
    if version.minor > _key(last) and known and last not in known:
        return f"{name} was removed in Kestra {_after(known[-1], versions)} (its last release with it: {known[-1]})"
    return None  # a release whose code kkc has not seen: no verdict


def _close(name: str) -> str | None:
    import difflib

    _, masks = _classes()
    found = difflib.get_close_matches(name, list(masks), n=1, cutoff=0.9)
    return found[0] if found else None


def _key(text: str) -> tuple[int, int]:
    major, minor = text.split(".")
    return int(major), int(minor)


def _after(version: str, versions: tuple[str, ...]) -> str:
    index = versions.index(version)
    return versions[index + 1] if index + 1 < len(versions) else "a later release"


# --- what one target is checked against ------------------------------------------------------------


@record
class Checked:
    """The Kestra and Kafka versions a target is checked against, and where each came from."""

    kestra: KestraVersion | None  # None for a plain Kafka client .properties file
    kestra_from: str  # "" when assumed (DEFAULT); else "--kestra-version" or "cluster.kestra-version (file:l:c)"
    kafka: tuple[str, str]  # lowest and highest Kafka client version; equal unless the release's is not public
    kafka_from: str  # "--kafka-version", "cluster.kafka-version (file:l:c)", "" (implied by Kestra, or the latest)

    @property
    def ranged(self) -> bool:
        return self.kafka[0] != self.kafka[1]

    def describe(self) -> str:
        """One line for the report header: what was assumed and how to change it."""
        low, high = self.kafka
        if self.kafka_from:
            kafka = f"Kafka {low} ({self.kafka_from})"
        elif self.kestra is None:
            kafka = f"Kafka {low} (assumed: the latest kkc knows; set --kafka-version)"
        elif self.ranged:
            kafka = (
                f"Kafka clients {low} to {high} (Kestra {self.kestra.text} ships one of them, which is not public; "
                "set cluster.kafka-version or --kafka-version)"
            )
        else:
            kafka = f"Kafka {low} (the client Kestra {self.kestra.text} ships)"
        if self.kestra is None:
            return f"Checked as {kafka}"
        kestra = f"Kestra {self.kestra.text} {self.kestra.edition}"
        if self.kestra.newer_than_known:
            kestra += ", newer than kkc knows: judged as 2.x"
        if self.kestra_from:
            kestra += f" ({self.kestra_from})"
        else:
            kestra += " (assumed: the current long-term release; set cluster.kestra-version or --kestra-version)"
        return f"Checked as {kestra} with {kafka}"

    def range_note(self) -> str:
        """Why a verdict that holds for only one end of the Kafka client range is an info."""
        assert self.kestra is not None
        low, high = self.kafka
        return (
            f"Kestra {self.kestra.text} ships a Kafka client between {low} and {high}, which one is not public; "
            "declare cluster.kafka-version to have it checked"
        )
