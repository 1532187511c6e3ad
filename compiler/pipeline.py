"""The compiler's data path, top to bottom: load -> normalize -> merge -> overrides -> YAML 1.1
booleans -> resolve -> derive, into one `Compiled` built once at the end.

Validation and emission consume a `Compiled`; they never reach back into earlier stages.
"""

from __future__ import annotations

from pathlib import Path

from compiler.derive import client_properties, topic_plan
from compiler.diagnostics import Note
from compiler.errors import InputError, ProblemList
from compiler.layers import (
    LAYERS_KEPT,
    ConfigTree,
    Layer,
    Target,
    bundled_layer,
    display_path,
    file_layers,
    found_layers,
    package_notes,
)
from compiler.lru import Lru
from compiler.merge import Merged, merge_layer
from compiler.model import Compiled
from compiler.normalize import normalize_layer
from compiler.outer import Found
from compiler.overrides import Override
from compiler.overrides import apply as apply_overrides
from compiler.properties import load_layer
from compiler.resolve import resolve
from compiler.yaml11 import read_yaml11_booleans

_PREFIXES_KEPT = 64  # merged prefixes kept at once (a run's memory stays flat in its targets)


class Normalizer:
    """Normalizes each distinct layer once, however many targets share it; and keeps the merge of the
    layers below each target's last one, which the targets of an environment share (issue 16)."""

    def __init__(self) -> None:
        self._cache: Lru[str, tuple[Layer, list[Note]]] = Lru(LAYERS_KEPT)
        self.prefixes: Lru[tuple[str, ...], tuple[Merged, list[Layer], list[Note]]] = Lru(_PREFIXES_KEPT)
        self.seen: set[tuple[str, ...]] = set()  # a prefix is kept from its second target on

    def below(self, key: tuple[str, ...]) -> tuple[Merged, list[Layer], list[Note]] | None:
        found = self.prefixes.find(key)
        return None if found is None else (found[0].copy(), list(found[1]), list(found[2]))

    def keep(self, key: tuple[str, ...], merged: Merged, stack: list[Layer], noted: list[Note]) -> None:
        if key not in self.seen:
            self.seen.add(key)
            return
        self.prefixes.get(key, lambda: (merged.copy(), list(stack), list(noted)))

    def __call__(self, layer: Layer) -> tuple[Layer, list[Note]]:
        return self._cache.get(layer.label, lambda: normalize_layer(layer))


_BUNDLED = Normalizer()


def compile_layers(
    target_id: str,
    layers: list[Layer],
    overrides: list[Override],
    normalizer: Normalizer | None = None,
    with_bundled: bool = True,
    notes: list[Note] | None = None,
    properties_role: str | None = None,
    whole: bool = True,
) -> Compiled:
    """Every stage in order over one target's layers (lowest first); `notes` come from loading them."""
    normalizer = normalizer or Normalizer()
    every = [bundled_layer(), *layers] if with_bundled else layers
    key = tuple(layer.label for layer in every[:-1])
    below = normalizer.below(key)
    stack: list[Layer]
    noted: list[Note]
    if below is None:
        merged, stack, noted = Merged(), [], []
        for index, layer in enumerate(every[:-1]):
            _merge_one(merged, stack, noted, layer, with_bundled and index == 0, normalizer)
        normalizer.keep(key, merged, stack, noted)
    else:
        merged, stack, noted = below
    if every:
        _merge_one(merged, stack, noted, every[-1], with_bundled and len(every) == 1, normalizer)
    apply_overrides(merged, overrides)
    read_yaml11_booleans(merged)
    resolved = resolve(merged, hydra=whole)  # existing files are read by Micronaut, not OmegaConf
    if resolved.problems:
        raise ProblemList(list(resolved.problems))
    return Compiled(
        target_id,
        stack,
        [*noted, *(notes or [])],
        merged,
        resolved,
        client_properties(resolved.tree, merged),
        topic_plan(resolved.tree, merged),
        properties_role,
        whole,
    )


def _merge_one(
    merged: Merged, stack: list[Layer], noted: list[Note], layer: Layer, bundled: bool, normalizer: Normalizer
) -> None:
    if not bundled:
        noted.extend(package_notes(layer))
    normalized, layer_notes = (_BUNDLED if bundled else normalizer)(layer)
    stack.append(normalized)
    noted.extend(layer_notes)
    merge_layer(merged, normalized)


def compile_target(
    tree: ConfigTree, target: Target, overrides: list[Override], normalizer: Normalizer | None = None
) -> Compiled:
    return compile_layers(target.id, tree.layers(target), overrides, normalizer, notes=tree.notes)


def compile_files(paths: list[Path], overrides: list[Override], forced: str | None = None) -> Compiled:
    """Existing Kestra config files (or the Helm values, compose files and manifests holding them), each
    configuration file one layer over Kestra's bundled defaults; `forced` names their format (--as)."""
    layers, notes = file_layers(paths, forced)
    if not layers:
        raise InputError("no files given", rule="bad-override")
    return compile_layers(display_path(paths[-1]), layers, overrides, notes=notes, whole=False)


def compile_found(target: str, found: list[Found], overrides: list[Override]) -> Compiled:
    """Files already read by compiler.outer, as one target (a values file with the Secrets it mounts)."""
    layers, notes = found_layers(found)
    return compile_layers(target, layers, overrides, notes=notes, whole=False)


def compile_properties(path: Path, role: str) -> Compiled:
    """A plain Kafka client .properties file: `role`'s properties and nothing else."""
    layer, notes = load_layer(path, role)
    return compile_layers(layer.label, [layer], [], with_bundled=False, notes=notes, properties_role=role, whole=False)
