"""Stage 2, normalize: give every layer the key paths Kestra binds, before layers are merged.

- Micronaut relaxed binding: `topicPrefix` and `topic-prefix` are one key; kebab-case is kept.
- A dotted key outside a `properties` map (`kestra.kafka.defaults.topic-prefix: x`, as Micronaut
  reads it) becomes nested keys; inside `properties` a Kafka property name always stays whole.
- The doc page's variant paths move to the paths Kestra binds.
Every change is recorded as a Note, which the validator reports.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from compiler.diagnostics import Note
from compiler.errors import InputError, Origin
from compiler.keys import TOOL_KEYS, Path_, copy_tree, dotted
from compiler.layers import Layer
from compiler.yamlload import Yaml11Lookalike

_CAMEL_RE = re.compile(r"(?<=[a-z0-9])([A-Z])")


@lru_cache(maxsize=16384)
def kebab(key: str) -> str:
    return _CAMEL_RE.sub(lambda m: "-" + m.group(1).lower(), key)


def is_property_map(path: Path_) -> bool:
    """True for the maps whose keys are Kafka property names (kept whole, never renamed)."""
    return bool(path) and path[-1] == "properties" and path[:1] == ("kestra",)


def _under_free_keys(path: Path_) -> bool:
    """Maps whose keys are names chosen by users or Kafka, not Kestra settings."""
    if not path or path[0] != "kestra":
        return True
    return (
        any(is_property_map(path[: i + 1]) for i in range(len(path)))
        or path[-1] == "topics"
        or path[:2] != ("kestra", "kafka")
        and len(path) >= 2
    )


@lru_cache(maxsize=16384)
def split_reference(reference: str) -> Path_:
    """`kestra.kafka.client.properties[bootstrap.servers]` or a plain dotted path, as key segments.

    Plain dots after a `properties` segment are kept in one Kafka property name.
    """
    segments: list[str] = []
    rest = reference
    while rest:
        if rest.startswith("["):
            end = rest.find("]")
            if end < 0:
                segments.append(rest)
                break
            segments.append(rest[1:end])
            rest = rest[end + 1 :].lstrip(".")
            continue
        match = re.match(r"[^.\[]*", rest)
        assert match is not None
        part = match.group(0)
        segments.append(part)
        rest = rest[len(part) :]
        if rest.startswith("."):
            rest = rest[1:]
        whole_after = (part == "properties" and segments[:1] == ["kestra"]) or (
            segments == ["cluster", "broker-defaults"]
        )
        if whole_after and rest and not rest.startswith("["):
            segments.append(rest)
            break
    return tuple(segments)


def splits(target: Path_, key: str) -> bool:
    """Whether Micronaut reads the dotted `key` under `target` as a nested path (kkc: also its own keys).

    Kafka property names (under `properties`, `cluster.broker-defaults`) always stay whole."""
    if "." not in key:
        return False
    if not target:
        return key.split(".", 1)[0] in ("kestra", *TOOL_KEYS)
    if is_property_map(target) or target == ("cluster", "broker-defaults"):
        return False
    return target[0] in ("cluster", "policy") or target[:2] == ("kestra", "kafka") or target == ("kestra",)


def expand(target: Path_, key: str) -> Path_:
    """The key segments `key` stands for under `target` (one segment unless it splits)."""
    if not splits(target, key):
        return (key,)
    return split_reference(".".join(str(p) for p in (*target, key)))[len(target) :]


@lru_cache(maxsize=16384)
def normalize_path(path: Path_) -> tuple[Path_, tuple[str, ...]]:
    """Kestra's canonical form of a key path, and what was changed (for notes)."""
    out: list[str | int] = []
    changes: list[str] = []
    for part in path:
        if isinstance(part, str) and not _under_free_keys(tuple(out)):
            fixed = kebab(part)
            if fixed != part:
                changes.append("camel-case")
            part = fixed
        out.append(part)
    result: Path_ = tuple(out)
    if result[:4] == ("kestra", "kafka", "defaults", "topics"):
        result = ("kestra", "kafka", "topics", *result[4:])
        changes.append("doc-variant-path")
    elif result[:5] == ("kestra", "kafka", "stream", "properties", "state.dir"):
        result = ("kestra", "kafka", "defaults", "stream", "properties", "state.dir", *result[5:])
        changes.append("doc-variant-path")
    return result, tuple(changes)


def normalize_layer(layer: Layer) -> tuple[Layer, list[Note]]:
    normalizer = _LayerNormalizer(layer)
    normalizer.walk(layer.data, (), ())
    for path in normalizer.vacated:
        _prune_empty(normalizer.data, path)
    lookalikes = [
        Yaml11Lookalike(_remap(la.path, normalizer.moved), la.text, la.yaml11_type, la.origin)
        for la in layer.lookalikes
    ]
    normalized = Layer(layer.label, normalizer.data, normalizer.positions, lookalikes, layer.kind, layer.directives)
    return normalized, normalizer.notes


