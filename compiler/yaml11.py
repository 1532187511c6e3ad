"""Stage 3c, YAML 1.1 booleans: a plain yes/no/on/off on a boolean Kafka property means the
boolean Kestra reads (its SnakeYAML reads YAML 1.1); everywhere else it stays the string written.

Runs after every layer and override is merged, so only the look-alike that wins is read.
"""

from __future__ import annotations

from compiler import catalog
from compiler.keys import CLIENT_PROPERTIES, DEFAULTS, ROLE_DEFAULTS, ROLES, TOPICS, Path_
from compiler.merge import Merged

_TRUE_11 = {"y", "yes", "on", "true"}
_FALSE_11 = {"n", "no", "off", "false"}
_SECTION_ROLES = {section: (role,) for role, section in ROLE_DEFAULTS.items()} | {"topic": ("topic",)}


def _property_sections(path: Path_) -> tuple[str, ...]:
    """The catalog sections whose properties map holds the key at `path`."""
    if path[:4] == CLIENT_PROPERTIES:
        return ROLES
    if path[:3] == DEFAULTS and len(path) > 4 and path[4] == "properties":
        return _SECTION_ROLES.get(str(path[3]), ())
    if path[:3] == TOPICS and len(path) > 4 and path[4] == "properties":
        return ("topic",)
    return ()


def read_yaml11_booleans(merged: Merged) -> None:
    for item in merged.lookalikes:
        if item.yaml11_type != "bool" or len(item.path) < 2:
            continue
        chain = merged.settings.get(item.path)
        if not chain or chain[-1].value != item.text:
            continue
        winner = chain[-1].origin
        # Only the look-alike that wins: a later layer's quoted "yes" means the string.
        if winner is None or (winner.file, winner.line) != (item.origin.file, item.origin.line):
            continue
        infos = [catalog.lookup(section, str(item.path[-1])) for section in _property_sections(item.path)]
        if not any(infos) or any(info is not None and info.type != "boolean" for info in infos):
            continue
        lowered = item.text.lower()
        value = True if lowered in _TRUE_11 else False if lowered in _FALSE_11 else None
        if value is not None:
            merged.set_leaf(item.path, value, chain[-1])
            merged.settings[item.path].pop()  # set_leaf appended a copy of the same write
            merged.yaml11_applied.add(item.path)
