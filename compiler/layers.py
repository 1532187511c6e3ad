"""Stage 1b: find the layers of a target in a Hydra config tree (without importing Hydra).

Hydra's semantics for the layout kkc supports: a primary `config.yaml` whose `defaults` list holds
`_self_`, `group: option` (or `null`) entries and plain config names; group files in
`<group>/<option>.yaml` with a `# @package` header (`_global_` puts their keys at the root, the
default `_group_` under the group's name). `tests/test_hydra_equivalence.py` proves the result is
Hydra compose's on every target of the example tree and of the golden cases.
"""

from __future__ import annotations

import difflib
import itertools
import os
from dataclasses import field
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compiler.diagnostics import Note
from compiler.directives import Directive
from compiler.errors import InputError, Origin, UsageError
from compiler.keys import BUNDLED_NAME, Path_, dotted
from compiler.lru import Lru
from compiler.patterns import lazy
from compiler.records import record
from compiler.yamlload import LoadedFile, Yaml11Lookalike, load_file, load_text

LAYERS_KEPT = 256  # placed group files kept at once (see compiler.lru)

if TYPE_CHECKING:
    from compiler.outer import Found, Part

_NAME_RE = lazy(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


@record(frozen=False)
class Layer:
    """One source of settings, in precedence order: later layers win."""

    label: str
    data: dict[str, Any]
    positions: dict[Path_, Origin]
    lookalikes: list[Yaml11Lookalike] = field(default_factory=list)
    kind: str = ""  # what the layer is, in the user's words: "env prod", "instance eu1", "config.yaml"
    directives: tuple[Directive, ...] = ()  # the file's `# kkc: disable=...` comments
    # merge's per-layer memo (path -> (path, Setting)), so that targets sharing a layer share them too
    merge_cache: dict[Path_, tuple[Path_, Any]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.kind or self.label


@record
class Target:
    choices: tuple[tuple[str, str | None], ...]

    @property
    def id(self) -> str:
        return "/".join(option for _, option in self.choices if option)

    def option(self, group: str) -> str | None:
        return dict(self.choices).get(group)


def display_path(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


@cache
def bundled_layer() -> Layer:
    """Kestra's own application.yml defaults: layer 0 of every target (read once; never modified)."""
    text = (resources.files("compiler") / "data" / "kestra-defaults.yaml").read_text("utf-8")
    loaded = load_text(text, BUNDLED_NAME)
    return Layer("kestra defaults", loaded.data, loaded.positions, loaded.lookalikes, "kestra defaults")


@cache
def kestra_topic_keys() -> tuple[str, ...]:
    """The topic keys Kestra binds: those of its bundled defaults, in their order."""
    return tuple(str(k) for k in bundled_layer().data["kestra"]["kafka"]["topics"])


def package_notes(layer: Layer) -> list[Note]:
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


def empty_file_note(shown: str, kind: str) -> Note:
    return Note(
        "empty-file",
        (),
        shown,
        f"{shown} is empty (no {kind} setting, only blank lines or comments): nothing in it was checked"
        + (", and anything else reported here is about Kestra's own defaults" if kind == "YAML" else "")
        + "; is it the file you meant?",
        Origin(shown, 1, 1),
    )


def file_layers(paths: list[Path], forced: str | None = None) -> tuple[list[Layer], list[Note]]:
    """Existing files, as one target: the Kestra configuration each holds (compiler.outer finds it in
    Helm values, compose files and Kubernetes manifests), each configuration file one layer."""
    from compiler.outer import read

    return found_layers([read(path, display_path(path), forced) for path in paths])


def found_layers(found: list[Found]) -> tuple[list[Layer], list[Note]]:
    """The layers of files already read, in the order Kestra reads them: a chart 1.x values file's
    own configuration, then the ConfigMaps and Secrets it mounts (when one of the files holds them)."""
    notes: list[Note] = []
    mounts: dict[int, list[Part]] = {}  # id of a values file -> the parts it mounts, in the chart's order
    taken: set[int] = set()
    for item in found:
        for reference in item.references:
            held = [
                part
                for other in found
                if other is not item
                for part in other.parts
                if (part.kind, part.name, part.key) == (reference.kind, reference.name, reference.key)
            ]
            if not held:
                notes.append(_not_given(item, reference))
            mounts.setdefault(id(item), []).extend(held)
            taken.update(id(part) for part in held)
    layers: list[Layer] = []
    used: dict[str, int] = {}
    for item in found:
        notes.extend(item.notes)
        if item.empty:
            notes.append(empty_file_note(item.display, "YAML"))
        if not item.parts:
            used[item.display] = used.get(item.display, 0) + 1
            label = item.display if used[item.display] == 1 else f"{item.display}#{used[item.display]}"
            layers.append(Layer(label, {}, {}))  # a template, or nothing of Kestra's: its notes say so
            continue
        for part in [p for p in item.parts if id(p) not in taken] + mounts.get(id(item), []):
            shown = part.loaded.path
            used[shown] = used.get(shown, 0) + 1
            label = shown if used[shown] == 1 else f"{shown}#{used[shown]}"
            kind = f"{'manifest' if part.kind else item.format} {part.where}" if part.where else ""
            loaded = part.loaded
            layers.append(Layer(label, loaded.data, loaded.positions, loaded.lookalikes, kind, loaded.directives))
    return layers, notes


def _not_given(item: Found, reference: Any) -> Note:
    entry = dotted(reference.path[:-1]) + f"[{reference.path[-1]}]"
    return Note(
        "mounted-file-not-given",
        reference.path,
        entry,
        f"{entry} mounts the key '{reference.key}' of the {reference.kind} '{reference.name}' as a Kestra "
        f"configuration file, but none of the files given holds it: its settings were not checked; give its "
        f"manifest too (kkc validate {item.display} FILE)",
        reference.origin,
    )


def _check_name(kind: str, name: str) -> None:
    if not _NAME_RE().match(name) or ".." in name:
        raise UsageError(f"invalid {kind} name '{name}': use letters, digits, '_', '-' and '.' only")


def _check_written_name(kind: str, name: str, origin: Origin, nested: bool = False) -> None:
    """A name in a config file becomes a path: no `..`, no absolute path (a nested group may use `/`)."""
    parts = name.split("/") if nested else [name]
    if all(_NAME_RE().match(part) and ".." not in part for part in parts):
        return
    nested_note = " (and '/' between nested group names)" if nested else ""
    raise InputError(
        f"invalid {kind} name '{name}' in the defaults list: use only letters, digits, '_', '-' and '.'{nested_note}",
        origin,
        rule="defaults-list",
    )


def _place(loaded: LoadedFile, package: str, label: str) -> Layer:
    """Put a file's keys at its Hydra package path."""
    prefix = tuple(p for p in package.split(".") if p) if package else ()
    data: Any = loaded.data
    for key in reversed(prefix):
        data = {key: data}
    positions = {(*prefix, *path): origin for path, origin in loaded.positions.items()}
    return Layer(
        label,
        data,
        positions,
        [Yaml11Lookalike((*prefix, *la.path), la.text, la.yaml11_type, la.origin) for la in loaded.lookalikes],
        directives=loaded.directives,
    )


@record
class _Default:
    kind: str  # "self", "group", "config"
    name: str
    option: str | None
    origin: Origin
    optional: bool = False  # `optional group: x`: a missing x.yaml is skipped, as Hydra does


class ConfigTree:
    """A Hydra config directory: its primary config, groups and targets; each file read once."""

    def __init__(self, config_dir: Path, config_name: str = "config") -> None:
        if not config_dir.exists():
            raise UsageError(
                f"config directory {display_path(config_dir)} does not exist "
                "(use --config-dir, or run kkc where ./conf is; kkc init writes a starting tree)"
            )
        if not config_dir.is_dir():
            raise UsageError(f"{display_path(config_dir)} is not a directory")
        if config_name.startswith("/") or ".." in config_name.split("/") or not config_name:
            raise UsageError(f"invalid --config-name '{config_name}': name a file inside --config-dir, without .yaml")
        self.config_dir = config_dir
        self.config_name = config_name
        primary = config_dir / f"{config_name}.yaml"
        if not primary.is_file():
            raise UsageError(f"no primary config {display_path(primary)}")
        self.primary_path = primary
        self._options: dict[str, list[str]] = {}
        # a group file is placed once for every target that reads it
        self._placed: Lru[tuple[Path, str, str, str], Layer] = Lru(LAYERS_KEPT)
        self.self_appended = False

    def load(self, path: Path) -> LoadedFile:
        return load_file(path, display_path(path))

    @cached_property
    def primary(self) -> LoadedFile:
        return self.load(self.primary_path)

    @cached_property
    def defaults(self) -> list[_Default]:
        primary = self.primary
        raw = primary.data.get("defaults", ["_self_"])
        where = primary.positions.get(("defaults",), Origin(primary.path))
        if not isinstance(raw, list):
            raise InputError("the defaults list must be a list", where, rule="defaults-list")
        entries: list[_Default] = []
        for index, item in enumerate(raw):
            origin = primary.positions.get(("defaults", index), where)
            if item == "_self_":
                entries.append(_Default("self", "_self_", None, origin))
            elif isinstance(item, str):
                _check_written_name("config", item, origin)
                entries.append(_Default("config", item, None, origin))
            elif isinstance(item, dict) and len(item) == 1:
                ((group, option),) = item.items()
                group = str(group)
                optional = group.startswith("optional ")
                if optional:
                    group = group.removeprefix("optional ").strip()
                if " " in group or "@" in group or group.startswith(("override", "/")):
                    raise InputError(
                        f"defaults entry '{group}' is not supported by kkc (use 'group: option')",
                        origin,
                        rule="defaults-list",
                    )
                if option is not None and not isinstance(option, str):
                    raise InputError(
                        f"defaults entry '{group}' must name one option or null", origin, rule="defaults-list"
                    )
                _check_written_name("group", group, origin, nested=True)
                if option is not None:
                    _check_written_name(group, option, origin)
                entries.append(_Default("group", group, option, origin, optional))
            else:
                raise InputError(
                    "a defaults entry must be _self_, a config name or 'group: option'", origin, rule="defaults-list"
                )
        if not any(e.kind == "self" for e in entries):
            # Hydra puts the primary config last then (and warns): its keys beat every env and instance.
            self.self_appended = "defaults" in primary.data
            entries.append(_Default("self", "_self_", None, where))
        return entries

    @cached_property
    def notes(self) -> list[Note]:
        """What every target of the tree inherits from its primary config."""
        notes = self._missing_default_options()
        if not self.defaults or not self.self_appended:
            return notes
        return notes + [
            Note(
                "defaults-without-self",
                ("defaults",),
                "defaults",
                f"the defaults list of {self.primary.path} has no _self_: Hydra then applies the file's own keys "
                "last, over every env and instance; write '- _self_' first to let them override it",
                self.primary.positions.get(("defaults",)),
            )
        ]

    def _missing_default_options(self) -> list[Note]:
        """A default option without its file: each target that chooses its own option compiles, but a run
        without a choice (and Hydra composing the primary config alone) fails."""
        notes = []
        for entry in self.defaults:
            if entry.kind != "group" or entry.option is None or entry.optional:
                continue
            available = self.options(entry.name)
            if entry.option in available:
                continue
            hint = difflib.get_close_matches(entry.option, available, n=1)
            did = f"; did you mean '{hint[0]}'?" if hint else ""
            notes.append(
                Note(
                    "defaults-option-missing",
                    ("defaults",),
                    "defaults",
                    f"the defaults list chooses {entry.name} '{entry.option}', which has no file "
                    f"{display_path(self.config_dir / entry.name / entry.option)}.yaml (available: "
                    f"{', '.join(available) or 'none'}): the targets that choose their own {entry.name} "
                    f"compile, but kkc without a choice, and Hydra composing {self.config_name}.yaml alone, fail{did}",
                    entry.origin,
                )
            )
        return notes

    @cached_property
    def groups(self) -> dict[str, str | None]:
        return {e.name: e.option for e in self.defaults if e.kind == "group"}

    def options(self, group: str) -> list[str]:
        if group not in self._options:
            folder = self.config_dir / group
            found: list[str] = []
            if folder.is_dir():
                with os.scandir(folder) as entries:
                    found = sorted(e.name[:-5] for e in entries if e.name.endswith(".yaml") and e.is_file())
            self._options[group] = found
        return self._options[group]

    def target(self, choices: dict[str, str | None]) -> Target:
        merged = dict(self.groups)
        written = {e.name: e.origin for e in self.defaults if e.kind == "group"}
        for group, option in choices.items():
            _check_name("group", group)
            if group not in merged:
                known = ", ".join(sorted(merged)) or "none"
                raise UsageError(
                    f"'{group}' is not a config group of {display_path(self.primary_path)}'s "
                    f"defaults list (groups: {known})"
                )
            if option is not None:
                _check_name(group, option)
            merged[group] = option
        optional = {e.name for e in self.defaults if e.kind == "group" and e.optional}
        for group, option in merged.items():
            if option is None:
                continue
            available = self.options(group)
            if option not in available and group in optional and group not in choices:
                merged[group] = None  # `optional group: x` without x.yaml: skipped, as Hydra does
                continue
            if option not in available:
                hint = difflib.get_close_matches(option, available, n=1)
                did = f"; did you mean '{hint[0]}'?" if hint else ""
                message = f"unknown {group} '{option}' (available: {', '.join(available) or 'none'}){did}"
                if group not in choices:
                    raise InputError(
                        f"defaults list: {message}; no file {display_path(self.config_dir / group / option)}.yaml",
                        written[group],
                        rule="defaults-list",
                    )
                raise UsageError(message)
        return Target(tuple(merged.items()))

    def all_targets(self) -> list[Target]:
        primary = self.primary
        listed = primary.data.get("targets")
        if listed is None:
            groups = list(self.groups)
            per_group: list[list[str | None]] = [list(self.options(g)) or [None] for g in groups]
            return [self.target(dict(zip(groups, combo, strict=True))) for combo in itertools.product(*per_group)]
        where = primary.positions.get(("targets",), Origin(primary.path))
        if not isinstance(listed, list) or not listed:
            raise InputError("targets must be a non-empty list of {env: E, instance: I}", where, rule="targets")
        targets = []
        seen: set[Target] = set()
        for index, item in enumerate(listed):
            origin = primary.positions.get(("targets", index), where)
            if not isinstance(item, dict) or not all(isinstance(v, str) for v in item.values()):
                raise InputError(
                    "each target must be a mapping like {env: prod, instance: eu1}", origin, rule="targets"
                )
            try:
                target = self.target({str(k): v for k, v in item.items()})
                if target in seen:  # a set: a list here made --all quadratic in the number of targets
                    raise UsageError(f"target {target.id} is listed twice")
                seen.add(target)
                targets.append(target)
            except UsageError as exc:
                raise InputError(f"targets[{index}]: {exc.message}", origin, rule="targets") from None
        return targets

    def files(self, target: Target) -> list[Path]:
        """The files `target` reads, as layers() reads them, without loading any but the primary config."""
        found = [self.primary_path]
        for entry in self.defaults:
            if entry.kind == "config":
                found.append(self.config_dir / f"{entry.name}.yaml")
            elif entry.kind == "group":
                option = target.option(entry.name)
                if option is not None:
                    found.append(self.config_dir / entry.name / f"{option}.yaml")
        return found

    def layers(self, target: Target) -> list[Layer]:
        layers: list[Layer] = []
        for entry in self.defaults:
            if entry.kind == "self":
                own, positions = self._own
                kind = f"{self.config_name}.yaml"
                primary = self.primary
                layers.append(Layer(primary.path, own, positions, primary.lookalikes, kind, primary.directives))
                continue
            if entry.kind == "config":
                _check_name("config", entry.name)
                path = self.config_dir / f"{entry.name}.yaml"
                if not path.is_file():
                    raise InputError(
                        f"defaults entry '{entry.name}': no file {display_path(path)}",
                        entry.origin,
                        rule="defaults-list",
                    )
                layers.append(self._group_file(path, "", entry.name, f"{entry.name}.yaml"))
                continue
            option = target.option(entry.name)
            if option is None:
                continue
            path = self.config_dir / entry.name / f"{option}.yaml"
            layers.append(self._group_file(path, entry.name, option, f"{entry.name} {option}"))
        return layers

    @cached_property
    def _own(self) -> tuple[dict[str, Any], dict[Path_, Origin]]:
        """The primary config's own settings and positions, filtered once: per target, the 2N positions of
        `targets:` made --all quadratic. `targets` is read once by all_targets(); no target needs it."""
        own = {k: v for k, v in self.primary.data.items() if k not in ("defaults", "targets", "hydra")}
        positions = {
            p: o for p, o in self.primary.positions.items() if p[:1] not in (("defaults",), ("targets",), ("hydra",))
        }
        return own, positions

    def _group_file(self, path: Path, group: str, option: str, kind: str) -> Layer:
        return self._placed.get((path, group, option, kind), lambda: self._place_group_file(path, group, option, kind))

    def _place_group_file(self, path: Path, group: str, option: str, kind: str) -> Layer:
        loaded = self.load(path)
        if "defaults" in loaded.data and loaded.data["defaults"] not in (["_self_"], []):
            raise InputError(
                f"a defaults list in a group file is not supported by kkc; list groups in {self.config_name}.yaml",
                loaded.positions.get(("defaults",), Origin(loaded.path)),
                rule="defaults-list",
            )
        data = {k: v for k, v in loaded.data.items() if k != "defaults"}
        trimmed = LoadedFile(loaded.path, data, loaded.positions, loaded.package, loaded.lookalikes, loaded.directives)
        package = loaded.package or "_group_"
        package = package.replace("_group_", group.replace("/", ".")).replace("_name_", option)
        package = package.removeprefix("_global_").lstrip(".")
        placed = _place(trimmed, package, loaded.path)
        placed.kind = kind
        return placed
