"""Whether a key exists, is gone or is deprecated in a given Kafka version."""

from __future__ import annotations

from functools import lru_cache

from compiler.catalog.records import KeyInfo, Level, Problem
from compiler.catalog.versions import LATEST, _at_least, _before, _previous


def _prefer_error(info: KeyInfo) -> Level:
    return "error" if info.origin == "topic" else "warning"


@lru_cache(maxsize=65536)
def key_status(info: KeyInfo, kafka_version: str = LATEST) -> Problem | None:
    """``removed-key``, ``not-yet-added`` or ``deprecated-key`` relative to ``kafka_version``, else None."""
    name, level = info.name, _prefer_error(info)
    if _at_least(kafka_version, info.removed):
        last = _previous(info.removed or "")
        gone = f"{name} was removed in Kafka {info.removed}" + (f" (last present in {last})" if last else "")
        if info.origin == "topic":
            return Problem("removed-key", level, name, f"Unknown topic config name: {name}", gone)
        return Problem(
            "removed-key", level, name, f"{gone}; Kafka {kafka_version} ignores it as an unknown configuration"
        )
    if not info.accepted_before_added and _before(kafka_version, info.added):
        since = f"{name} was added in Kafka {info.added}; checked as Kafka {kafka_version}"
        if info.origin == "topic":
            return Problem("not-yet-added", level, name, f"Unknown topic config name: {name}", since)
        return Problem(
            "not-yet-added",
            level,
            name,
            f"{name} was added in Kafka {info.added}; Kafka {kafka_version} ignores it as an unknown configuration",
        )
    if _at_least(kafka_version, info.deprecated):
        message = f"{name} is deprecated since Kafka {info.deprecated}"
        note = info.deprecated_note or ""
        if note:
            message += (": " if note[0].islower() or note[0] == "(" else ". ") + note
        return Problem("deprecated-key", "warning", name, message)
    return None
