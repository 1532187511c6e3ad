"""What a validation rule is, and the context it reads.

A rule is a frozen record: a stable id, its family, its default level, a one-line summary, and a
failing and a passing example (one layer of YAML over Kestra's bundled defaults; `tests/
test_rule_examples.py` compiles both and checks the rule fires on the first and not the second).
Rules never reach back into earlier stages: they read a `Compiled` through a `Context`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from compiler.diagnostics import Diagnostic, at
from compiler.errors import Origin
from compiler.keys import (
    BUNDLED_NAME,
    CLIENT_PROPERTIES,
    KAFKA_PATH,
    ROLE_DEFAULTS,
    ROLES,
    Path_,
    dotted,
    has_path,
    role_properties_path,
)
from compiler.model import Compiled
from compiler.values import as_text


@dataclass(frozen=True)
class Finding:
    """A rule's report: where (a key path of the merged config) and what."""

    path: Path_
    message: str
    level: str | None = None  # None: the rule's default level
    origin: Origin | None = None  # when the position is not the one of `path`
    # The user's setting that makes a value of Kestra's bundled defaults a problem (cluster.brokers, a
    # policy): the finding is reported there, since the user has no file holding Kestra's defaults.
    cause: Origin | None = None


@dataclass(frozen=True)
class Example:
    """A layer of YAML over the bundled defaults; several layers make several targets.

    `tree` instead holds the files of a Hydra config tree (relative path -> text), all targets.
    """

    layers: tuple[str, ...]
    options: tuple[tuple[str, Any], ...] = ()
    tree: tuple[tuple[str, str], ...] = ()
    properties: tuple[str, str] | None = None  # (client role, text of a .properties file)


@dataclass(frozen=True)
class Rule:
    id: str
    family: str
    level: str
    summary: str
    check: Callable[[Context], Iterable[Finding]] | None = None
    check_all: Callable[[list[Context]], Iterable[tuple[Context, Finding]]] | None = None
    failing: Example | None = None
    passing: Example | None = None


def example(*layers: str, **options: Any) -> Example:
    return Example(tuple(layers), tuple(sorted(options.items())))


def properties_example(role: str, text: str) -> Example:
    """A plain Kafka client .properties file, validated as `kkc validate FILE --as ROLE` does."""
    return Example((), (), (), (role, text))


def tree_example(**files: str) -> Example:
    """A Hydra tree: keyword names are paths with '__' for '/' (env__dev_yaml -> env/dev.yaml)."""
    return Example(
        (), (), tuple((name.replace("__", "/").replace("_yaml", ".yaml"), text) for name, text in files.items())
    )


@dataclass(frozen=True)
class PropertySet:
    """One map of Kafka properties as written in the config, and the Kafka section that reads it."""

    path: Path_  # the `properties` map's path; a key's full path is (*path, key)
    sections: tuple[str, ...]  # catalog sections; client.properties go to every client type
    values: dict[str, str]


@dataclass
class Context:
    compiled: Compiled
    brokers: int | None
    brokers_declared: bool
    kafka_version: str
    brokers_origin: Origin | None = None  # where the broker count was declared (cluster.brokers, --brokers)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def target(self) -> str:
        return self.compiled.target

    @property
    def tree(self) -> dict[str, Any]:
        return self.compiled.resolved.tree

    def get(self, path: Path_, default: Any = None) -> Any:
        node: Any = self.tree
        for part in path:
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    def origin(self, path: Path_) -> Origin | None:
        return self.compiled.merged.origin(path)

    @property
    def cluster(self) -> dict[str, Any]:
        cluster = self.tree.get("cluster")
        return cluster if isinstance(cluster, dict) else {}

    def property_sets(self) -> Iterator[PropertySet]:
        """Every Kafka property map of the config, with the section(s) that read it."""
        def props(path: Path_) -> dict[str, str]:
            node = self.get(path)
            if not isinstance(node, dict):
                return {}
            return {str(k): as_text(v) for k, v in node.items() if not isinstance(v, dict | list)}

        role = self.compiled.properties_role
        if role is not None:
            path = role_properties_path(role)
            yield PropertySet(path, (role,), props(path))
            return
        yield PropertySet(CLIENT_PROPERTIES, ROLES, props(CLIENT_PROPERTIES))
        for role in ROLE_DEFAULTS:
            path = role_properties_path(role)
            yield PropertySet(path, (role,), props(path))
        topic_defaults = (*KAFKA_PATH, "defaults", "topic", "properties")
        yield PropertySet(topic_defaults, ("topic",), props(topic_defaults))
        topics = self.get((*KAFKA_PATH, "topics"), {})
        if isinstance(topics, dict):
            for key in topics:
                path = (*KAFKA_PATH, "topics", key, "properties")
                yield PropertySet(path, ("topic",), props(path))

    def client_origin(self, role: str, key: str) -> tuple[Path_, Origin | None]:
        """Where the effective value of `key` for a client role was set."""
        if role in ROLE_DEFAULTS:
            path = (*role_properties_path(role), key)
            if has_path(self.tree, path):
                return path, self.origin(path)
        path = (*CLIENT_PROPERTIES, key)
        return path, self.origin(path)

    def diagnostic(self, rule: Rule, finding: Finding) -> Diagnostic:
        origin = finding.origin or self.origin(finding.path)
        message = finding.message
        if finding.cause is not None and origin is not None and origin.file == BUNDLED_NAME:
            message = f"{message} (the value is Kestra's default, {origin})"
            origin = finding.cause
        return at(origin, dotted(finding.path), finding.level or rule.level, rule.id, message, self.target)
