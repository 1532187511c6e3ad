"""Kafka versions kkc knows and how they compare."""

from __future__ import annotations

import re
from functools import lru_cache

SECTIONS: tuple[str, ...] = ("admin", "consumer", "producer", "streams", "topic")
KNOWN_VERSIONS: tuple[str, ...] = (
    "3.0",
    "3.1",
    "3.2",
    "3.3",
    "3.4",
    "3.5",
    "3.6",
    "3.7",
    "3.8",
    "3.9",
    "4.0",
    "4.1",
    "4.2",
    "4.3",
)
LATEST = "4.3"


@lru_cache(maxsize=65536)
def parse_version(version: str) -> tuple[int, int, int]:
    """``"3.9"``, ``"4.0.0"`` or ``"4.3.1"`` -> a tuple that compares numerically."""
    if not re.fullmatch(r"\d+(?:\.\d+){0,2}", version.strip()):
        raise ValueError(f"not a Kafka version: {version!r}")
    major, minor, patch = ([int(p) for p in version.strip().split(".")] + [0, 0])[:3]
    return major, minor, patch


def _at_least(version: str, since: str | None) -> bool:
    return since is not None and parse_version(version) >= parse_version(since)


def _before(version: str, since: str | None) -> bool:
    return since is not None and parse_version(version) < parse_version(since)


def _previous(version: str) -> str | None:
    earlier = [v for v in KNOWN_VERSIONS if parse_version(v) < parse_version(version)]
    return earlier[-1] if earlier else None
