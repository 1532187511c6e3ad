"""Reading ``compiler/data/kafka-catalog.json``, once, on first use."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from functools import cache
from importlib.resources import files
from types import MappingProxyType
from typing import Any

from compiler.catalog.records import KeyInfo, StreamsForced
from compiler.catalog.validators import _parse_validator_cached
from compiler.records import record


@record
class _Dynamic:
    pattern: re.Pattern[str]
    sections: tuple[str, ...]
    info: KeyInfo


@record
class _Catalog:
    rows: Mapping[str, Mapping[str, KeyInfo]]
    dynamic: tuple[_Dynamic, ...]
    prefixes: tuple[tuple[str, str], ...]
    forced: tuple[StreamsForced, ...]
    versions: tuple[str, ...]
    latest: str


def _info(name: str, origin: str, raw: Mapping[str, Any]) -> KeyInfo:
    scopes = ("admin", "consumer", "producer") if origin == "common" else (origin,)
    return KeyInfo(
        name=name,
        scopes=tuple(raw.get("sections", scopes)),
        type=raw["type"],
        default=raw.get("default"),
        valid=_parse_validator_cached(raw.get("valid", "")),
        added=raw.get("added"),
        deprecated=raw.get("deprecated"),
        deprecated_note=raw.get("deprecated_note"),
        removed=raw.get("removed"),
        removed_values=MappingProxyType(dict(raw.get("removed_values", {}))),
        deprecated_values=MappingProxyType(dict(raw.get("deprecated_values", {}))),
        added_values=MappingProxyType(dict(raw.get("added_values", {}))),
        value_replacements=MappingProxyType(dict(raw.get("value_replacements", {}))),
        note=raw.get("note", ""),
        origin=origin,
        required=bool(raw.get("required", False)),
        internal=bool(raw.get("internal", False)),
        accepted_before_added=bool(raw.get("accepted_before_added", False)),
        default_text=raw.get("default_text"),
        valid_history=tuple((s[0], s[1], len(s) > 2) for s in raw.get("valid_history", [])),
        default_history=tuple((s[0], s[1]) for s in raw.get("default_history", [])),
        required_history=tuple((s[0], len(s) > 2) for s in raw.get("default_history", [])),
    )


class _Rows(Mapping[str, KeyInfo]):
    """One scope's keys, each KeyInfo built on first use: a run reads a few dozen of the catalog's 900."""

    __slots__ = ("_built", "_raw", "_scope")

    def __init__(self, scope: str, raw: dict[str, Mapping[str, Any]]) -> None:
        self._scope, self._raw = scope, raw
        self._built: dict[str, KeyInfo] = {}

    def __getitem__(self, name: str) -> KeyInfo:
        built = self._built.get(name)
        if built is None:
            built = self._built[name] = _info(name, self._scope, self._raw[name])
        return built

    def __contains__(self, name: object) -> bool:
        return name in self._raw

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


@cache
def _catalog() -> _Catalog:
    resource = files("compiler") / "data" / "kafka-catalog.json"
    raw = json.loads(resource.read_text(encoding="utf-8"))
    rows = {scope: _Rows(scope, entries) for scope, entries in raw["keys"].items()}
    dynamic = tuple(
        _Dynamic(re.compile(d["pattern"]), tuple(d["sections"]), _info(d["name"], "dynamic", d)) for d in raw["dynamic"]
    )
    prefixes = tuple(sorted(raw["streams_prefixes"].items(), key=lambda kv: (-len(kv[0]), kv[0])))
    forced = tuple(StreamsForced(**f) for f in raw["streams_forced"])
    return _Catalog(rows, dynamic, prefixes, forced, tuple(raw["versions"]), raw["latest"])
