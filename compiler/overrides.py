"""Command-line overrides, in Hydra's grammar, extended so a Kafka property name stays whole.

    env=prod                      select a config group option
    key.path=value                change an existing key (Hydra: it must exist)
    +key.path=value               add a key that does not exist yet
    ++key.path=value              add or change
    ~key.path                     delete
    kestra.kafka.client.properties[bootstrap.servers]=b1:9092,b2:9092

Hydra's own grammar cannot name a dotted key (its `+a.b.c` silently nests). Plain values follow
Hydra's typing (int, float, true/false, null, else string); a value with commas is one string
(Hydra would start a sweep, which kkc never does). `{...}` and `[...]` values are parsed by Hydra.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from compiler.errors import InputError, Origin
from compiler.keys import Path_, dotted
from compiler.merge import Merged, Setting
from compiler.normalize import expand, normalize_path, split_reference
from compiler.patterns import lazy
from compiler.records import record

_KEY_RE = lazy(r"^(~|\+\+|\+)?([A-Za-z0-9_./@\-]+(?:\[[^\]]*\][A-Za-z0-9_.\-]*)*)(?:=(.*))?$", re.S)
_INT_RE = lazy(r"^[-+]?(0|[1-9][0-9_]*)$")
_FLOAT_RE = lazy(r"^[-+]?(\d[\d_]*\.\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?|\d[\d_]*[eE][-+]?\d+|inf|nan)$", re.I)
_ESCAPED = lazy(r"\\([\\()\[\]{}:=, \t'\"])")


@record
class Override:
    text: str
    shown: str  # the text with a secret value masked, for every message
    index: int
    op: str  # "set", "add", "force", "delete"
    key: str
    path: Path_
    has_value: bool
    value: Any

    @property
    def origin(self) -> Origin:
        return Origin(f"<override #{self.index + 1} '{self.shown}'>", layer="override")


def parse_value(raw: str, text: str) -> Any:
    stripped = raw.strip()
    if stripped == "":
        return ""
    if stripped[0] in "{[":
        return _hydra_value(stripped, text)
    if len(stripped) >= 2 and stripped[0] == stripped[-1] and stripped[0] in "'\"":
        inner = stripped[1:-1]
        return inner.replace("\\" + stripped[0], stripped[0])
    if stripped.lower() == "null":
        return None
    if stripped.lower() in ("true", "false"):
        return stripped.lower() == "true"
    if _INT_RE().match(stripped):
        return int(stripped.replace("_", ""))
    if _FLOAT_RE().match(stripped):
        return float(stripped.replace("_", ""))
    bare = _ESCAPED().sub("", re.sub(r"\$\{[^}]*\}", "", stripped))
    bad = sorted({c for c in bare if c in "={}[]()'\""})
    if bad:
        raise InputError(
            f"bad override '{text}': the value has {' '.join(bad)} outside quotes; quote the whole value "
            f"(key='...') or escape the character with a backslash",
            rule="bad-override",
        )
    return _ESCAPED().sub(r"\1", stripped)


def _hydra_value(raw: str, text: str) -> Any:
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    try:
        parsed = OverridesParser.create().parse_overrides([f"k={raw}"])[0]
        value = parsed.value()
    except HydraException as exc:
        first = str(exc).strip().splitlines()[0]
        raise InputError(f"bad override value in '{text}': {first}", rule="bad-override") from None
    if type(value).__name__ in ("ChoiceSweep", "RangeSweep", "IntervalSweep", "Glob"):
        raise InputError(f"override '{text}': sweeps are not supported by kkc", rule="bad-override")
    return value


def masked(text: str) -> str:
    """The override as it may be printed: the value of a secret key hidden."""
    from compiler.secrets import MASK, is_secret_key

    key, eq, value = text.partition("=")
    last = split_reference(key.lstrip("~+"))[-1] if key.strip("~+") else ""
    if not eq or not value:
        return text
    inner_keys = re.findall(r"[\w.\-]+(?=\s*:)", value) if value.lstrip()[:1] in "{[" else []
    if is_secret_key(str(last)) or any(is_secret_key(k) for k in inner_keys):
        return f"{key}={MASK}"
    return text


def parse(text: str, index: int) -> Override:
    shown = masked(text)
    match = _KEY_RE().match(text)
    if not match:
        raise InputError(
            f"bad override '{shown}': expected key=value, +key=value, ++key=value or ~key "
            "(a Kafka property name with dots goes in brackets: ...properties[bootstrap.servers]=x)",
            rule="bad-override",
        )
    prefix, key, raw = match.groups()
    op = {"~": "delete", "+": "add", "++": "force", None: "set"}[prefix]
    if raw is None and op != "delete":
        raise InputError(f"bad override '{shown}': missing '=value'", rule="bad-override")
    path = split_reference(key)
    if any(part == "" for part in path):
        raise InputError(f"bad override '{shown}': empty key segment in '{key}'", rule="bad-override")
    value = parse_value(raw, shown) if raw is not None else None
    return Override(text, shown, index, op, key, path, raw is not None, value)


def split_args(args: list[str], groups: list[str]) -> tuple[dict[str, str | None], list[Override]]:
    """Group selections (`env=prod`) apart from value overrides."""
    choices: dict[str, str | None] = {}
    overrides: list[Override] = []
    for index, text in enumerate(args):
        name, eq, rest = text.partition("=")
        if eq and name in groups:
            value = rest.strip()
            choices[name] = None if value == "null" else value
            continue
        if name.startswith("~") and name[1:] in groups and not eq:
            choices[name[1:]] = None
            continue
        if eq and name.lstrip("+") in groups:
            # Hydra's +env=x adds a second env to the defaults list; kkc has one per group.
            raise InputError(
                f"bad override '{masked(text)}': {name.lstrip('+')} is a config group; choose its option with "
                f"'{name.lstrip('+')}={rest}'",
                rule="bad-override",
            )
        close = difflib.get_close_matches(name, groups, n=1) if eq and name.isidentifier() else []
        if close:
            shown = masked(text)
            raise InputError(
                f"bad override '{shown}': '{name}' is not a config group (groups: {', '.join(groups)}); "
                f"did you mean '{close[0]}={shown.partition('=')[2]}'?",
                rule="bad-override",
            )
        overrides.append(parse(text, index))
    return choices, overrides


def _lookup(tree: dict[str, Any], path: Path_) -> tuple[bool, Any]:
    node: Any = tree
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _suggest(tree: dict[str, Any], path: Path_) -> str:
    found, parent = _lookup(tree, path[:-1])
    if not found or not isinstance(parent, dict):
        return ""
    close = difflib.get_close_matches(str(path[-1]), [str(k) for k in parent], n=1)
    return f" Did you mean '{dotted((*path[:-1], close[0]))}'?" if close else ""


def apply(merged: Merged, overrides: list[Override]) -> None:
    """Apply overrides in order, with Hydra's rules for what must and must not exist."""
    for ov in overrides:
        path, _ = normalize_path(ov.path)
        exists, current = _lookup(merged.tree, path)
        setting = Setting("override", ov.origin, ov.value)
        if ov.op == "delete":
            if not exists:
                raise InputError(
                    f"override '{ov.shown}': cannot delete '{dotted(path)}', no such key."
                    + _suggest(merged.tree, path),
                    rule="bad-override",
                )
            if ov.has_value and ov.value != current:
                raise InputError(f"override '{ov.shown}': '{dotted(path)}' has another value", rule="bad-override")
            _, parent = _lookup(merged.tree, path[:-1])
            del parent[path[-1]]
            merged.forget_below(path, include_self=True)
            merged.origins[path] = ov.origin  # so a report about the missing key points at this override
            continue
        _refuse_inside_value(merged.tree, path, ov)
        if ov.op == "set" and not exists:
            group_hint = ""
            if len(path) == 1:
                group_hint = (
                    f" If '{path[0]}' is meant to choose a config group, list it in the primary config's defaults "
                    f"list (- {path[0]}: <option>)."
                )
            raise InputError(
                f"override '{ov.shown}': no key '{dotted(path)}' to change; to add it, write "
                f"'+{ov.shown}'.{_suggest(merged.tree, path)}{group_hint}",
                rule="bad-override",
            )
        if ov.op == "add" and exists and not isinstance(ov.value, dict):
            raise InputError(
                f"override '{ov.shown}': '{dotted(path)}' already exists; to change it, write '{ov.shown.lstrip('+')}'",
                rule="bad-override",
            )
        if ov.op == "set" and isinstance(current, dict) and not isinstance(ov.value, dict):
            raise InputError(
                f"override '{ov.shown}': '{dotted(path)}' is a mapping; override a key inside it, or give a "
                "mapping value like {key:value}",
                rule="bad-override",
            )
        for end in range(1, len(path)):  # mappings the override creates are its own, not the enclosing layer's
            if not _lookup(merged.tree, path[:end])[0]:
                merged.origins[path[:end]] = ov.origin
        if isinstance(ov.value, dict) and (isinstance(current, dict) or not exists):
            _merge_dict(merged, path, ov.value, setting, strict=ov.op == "set")
        else:
            merged.set_leaf(path, ov.value, setting)


