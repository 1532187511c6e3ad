"""The compiler's data path, top to bottom: load -> normalize -> merge -> resolve -> derive.

Validation and emission consume a `Compiled`; they never reach back into earlier stages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from compiler.derive import TopicPlan, client_properties, topic_plan
from compiler.errors import InputError, ProblemList
from compiler.keys import ROLES, TOOL_KEYS, role_properties_path
from compiler.layers import ConfigTree, Layer, Target, bundled_layer
from compiler.merge import Merged, merge_layer
from compiler.normalize import Note, normalize_layer
from compiler.overrides import Override
from compiler.overrides import apply as apply_overrides
from compiler.resolve import Resolved, resolve


@dataclass
class Compiled:
    target: str
    layers: list[Layer]
    notes: list[Note]
    merged: Merged
    resolved: Resolved
    clients: dict[str, dict[str, str]] = field(default_factory=dict)
    topics: list[TopicPlan] = field(default_factory=list)
    properties_role: str | None = None  # set when the input was one client's .properties file

    @property
    def kestra(self) -> dict[str, Any]:
        tree = self.resolved.tree.get("kestra")
        return tree if isinstance(tree, dict) else {}

    @property
    def tool(self) -> dict[str, Any]:
        return {k: self.resolved.tree[k] for k in TOOL_KEYS if k in self.resolved.tree}

    @property
    def runtime_placeholders(self) -> list[str]:
        return sorted(self.resolved.runtime)


_BUNDLED: list[tuple[Layer, list[Note]]] = []


def bundled() -> tuple[Layer, list[Note]]:
    if not _BUNDLED:
        _BUNDLED.append(normalize_layer(bundled_layer()))
    return _BUNDLED[0]


@cache
def kestra_topic_keys() -> tuple[str, ...]:
    """The topic keys Kestra binds: those of its bundled defaults, in their order."""
    topics = bundled()[0].data["kestra"]["kafka"]["topics"]
    return tuple(str(k) for k in topics)


class Normalizer:
    """Normalizes each distinct layer once, however many targets share it."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[Layer, list[Note]]] = {}

    def __call__(self, layer: Layer) -> tuple[Layer, list[Note]]:
        key = layer.label
        if key not in self._cache:
            self._cache[key] = normalize_layer(layer)
        return self._cache[key]


def compile_layers(
    target_id: str,
    layers: list[Layer],
    overrides: list[Override],
    normalizer: Normalizer | None = None,
    with_bundled: bool = True,
) -> Compiled:
    normalizer = normalizer or Normalizer()
    all_layers: list[Layer] = []
    notes: list[Note] = []
    merged = Merged()
    if with_bundled:
        base, base_notes = bundled()
        all_layers.append(base)
        notes.extend(base_notes)
        merge_layer(merged, base)
    for layer in layers:
        notes.extend(_package_notes(layer))
        normalized, layer_notes = normalizer(layer)
        all_layers.append(normalized)
        notes.extend(layer_notes)
        merge_layer(merged, normalized)
    apply_overrides(merged, overrides)
    _yaml11_booleans(merged)
    resolved = resolve(merged)
    if resolved.problems:
        raise ProblemList(list(resolved.problems))
    compiled = Compiled(target_id, all_layers, notes, merged, resolved)
    compiled.clients = client_properties(resolved.tree, merged)
    compiled.topics = topic_plan(resolved.tree, merged)
    return compiled


def _package_notes(layer: Layer) -> list[Note]:
    """A group file without `# @package _global_` lands under its group's name, where nothing reads it."""
    group = layer.kind.split(" ", 1)[0] if " " in layer.kind else ""
    if not group or list(layer.data) != [group]:
        return []
    first = min(layer.positions.values(), key=lambda o: (o.line, o.column), default=None)
    return [
        Note(
            "group-file-not-global",
            (group,),
            group,
            f"{layer.label} has no '# @package _global_' header, so Hydra puts its keys under '{group}:', where "
            f"neither Kestra nor kkc reads them; add the header as the file's first line",
            first,
        )
    ]


def compile_target(
    tree: ConfigTree, target: Target, overrides: list[Override], normalizer: Normalizer | None = None
) -> Compiled:
    compiled = compile_layers(target.id, tree.layers(target), overrides, normalizer)
    if tree.self_appended:
        compiled.notes.append(
            Note(
                "defaults-without-self",
                ("defaults",),
                "defaults",
                f"the defaults list of {tree.primary.path} has no _self_: Hydra then applies the file's own keys "
                "last, over every env and instance; write '- _self_' first to let them override it",
                tree.primary.positions.get(("defaults",)),
            )
        )
    return compiled


