"""Stage 4, resolve: replace `${...}` references to keys of the merged config with their values.

A placeholder whose key is a key of the merged config (its first segment a root key such as
`kestra` or `cluster`) is resolved now, after every layer and override is merged. Anything else
(`${KAFKA_PASSWORD}`, `${KAFKA_PASSWORD:changeme}`, `${random.uuid}`) is a run-time placeholder:
kept verbatim for Kestra and listed as a run-time requirement. A missing reference or a cycle is
an error naming each link of the chain with the file:line:column that wrote it.

In a Hydra config tree, calls of Hydra's and OmegaConf's resolvers (`${oc.env:VAR}`,
`${oc.select:key,fallback}`, ...) are compiled by compiler/resolvers.py: `oc.env` becomes the
Micronaut placeholder Kestra resolves at start-up, the others are evaluated now or refused.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import field, replace
from typing import Any

from compiler.errors import InputError, Origin
from compiler.keys import BUNDLED_NAME, Path_, dotted, get_path, has_path
from compiler.merge import Merged
from compiler.normalize import normalize_path, split_reference
from compiler.placeholders import RESOLVER_CALL, Placeholder, PlaceholderSyntaxError, find
from compiler.records import record
from compiler.resolvers import ResolverProblem, evaluate
from compiler.secrets import is_secret_key
from compiler.values import as_text


@record(slots=True)
class Reference:
    """One placeholder met while resolving a value: what it named and what it gave."""

    text: str
    path: Path_ | None  # the config key it resolved to; None for a run-time placeholder
    value: Any


@record(frozen=False)
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
    def __init__(self, merged: Merged, hydra: bool) -> None:
        self.hydra = hydra
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
            found = find(text, self.hydra)
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
            value = self.placeholder(ph, path, stack)
            pieces.append(str(value) if ph.resolver else as_text(value))  # OmegaConf joins with str()
            last = ph.end
        pieces.append(text[last:])
        return "".join(pieces)

    def placeholder(self, ph: Placeholder, path: Path_, stack: tuple[Path_, ...]) -> Any:
        if ph.backslashes:
            return "\\" * (ph.backslashes // 2) + self.escaped(ph, path, stack)
        if ph.resolver:
            return self.call(ph, path, stack)
        runtime_keys: list[str] = []
        for key in ph.keys:
            target = lookup_reference(self.source, key)
            if target is None:
                if not self.is_config_key(key):
                    runtime_keys.append(key)
                continue
            if runtime_keys:
                break  # Micronaut tries the run-time key first: the whole placeholder stays for Kestra
            return self.follow(ph.text, target, path, stack)
        if runtime_keys:
            if self.hydra and RESOLVER_CALL().search(ph.text):
                raise InputError(
                    f"{dotted(path)}: in '{ph.text if not _secret(path) else '${' + ph.keys[0] + ':...}'}', a Hydra "
                    "resolver call sits in the default of a "
                    "placeholder kept for Kestra, and would reach Micronaut as written (Micronaut ends a "
                    "placeholder at its first '}' and never resolves a nested one); write the fallback with "
                    "oc.env: ${oc.env:NAME,${oc.env:OTHER,value}}",
                    self.merged.origin(path),
                    dotted(path),
                    rule="resolver-unsupported",
                )
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

    def escaped(self, ph: Placeholder, path: Path_, stack: tuple[Path_, ...]) -> str:
        """After OmegaConf's backslashes: an escaped `${...}` is literal text for Kestra, else it is resolved."""
        if not ph.escaped:
            value = self.placeholder(replace(ph, backslashes=0), path, stack)
            return str(value) if ph.resolver else as_text(value)
        body = ph.text[2:]  # OmegaConf escapes the `${` only: an interpolation after it is still resolved
        literal = "${" + (as_text(self.string(body, path, stack)) if "${" in body else body)
        with contextlib.suppress(PlaceholderSyntaxError):
            for written in find(literal):
                for key in written.keys:
                    if not self.is_config_key(key):
                        self.result.runtime.setdefault(key, []).append(path)
        self.result.references.setdefault(path, []).append(Reference(ph.text, None, literal))
        return literal

    def follow(self, shown: str, target: Path_, path: Path_, stack: tuple[Path_, ...]) -> Any:
        """The resolved value of config key `target`, which the placeholder `shown` at `path` names."""
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
                f"{dotted(path)}: '{shown}' names {self.where(target)}, which is a "
                f"{'mapping' if isinstance(node, dict) else 'list'}, not a single value",
                self.user_origin(path, target),
                dotted(path),
                rule="reference-not-a-value",
            )
            self.not_values[target] = (error, [])
            raise error
        value = self.value(target, (*stack, path))
        self.result.references.setdefault(path, []).append(Reference(shown, target, value))
        return value

    def call(self, ph: Placeholder, path: Path_, stack: tuple[Path_, ...]) -> Any:
        """A Hydra resolver call: its value now, or the Micronaut placeholder Kestra resolves at start-up."""
        lookups = _CallLookups(self, ph, path, stack)
        shown = _shown(ph, path)
        try:
            value = evaluate(ph.text, lookups)
        except ResolverProblem as problem:
            detail = "" if _secret(path) else problem.detail
            raise InputError(
                f"{dotted(path)}: in '{shown}', {problem.message}{detail}",
                self.merged.origin(path),
                dotted(path),
                rule=problem.rule,
            ) from None
        if isinstance(value, dict | list):
            raise InputError(
                f"{dotted(path)}: '{shown}' gives a {'mapping' if isinstance(value, dict) else 'list'}, and kkc "
                "puts only single values in place of a ${...} (as for reference-not-a-value): write the mapping or "
                "list itself",
                self.merged.origin(path),
                dotted(path),
                rule="resolver-unsupported",
            )
        if isinstance(value, str) and "${" in value:
            for written in find(value):
                for key in written.keys:
                    if key in lookups.runtime_names and path not in self.result.runtime.get(key, []):
                        self.result.runtime.setdefault(key, []).append(path)
            if lookups.runtime_names:
                self.result.references.setdefault(path, []).append(Reference(shown, None, value))
        return value

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