class _LayerNormalizer:
    """Copies one layer key by key to the paths Kestra binds, noting every change."""

    def __init__(self, layer: Layer) -> None:
        self.layer = layer
        self.notes: list[Note] = []
        self.data: dict[str, Any] = {}
        self.positions: dict[Path_, Origin] = {}
        self.moved: dict[Path_, Path_] = {}  # a key of the layer -> where it went
        self.vacated: list[Path_] = []  # maps a doc-variant move may have left empty
        self.written: dict[Path_, Path_] = {}  # leaf -> the key of this layer that wrote it

    def put(self, target: Path_, value: Any, source: Path_) -> None:
        node: Any = self.data
        for part in target[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        last = target[-1]
        if isinstance(value, dict) and isinstance(node.get(last), dict):
            node[last].update(value)
        else:
            earlier = self.written.get(target)
            if earlier is not None and earlier != source:
                first = self.layer.positions.get(earlier)
                where = f" (first written at line {first.line}, column {first.column})" if first else ""
                raise InputError(
                    f"'{dotted(source)}' and '{dotted(earlier)}' are the same key for Kestra "
                    f"({dotted(target)}){where}: keep one",
                    self.layer.positions.get(source),
                    dotted(target),
                    rule="duplicate-key",
                )
            self.written[target] = source
            node[last] = value
        if source in self.layer.positions:
            self.positions.setdefault(target, self.layer.positions[source])

    def copy_positions(self, source: Path_, target: Path_) -> None:
        n = len(source)
        for path, origin in self.layer.positions.items():
            if len(path) > n and path[:n] == source:
                self.positions.setdefault((*target, *path[n:]), origin)

    def note(self, rule: str, path: Path_, original: str, message: str, source: Path_) -> None:
        self.notes.append(Note(rule, path, original, message, self.layer.positions.get(source)))

    def walk(self, value: Any, source: Path_, target: Path_) -> None:
        """Copy `value` (found at `source` in the layer) to `target` in the normalized layer."""
        if isinstance(value, list) and not _under_free_keys(target):
            self.walk_list(value, source, target)
        elif not isinstance(value, dict):
            self.put(target, copy_tree(value), source)
            if isinstance(value, list):  # a scalar has no inner positions to copy
                self.copy_positions(source, target)
        else:
            if source in self.layer.positions:
                self.positions.setdefault(target, self.layer.positions[source])
            if is_property_map(target):
                self.walk_property_map(value, source, target)
            else:
                self.walk_mapping(value, source, target)

    def walk_list(self, value: list[Any], source: Path_, target: Path_) -> None:
        """A list of Kestra settings (loggers): its mappings' keys are Kestra keys too."""
        self.put(target, [], source)
        items: list[Any] = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                items.append(copy_tree(item))
                self.copy_positions((*source, index), (*target, index))
                continue
            fixed: dict[str, Any] = {}
            for key, child in item.items():
                new_key = kebab(key)
                origin = self.layer.positions.get((*source, index, key))
                if new_key != key:
                    self.note(
                        "camel-case-key",
                        (*target, index, new_key),
                        key,
                        f"'{dotted((*source, index, key))}' is bound by Kestra as "
                        f"'{dotted((*target, index, new_key))}' (kebab-case)",
                        (*source, index, key),
                    )
                fixed[new_key] = copy_tree(child)
                if origin is not None:
                    self.positions.setdefault((*target, index, new_key), origin)
                self.copy_positions((*source, index, key), (*target, index, new_key))
            items.append(fixed)
            if (*source, index) in self.layer.positions:
                self.positions.setdefault((*target, index), self.layer.positions[(*source, index)])
        self.put(target, items, source)

    def walk_property_map(self, value: dict[str, Any], source: Path_, target: Path_) -> None:
        """A `properties` map: its keys are Kafka property names, kept whole; only doc-variant paths move."""
        self.put(target, {}, source)
        for key, child in value.items():
            new_path, changes = normalize_path((*target, key))
            if changes:
                old = dotted((*source, key))
                message = f"'{old}' is the doc page's variant; Kestra binds '{dotted(new_path)}'"
                self.note("doc-variant-path", new_path, old, message, (*source, key))
                self.moved[(*source, key)] = new_path
                self.vacated.append(target)
            self.walk(child, (*source, key), new_path)

    def walk_mapping(self, value: dict[str, Any], source: Path_, target: Path_) -> None:
        """Kestra's own keys: dotted keys split, camelCase to kebab-case, doc-variant paths moved."""
        if target:
            self.put(target, {}, source)
        for key, child in value.items():
            parts: Path_ = expand(target, key)
            if len(parts) > 1:
                message = f"dotted key '{key}' read as the nested path {dotted((*target, *parts))}"
                self.note("dotted-key-expanded", (*target, *parts), key, message, (*source, key))
            new_path, changes = normalize_path((*target, *parts))
            old = dotted((*source, key))
            for change in changes:
                if change == "camel-case":
                    message = f"'{old}' is bound by Kestra as '{dotted(new_path)}' (kebab-case)"
                    self.note("camel-case-key", new_path, old, message, (*source, key))
                else:
                    message = f"'{old}' is the doc page's variant; Kestra binds '{dotted(new_path)}'"
                    self.note("doc-variant-path", new_path, old, message, (*source, key))
            self.moved[(*source, key)] = new_path
            if "doc-variant-path" in changes:
                self.vacated.append((*target, *parts)[:-1])
            self.walk(child, (*source, key), new_path)


def _prune_empty(data: dict[str, Any], path: Path_) -> None:
    """Drop the empty maps a doc-variant move left behind, deepest first."""
    for n in range(len(path), 0, -1):
        node: Any = data
        for part in path[: n - 1]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and node.get(path[n - 1]) == {}:
            del node[path[n - 1]]


def _remap(path: Path_, moved: dict[Path_, Path_]) -> Path_:
    for n in range(len(path), 0, -1):
        if path[:n] in moved:
            return (*moved[path[:n]], *path[n:])
    return path
