"""`kkc explain KEY`: the winning value of a key and the whole chain that produced it.

Every layer that set the key (bundled defaults, config.yaml, env, instance, override) with its
file:line:column and what it set, then every `${...}` the value went through, explained the same
way, recursively. Derived values (`clients.producer.acks`, `topics.execution.partitions`) first
name the config key they come from.
"""

from __future__ import annotations

from dataclasses import field
from typing import TYPE_CHECKING, Any

from compiler.errors import InputError
from compiler.keys import ROLE_DEFAULTS, Path_, dotted, get_path, has_path
from compiler.model import Compiled
from compiler.records import record
from compiler.resolve import lookup_reference
from compiler.secrets import MASK, is_secret_key
from compiler.values import as_text

if TYPE_CHECKING:
    from compiler.validate import Selection


@record(frozen=False)
class Explanation:
    key: str
    value: Any
    set_by: list[dict[str, Any]] = field(default_factory=list)
    interpolations: list[dict[str, Any]] = field(default_factory=list)
    derived: str | None = None
    # rules.<id or family>: the level in force of each rule it names, and why an entry is not applied
    levels: dict[str, dict[str, str]] | None = None
    not_applied: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "value": self.value}
        if self.derived:
            out["derived-from"] = self.derived
        out["set-by"] = self.set_by
        out["interpolations"] = self.interpolations
        if self.levels is not None:
            out["levels"] = self.levels
            if self.not_applied:
                out["not-applied"] = self.not_applied
        return out


def _mask(path: Path_, value: Any, show: bool) -> Any:
    if show or not path or path[0] == "rules" or not is_secret_key(str(path[-1])) or value in (None, ""):
        return value
    return MASK


def _source_of_derived(compiled: Compiled, parts: list[str]) -> tuple[Path_, str] | None:
    tree = compiled.resolved.tree
    if parts[0] == "clients" and len(parts) >= 3 and parts[1] in ("admin", *ROLE_DEFAULTS):
        role, prop = parts[1], ".".join(parts[2:])
        section = ROLE_DEFAULTS.get(role)
        if section:
            path: Path_ = ("kestra", "kafka", "defaults", section, "properties", prop)
            if has_path(tree, path):
                return path, f"the {role} client gets defaults.{section}.properties over client.properties"
        path = ("kestra", "kafka", "client", "properties", prop)
        if has_path(tree, path):
            return path, f"the {role} client gets kestra.kafka.client.properties"
        return None
    if parts[0] == "topics" and len(parts) >= 3:
        topic, fld = parts[1], parts[2]
        own: Path_ = ("kestra", "kafka", "topics", topic, fld)
        if fld == "properties" and len(parts) >= 4:
            prop = ".".join(parts[3:])
            own = (*own, prop)
            if has_path(tree, own):
                return own, f"topic {topic}'s own property"
            return (
                "kestra",
                "kafka",
                "defaults",
                "topic",
                "properties",
                prop,
            ), f"topic {topic} has no own {prop}: topic defaults"
        if has_path(tree, own):
            return own, f"topic {topic}'s own {fld}"
        if fld in ("partitions", "replication-factor"):
            return ("kestra", "kafka", "defaults", "topic", fld), f"topic {topic} has no own {fld}: topic defaults"
    return None


def _closest(tree: dict[str, Any], key: str) -> str | None:
    """The key of the tree nearest to a mistyped one (each Kafka property name whole)."""
    import difflib

    keys: list[str] = []

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict):
            for name, child in node.items():
                dotted_key = f"{prefix}.{name}" if prefix else str(name)
                keys.append(dotted_key)
                walk(child, dotted_key)

    walk(tree, "")
    close = difflib.get_close_matches(key, keys, n=1, cutoff=0.85)
    return close[0] if close else None


def explain(
    compiled: Compiled, key: str, show_secrets: bool = False, selection: Selection | None = None
) -> Explanation:
    if not key.strip() or key.strip(".") != key:
        raise InputError(
            f"'{key}' is not a key: give a full key path such as kestra.kafka.defaults.topic-prefix", rule="unknown-key"
        )
    parts = key.split(".")
    if parts[0] == "rules" and len(parts) == 2:
        return _explain_rule(compiled, parts[1], show_secrets, selection)
    derived = None
    path = lookup_reference(compiled.resolved.tree, key) if parts[0] not in ("clients", "topics") else None
    if path is None and parts[0] in ("clients", "topics"):
        found = _source_of_derived(compiled, parts)
        if found is None:
            raise InputError(
                f"no value for '{key}' in target {compiled.target} (clients.<admin|consumer|producer|streams>."
                "<property>, topics.<key>.<partitions|replication-factor|name|properties.<property>>)",
                rule="unknown-key",
            )
        path, derived = found
        derived = f"{dotted(path)} ({derived})"
    if path is None or not has_path(compiled.resolved.tree, path):
        close = _closest(compiled.resolved.tree, key)
        did = f"; did you mean '{close}'?" if close else ""
        raise InputError(
            f"'{key}' is not a key of target {compiled.target} (write Kafka property names whole, e.g. "
            "kestra.kafka.client.properties.bootstrap.servers; or clients.producer.acks, topics.execution.partitions)"
            + did,
            rule="unknown-key",
        )
    out = _explain_path(compiled, path, show_secrets, set())
    out.key = key
    out.derived = derived
    return out


