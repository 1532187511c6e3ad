"""Stage 3, merge: layers in precedence order into one tree, with OmegaConf's merge semantics.

Mappings merge key by key, anything else (scalars, lists, null) replaces. Every leaf keeps the
chain of layers that set it, so `explain`, diagnostics and diffs can say where a value came from.
"""

from __future__ import annotations

from collections import ChainMap
from dataclasses import field
from typing import Any

from compiler.errors import InputError, Origin
from compiler.keys import Path_, copy_tree
from compiler.layers import Layer
from compiler.records import record
from compiler.yamlload import Yaml11Lookalike


@record(slots=True)
class Setting:
    """One layer's write of a value at a path (the value as written, before resolution)."""

    layer: str
    origin: Origin | None
    value: Any


@record(frozen=False)
class Merged:
    tree: dict[str, Any] = field(default_factory=dict)
    settings: dict[Path_, list[Setting]] = field(default_factory=dict)
    lookalikes: list[Yaml11Lookalike] = field(default_factory=list)
    # the layers' own positions, looked up through (never copied: issue 16's memory per target); writes
    # (an override's origin) go to the first, private map
    origins: ChainMap[Path_, Origin] = field(default_factory=ChainMap)
    yaml11_applied: set[Path_] = field(default_factory=set)  # look-alikes read as YAML 1.1 booleans

    def copy(self) -> Merged:
        """An independent copy (the layers' position maps and the settings themselves are shared: never written)."""
        return Merged(
            copy_tree(self.tree),
            {path: list(chain) for path, chain in self.settings.items()},
            list(self.lookalikes),
            ChainMap(dict(self.origins.maps[0]), *self.origins.maps[1:]),
            set(self.yaml11_applied),
        )

    def origin(self, path: Path_) -> Origin | None:
        """Where the winning value at `path` (or its nearest enclosing key) was written."""
        for n in range(len(path), 0, -1):
            chain = self.settings.get(path[:n])
            if chain and chain[-1].origin is not None:
                return chain[-1].origin
            if path[:n] in self.origins:
                return self.origins[path[:n]]
        return None

    def forget_below(self, path: Path_, include_self: bool) -> None:
        n = len(path)
        doomed = [p for p in self.settings if p[:n] == path and (include_self or len(p) > n)]
        for p in doomed:
            del self.settings[p]

    def set_leaf(self, path: Path_, value: Any, setting: Setting) -> None:
        node: dict[Any, Any] = self.tree
        for depth, part in enumerate(path[:-1]):
            child = node.get(part)
            if not isinstance(child, dict):
                if child is not None or part in node:
                    self.forget_below(path[: depth + 1], include_self=True)
                child = {}
                node[part] = child
            node = child
        if isinstance(node.get(path[-1]), dict):
            self.forget_below(path, include_self=True)
        node[path[-1]] = value
        self.settings.setdefault(path, []).append(setting)


def merge_layers(layers: list[Layer]) -> Merged:
    merged = Merged()
    for layer in layers:
        merge_layer(merged, layer)
    return merged


def merge_layer(merged: Merged, layer: Layer) -> None:
    merged.lookalikes.extend(layer.lookalikes)
    merged.origins.maps.insert(1, layer.positions)
    shared = layer.merge_cache  # path -> (the path, its Setting): one of each per layer, shared by its targets

    def walk(src: dict[str, Any], dst: dict[str, Any], path: Path_) -> None:
        for key, value in src.items():
            here = (*path, key)
            cached = shared.get(here)
            if cached is None:
                cached = shared[here] = (here, None)
            here = cached[0]
            origin = layer.positions.get(here)
            existing_kind = _kind(dst.get(key))
            if existing_kind and _kind(value) and existing_kind != _kind(value):
                # OmegaConf (Hydra) refuses to merge a list into a mapping or the reverse
                raise InputError(
                    f"'{'.'.join(map(str, here))}' must be a {existing_kind}, not {_kind(value)} (a lower layer "
                    f"sets a {existing_kind}, and Hydra refuses to merge a {_kind(value)} into it)",
                    origin,
                    ".".join(map(str, here)),
                    rule="wrong-type",
                )
            if isinstance(value, dict):
                existing = dst.get(key)
                if not isinstance(existing, dict):
                    if key in dst:
                        merged.forget_below(here, include_self=True)
                    existing = {}
                    dst[key] = existing
                walk(value, existing, here)
            else:
                if isinstance(dst.get(key), dict):
                    merged.forget_below(here, include_self=True)
                dst[key] = copy_tree(value)
                setting = cached[1]
                if setting is None or setting.value is not value:
                    setting = Setting(layer.name, origin, value)
                    shared[here] = (here, setting)
                merged.settings.setdefault(here, []).append(setting)

    walk(layer.data, merged.tree, ())


def _kind(value: Any) -> str:
    return "mapping" if isinstance(value, dict) else "list" if isinstance(value, list) else ""