def _refuse_inside_value(tree: dict[str, Any], path: Path_, ov: Override) -> None:
    """Hydra refuses to add a key below a value or a list; kkc would silently replace the value."""
    node: Any = tree
    for index, part in enumerate(path[:-1]):
        if not isinstance(node, dict) or part not in node:
            return
        node = node[part]
        if node is not None and not isinstance(node, dict):
            where = dotted(path[: index + 1])
            kind = "a list" if isinstance(node, list) else "a single value"
            raise InputError(
                f"override '{ov.shown}': '{where}' is {kind}, not a mapping, so it has no key "
                f"'{dotted(path[index + 1 :])}'; override '{where}' itself",
                rule="bad-override",
            )


def _merge_dict(merged: Merged, path: Path_, value: dict[str, Any], setting: Setting, strict: bool) -> None:
    if not value:
        _, node = _lookup(merged.tree, path)
        if node is None:
            merged.set_leaf(path, {}, setting)
            merged.settings.pop(path, None)
        return
    for key, child in value.items():
        # Keys inside a mapping value are bound like a layer's: camelCase, dotted paths, doc variants.
        here, _ = normalize_path((*path, *expand(path, str(key))))
        exists, current = _lookup(merged.tree, here)
        if strict and not exists:
            raise InputError(f"override: no key '{dotted(here)}' to change; use '++' to add keys", rule="bad-override")
        if isinstance(child, dict) and (isinstance(current, dict) or not exists):
            _merge_dict(merged, here, child, Setting(setting.layer, setting.origin, child), strict)
        else:
            merged.set_leaf(here, child, Setting(setting.layer, setting.origin, child))