def _explain_rule(compiled: Compiled, name: str, show: bool, selection: Selection | None) -> Explanation:
    """rules.<id or family>: where it is set (if it is), and the level in force of each rule it names."""
    from compiler.validate import Levels, Selection, families, is_stage_id, unknown_name

    unknown = unknown_name(name)
    if unknown:
        raise InputError(f"'rules.{name}': {unknown}", rule="unknown-key")
    path: Path_ = ("rules", name)
    if has_path(compiled.resolved.tree, path):
        out = _explain_path(compiled, path, show, set())
    else:
        out = Explanation(dotted(path), None)
    levels = Levels(compiled, selection or Selection())
    ids = families().get(name) or (name,)
    out.levels = {rule_id: levels.of(rule_id).to_dict(rule_id) for rule_id in ids}
    out.not_applied = next((message for where, message in levels.problems if where == path), "")
    if is_stage_id(name) and not out.not_applied and out.set_by:
        out.not_applied = "errors that stop compilation are always errors"
    return out


def _explain_path(compiled: Compiled, path: Path_, show: bool, seen: set[Path_]) -> Explanation:
    value = get_path(compiled.resolved.tree, path)
    if isinstance(value, dict | list):
        value = "(a mapping)" if isinstance(value, dict) else [as_text(v) for v in value]
    result = Explanation(dotted(path), _mask(path, value, show))
    chain = compiled.merged.settings.get(path, [])
    for index, setting in enumerate(chain):
        origin = setting.origin
        result.set_by.append(
            {
                "layer": setting.layer,
                "file": origin.file if origin else "",
                "line": origin.line if origin else 0,
                "column": origin.column if origin else 0,
                "value": _mask(path, setting.value, show),
                "winning": index == len(chain) - 1,
            }
        )
    seen = seen | {path}
    for ref in compiled.resolved.references.get(path, []):
        entry: dict[str, Any] = {"placeholder": ref.text}
        if ref.path is None:
            entry["run-time"] = True
            entry["note"] = "kept verbatim: Kestra resolves it at start-up (environment variable or property)"
            if ref.value != ref.text:  # a Hydra oc.env call, written in Micronaut's syntax
                written = _mask(path, ref.value, show)
                entry["note"] = (
                    f"written for Kestra as {written}: Kestra resolves it at start-up (environment variable)"
                )
        elif ref.path in seen:
            entry["key"] = dotted(ref.path)
        else:
            inner = _explain_path(compiled, ref.path, show, seen)
            entry.update(inner.to_dict())
        result.interpolations.append(entry)
    return result


def render_text(explanation: Explanation, target: str) -> str:
    unset = explanation.levels is not None and not explanation.set_by
    value = "(not set in any layer)" if unset else _show(explanation.value)
    lines = [f"{explanation.key} = {value}    [target {target}]"]
    if explanation.derived:
        lines.append(f"  from {explanation.derived}")
    lines.extend(_render_body(explanation.to_dict(), "  "))
    if explanation.not_applied:
        lines.append(f"  not applied: {explanation.not_applied}")
    levels = {rule_id: f"{d['level']} ({d['source']})" for rule_id, d in (explanation.levels or {}).items()}
    if len(levels) == 1:
        lines.append(f"  level: {next(iter(levels.values()))}")
    elif levels:
        family = explanation.key.split(".", 1)[1]
        lines.append(f"  levels of the {len(levels)} rules of family {family}:")
        width = max(len(rule_id) for rule_id in levels)
        lines.extend(f"    {rule_id:<{width}}  {shown}" for rule_id, shown in levels.items())
    return "\n".join(lines) + "\n"


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    return as_text(value) if value is not None else "null"


def _render_body(doc: dict[str, Any], indent: str) -> list[str]:
    lines = []
    set_by = doc.get("set-by", [])
    if set_by:
        lines.append(f"{indent}set by (lowest layer first):")
        for item in set_by:
            where = f"{item['file']}:{item['line']}:{item['column']}" if item["line"] else item["file"]
            mark = "  <- wins" if item["winning"] and len(set_by) > 1 else ""
            lines.append(f"{indent}  {where:<40} {item['layer']:<24} {_show(item['value'])}{mark}")
    for interp in doc.get("interpolations", []):
        if interp.get("run-time"):
            lines.append(f"{indent}{interp['placeholder']}: run-time placeholder, {interp['note']}")
            continue
        lines.append(f"{indent}{interp['placeholder']} <- {interp['key']} = {_show(interp.get('value'))}")
        lines.extend(_render_body(interp, indent + "    "))
    return lines
