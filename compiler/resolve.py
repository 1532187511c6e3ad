"""Stage 4, resolve: replace `${...}` references to keys of the merged config with their values.

A placeholder whose key is a key of the merged config (its first segment a root key such as
`kestra` or `cluster`) is resolved now, after every layer and override is merged. Anything else
(`${KAFKA_PASSWORD}`, `${KAFKA_PASSWORD:changeme}`, `${random.uuid}`) is a run-time placeholder:
kept verbatim for Kestra and listed as a run-time requirement. A missing reference or a cycle is
an error naming each link of the chain with the file:line:column that wrote it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from compiler.errors import InputError, Origin
from compiler.keys import BUNDLED_NAME, Path_, dotted, get_path, has_path
from compiler.merge import Merged
from compiler.normalize import normalize_path, split_reference
from compiler.placeholders import Placeholder, PlaceholderSyntaxError, find
from compiler.secrets import is_secret_key
from compiler.values import as_text


@dataclass(frozen=True)
class Reference:
    """One placeholder met while resolving a value: what it named and what it gave."""

    text: str
    path: Path_ | None  # the config key it resolved to; None for a run-time placeholder
    value: Any


@dataclass
class Resolved:
    tree: dict[str, Any]
    references: dict[Path_, list[Reference]] = field(default_factory=dict)
    runtime: dict[str, list[Path_]] = field(default_factory=dict)
    problems: list[InputError] = field(default_factory=list)


def lookup_reference(tree: dict[str, Any], key: str) -> Path_ | None:
    """The path a placeholder key names in `tree`, dotted Kafka property names included."""
    path, _ = normalize_path(split_reference(key))
    if has_path(tree, path):
        return path
    return _greedy(tree, key.split("."), ())


def _greedy(node: Any, parts: list[str], path: Path_) -> Path_ | None:
    if not parts:
        return path
    if not isinstance(node, dict):
        return None
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        if key in node:
            found = _greedy(node[key], parts[n:], (*path, key))
            if found is not None:
                return found
    return None


class _Poisoned(Exception):
    """A value depends on one whose error was already reported: report nothing more."""


class _Resolver:
    def __init__(self, merged: Merged) -> None:
        self.failed: set[Path_] = set()
        self.missing: dict[str, tuple[InputError, list[Path_]]] = {}
        self.not_values: dict[Path_, tuple[InputError, list[Path_]]] = {}
        self.merged = merged
        self.source = merged.tree
        self.roots = set(merged.tree)
        self.done: dict[Path_, Any] = {}
        self.result = Resolved(tree={})

    def where(self, path: Path_) -> str:
        origin = self.merged.origin(path)
        return f"{dotted(path)} ({origin})" if origin else dotted(path)

    def is_config_key(self, key: str) -> bool:
        head = split_reference(key)[0]
        return head in self.roots or normalize_path((head,))[0][0] in self.roots

    def value(self, path: Path_, stack: tuple[Path_, ...]) -> Any:
        if path in self.done:
            return self.done[path]
        if path in self.failed:
            raise _Poisoned
        raw = get_path(self.source, path)
        try:
            value = self.string(raw, path, stack) if isinstance(raw, str) and "${" in raw else raw
        except InputError as exc:
            self.failed.add(path)
            self.result.problems.append(exc)
            raise _Poisoned from None
        except _Poisoned:
            self.failed.add(path)
            raise
        self.done[path] = value
        return value

    def string(self, text: str, path: Path_, stack: tuple[Path_, ...]) -> Any:
        try:
            found = find(text)
        except PlaceholderSyntaxError as exc:
            detail = str(exc)
            if path and is_secret_key(str(path[-1])):  # the message would quote part of the secret
                detail = f"{str(exc).split(' ', 2)[0]} placeholder in the value (value hidden: a secret key)"
            raise InputError(
                f"{dotted(path)}: {detail}", self.merged.origin(path), dotted(path), rule="placeholder-syntax"
            ) from None
        if len(found) == 1 and found[0].start == 0 and found[0].end == len(text):
            return self.placeholder(found[0], path, stack)
        pieces: list[str] = []
        last = 0
        for ph in found:
            pieces.append(text[last : ph.start])
            pieces.append(as_text(self.placeholder(ph, path, stack)))
            last = ph.end
        pieces.append(text[last:])
        return "".join(pieces)

    def placeholder(self, ph: Placeholder, path: Path_, stack: tuple[Path_, ...]) -> Any:
        runtime_keys: list[str] = []
        for key in ph.keys:
            target = lookup_reference(self.source, key)
            if target is None:
                if not self.is_config_key(key):
                    runtime_keys.append(key)
                continue
            if runtime_keys:
                break  # Micronaut tries the run-time key first: the whole placeholder stays for Kestra
            if target in stack or target == path:
                chain = [*stack[stack.index(target) :], path, target] if target in stack else [path, target]
                links = " -> ".join(self.where(p) for p in chain)
                raise InputError(
                    f"reference cycle: {links}", self.merged.origin(path), dotted(path), rule="reference-cycle"
                )
            node = get_path(self.source, target)
            if isinstance(node, dict | list):
                if target in self.not_values:
                    self.not_values[target][1].append(path)
                    raise _Poisoned
                error = InputError(
                    f"{dotted(path)}: '{ph.text}' names {self.where(target)}, which is a "
                    f"{'mapping' if isinstance(node, dict) else 'list'}, not a single value",
                    self.user_origin(path, target),
                    dotted(path),
                    rule="reference-not-a-value",
                )
                self.not_values[target] = (error, [])
                raise error
            value = self.value(target, (*stack, path))
            self.result.references.setdefault(path, []).append(Reference(ph.text, target, value))
            return value
        if runtime_keys:
            for key in runtime_keys:
                self.result.runtime.setdefault(key, []).append(path)
            self.result.references.setdefault(path, []).append(Reference(ph.text, None, ph.text))
            return ph.text
        if ph.default is not None:
            return self.string(ph.default, path, stack) if "${" in ph.default else ph.default
        missing = ph.keys[0]
        if missing in self.missing:
            self.missing[missing][1].append(path)
            raise _Poisoned
        hint, blocker = self._hint(missing)
        links = " -> ".join(self.where(p) for p in (*stack, path))
        error = InputError(
            f"'{ph.text}' names no key of the merged config: {links} -> {missing} (not found){hint}",
            self.user_origin(path, blocker) if blocker else self.merged.origin(path),
            dotted(path),
            rule="reference-missing",
        )
        self.missing[missing] = (error, [])
        raise error

    def _hint(self, key: str) -> tuple[str, Path_ | None]:
        """A 'did you mean', or the value in the way (and its path) when the reference goes through one."""
        import difflib

        parts = split_reference(key)
        path, _ = normalize_path(parts)
        for n in range(len(path) - 1, 0, -1):
            if has_path(self.source, path[:n]):
                parent = get_path(self.source, path[:n])
                if isinstance(parent, dict):
                    close = difflib.get_close_matches(str(path[n]), [str(k) for k in parent], n=1)
                    if close:
                        return f"; did you mean '{dotted((*path[:n], close[0]))}'?", None
                elif parent is not None:
                    kind = "a list" if isinstance(parent, list) else "a single value"
                    return f"; {self.where(path[:n])} is {kind}, not a mapping", path[:n]
                break
        return "", None

    def user_origin(self, path: Path_, culprit: Path_) -> Origin | None:
        """Where to point: the referring value, unless Kestra's bundled defaults wrote it (then the culprit)."""
        origin = self.merged.origin(path)
        if origin is not None and origin.file == BUNDLED_NAME:
            return self.merged.origin(culprit) or origin
        return origin


def resolve(merged: Merged) -> Resolved:
    resolver = _Resolver(merged)

    def walk(node: Any, path: Path_) -> Any:
        if isinstance(node, dict):
            return {k: walk(v, (*path, k)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, (*path, i)) for i, v in enumerate(node)]
        if isinstance(node, str) and "${" in node:
            try:
                return resolver.value(path, ())
            except _Poisoned:
                return node
        return node

    resolver.result.tree = walk(merged.tree, ())
    for error, others in [*resolver.missing.values(), *resolver.not_values.values()]:
        if others:
            names = ", ".join(dotted(p) for p in others[:3]) + (", ..." if len(others) > 3 else "")
            error.message += f" (also referenced by {len(others)} more: {names})"
    return resolver.result