def compile_files(paths: list[Path], overrides: list[Override]) -> Compiled:
    """Existing Kestra config files, each one layer over Kestra's bundled defaults.

    A multi-document file is several layers in order, as Micronaut reads it.
    """
    from compiler.layers import display_path
    from compiler.yamlload import load_documents

    layers = []
    empty: list[Note] = []
    for path in paths:
        shown = display_path(path)
        documents = load_documents(path, shown)
        if all(not loaded.data for loaded in documents):
            empty.append(_empty_file(shown, "YAML"))
        for index, loaded in enumerate(documents):
            label = shown if index == 0 else f"{shown}#{index + 1}"
            layers.append(Layer(label, loaded.data, loaded.positions, loaded.lookalikes))
    if not layers:
        raise InputError("no files given", rule="bad-override")
    compiled = compile_layers(display_path(paths[-1]), layers, overrides)
    compiled.notes.extend(empty)
    return compiled


def _empty_file(shown: str, kind: str) -> Note:
    from compiler.errors import Origin

    return Note(
        "empty-file",
        (),
        shown,
        f"{shown} is empty (no {kind} setting, only blank lines or comments): nothing in it was checked"
        + (", and anything else reported here is about Kestra's own defaults" if kind == "YAML" else "")
        + "; is it the file you meant?",
        Origin(shown, 1, 1),
    )


def compile_properties(path: Path, role: str) -> Compiled:
    """A plain Kafka client .properties file, read the way Kafka's clients read it (ISO-8859-1)."""
    from compiler import properties
    from compiler.errors import Origin
    from compiler.layers import display_path
    from compiler.yamlload import MAX_FILE_BYTES

    shown = display_path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {shown}: {exc.strerror}", Origin(shown), rule="unreadable-file") from None
    if len(raw) > MAX_FILE_BYTES:
        raise InputError(f"file is over kkc's limit of {MAX_FILE_BYTES} bytes", Origin(shown), rule="file-too-large")
    entries = properties.parse(raw.decode("latin-1"), shown)
    prefix = role_properties_path(role)
    values: dict[str, Any] = {}
    positions: dict[tuple[str | int, ...], Origin] = {}
    twice: list[Note] = []
    for entry in entries:
        if entry.key in values:
            first = positions[(*prefix, entry.key)]
            twice.append(
                Note(
                    "duplicate-property",
                    (*prefix, entry.key),
                    entry.key,
                    f"'{entry.key}' is set twice (first at line {first.line}): Kafka silently uses this later "
                    "value; keep one",
                    entry.origin,
                )
            )
        values[entry.key] = entry.value
        positions[(*prefix, entry.key)] = entry.origin
    data: dict[str, Any] = values
    for part in reversed(prefix):
        data = {part: data}
    layer = Layer(shown, data, positions)
    compiled = compile_layers(shown, [layer], [], with_bundled=False)
    compiled.properties_role = role
    compiled.notes.extend(twice)
    if not entries:
        compiled.notes.append(_empty_file(shown, "property"))
    return compiled


_TRUE_11 = {"y", "yes", "on", "true"}
_FALSE_11 = {"n", "no", "off", "false"}


def _property_sections(path: tuple[object, ...]) -> tuple[str, ...]:
    if path[:4] == ("kestra", "kafka", "client", "properties"):
        return ROLES
    if path[:3] == ("kestra", "kafka", "defaults") and len(path) > 4 and path[4] == "properties":
        return {"consumer": ("consumer",), "producer": ("producer",), "stream": ("streams",), "topic": ("topic",)}.get(
            str(path[3]), ()
        )
    if path[:3] == ("kestra", "kafka", "topics") and len(path) > 4 and path[4] == "properties":
        return ("topic",)
    return ()


def _yaml11_booleans(merged: Merged) -> None:
    """A plain yes/no/on/off on a boolean Kafka property means the boolean Kestra's YAML 1.1 reads.

    Everywhere else such a value stays the string that was written (and is reported)."""
    from compiler import catalog

    for item in merged.lookalikes:
        if item.yaml11_type != "bool" or len(item.path) < 2:
            continue
        chain = merged.settings.get(item.path)
        winner = chain[-1].origin if chain else None
        # Only the look-alike that wins: a later layer's quoted "yes" means the string.
        if (
            not chain
            or chain[-1].value != item.text
            or winner is None
            or (winner.file, winner.line)
            != (
                item.origin.file,
                item.origin.line,
            )
        ):
            continue
        sections = _property_sections(item.path[:-1] + ("x",))
        key = str(item.path[-1])
        infos = [catalog.lookup(section, key) for section in sections]
        if (
            infos
            and all(info is not None and info.type == "boolean" for info in infos if info is not None)
            and any(infos)
        ):
            lowered = item.text.lower()
            value = True if lowered in _TRUE_11 else False if lowered in _FALSE_11 else None
            if value is not None:
                merged.set_leaf(item.path, value, chain[-1])
                merged.settings[item.path].pop()  # set_leaf appended a copy of the same write
                merged.yaml11_applied.add(item.path)