class _CallLookups:
    """What one resolver call reads: config keys (resolved now) and run-time placeholders (kept for Kestra)."""

    def __init__(self, resolver: _Resolver, ph: Placeholder, path: Path_, stack: tuple[Path_, ...]) -> None:
        self.resolver = resolver
        self.ph = ph
        self.path = path
        self.stack = stack
        self.runtime_names: set[str] = set()

    def node(self, key: str) -> Any:
        key = self._absolute(key)
        if lookup_reference(self.resolver.source, key) is None and not self.resolver.is_config_key(key):
            return self.runtime("${" + key + "}")
        return self.resolver.placeholder(
            Placeholder(0, len(key) + 3, "${" + key + "}", (key,), None), self.path, self.stack
        )

    def runtime(self, text: str) -> str:
        with contextlib.suppress(PlaceholderSyntaxError):
            self.runtime_names.update(key for written in find(text) for key in written.keys)
        return text

    def select(self, key: str, resolver: str) -> tuple[bool, Any]:
        dots, parts = split_key(key)
        base = self._base(dots, key)
        target, _ = normalize_path((*base, *parts))
        node, target = _select_node(self.resolver.source, target)
        if node is _ABSENT or node == "???":  # OmegaConf's missing value counts as absent
            whole = lookup_reference(self.resolver.source, key) if not dots else None
            if whole is not None and whole != target:
                raise ResolverProblem(
                    "resolver-invalid",
                    f"{resolver} reads '{key}' as the path {' -> '.join(str(p) for p in target[len(base) :])}, "
                    f"which does not exist, so Hydra would not find {dotted(whole)}: to select that Kafka property, "
                    f"write {dotted(whole[:-1])}[{whole[-1]}]",
                )
            return False, None
        return True, self.resolver.follow(_shown(self.ph, self.path), target, self.path, self.stack)

    def _base(self, dots: int, key: str) -> Path_:
        if dots > len(self.path):
            raise ResolverProblem("resolver-invalid", f"'{key}' goes above the config's root")
        return self.path[: len(self.path) - dots] if dots else ()

    def _absolute(self, key: str) -> str:
        """A relative `${.key}` (OmegaConf: from the value's parent, one more dot per level up), made absolute."""
        dots = len(key) - len(key.lstrip("."))
        if not dots:
            return key
        base = self._base(dots, key)
        rest = key[dots:]
        if not base:
            return rest
        return ".".join(str(p) for p in base) + ("" if rest.startswith("[") else ".") + rest


_ABSENT = object()


def _select_node(tree: Any, path: Path_) -> tuple[Any, Path_]:
    """The node at `path` as OmegaConf's select walks it (list items by index) or _ABSENT, and its path."""
    node = tree
    found: list[str | int] = []
    for part in path:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and str(part).isdigit() and int(part) < len(node):
            part = int(part)
            node = node[part]
        else:
            return _ABSENT, path
        found.append(part)
    return node, tuple(found)


def split_key(key: str) -> tuple[int, Path_]:
    """OmegaConf's reading of a select key: its leading dots, then `a.b[c.d]` as ('a', 'b', 'c.d')."""
    dots = len(key) - len(key.lstrip("."))
    rest = key[dots:]
    head = re.match(r"[^.\[]*", rest)
    assert head is not None
    parts: list[str | int] = [head.group(0)] if head.group(0) or not rest.startswith("[") else []
    for dot_key, bracket_key in re.findall(r"\.([^.\[]*)|\[(.*?)\]", rest[head.end() :]):
        parts.append(dot_key or bracket_key)
    return dots, tuple(parts)


def _secret(path: Path_) -> bool:
    return bool(path) and is_secret_key(str(path[-1]))


def _shown(ph: Placeholder, path: Path_) -> str:
    """A resolver call as it may be printed: in a secret key, its arguments hidden (a default may be the secret)."""
    if ph.resolver and _secret(path):
        return "${" + ph.resolver + ":...}"
    return ph.text


def resolve(merged: Merged, hydra: bool = False) -> Resolved:
    """`hydra`: the tree comes from a Hydra config tree, where `${oc.env:...}` and the like are resolver calls."""
    resolver = _Resolver(merged, hydra)

    def walk(node: Any, path: Path_) -> Any:
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                # most values are plain scalars: copied without a call or a path of their own
                plain = not isinstance(value, dict | list) and not (isinstance(value, str) and "${" in value)
                out[key] = value if plain else walk(value, (*path, key))
            return out
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
