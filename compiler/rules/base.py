"""The rule toolkit: what a rule is, the context it reads, and the helpers every family shares.

A rule is a frozen record declared one way: `Rule(id=, family=, level=, summary=, why=, check=,
failing=, passing=)`. The examples are layers of YAML over Kestra's bundled defaults (or a tree, or
a .properties file); `tests/test_rule_examples.py` compiles both and checks the rule fires on the
first and not the second. Rules never reach back into earlier stages: they read a `Compiled`
through a `Context`. Families import this module, never each other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import field, replace
from typing import Any, TypeVar

from compiler import catalog
from compiler.derive import TopicPlan
from compiler.diagnostics import Diagnostic, at
from compiler.errors import Origin
from compiler.kestra_versions import DEFAULT as KESTRA_DEFAULT
from compiler.kestra_versions import Checked, KestraVersion
from compiler.kestra_versions import parse as parse_kestra
from compiler.keys import (
    BROKER_DEFAULTS,
    BUNDLED_NAME,
    CLIENT_PROPERTIES,
    ROLE_DEFAULTS,
    ROLES,
    TOPIC_DEFAULT_PROPERTIES,
    TOPIC_DEFAULTS,
    TOPICS,
    Path_,
    dotted,
    get_path,
    has_path,
    role_properties_path,
)
from compiler.layers import kestra_topic_keys
from compiler.model import Compiled
from compiler.records import record
from compiler.values import as_text, parse_int

Check = Callable[["Context"], Iterable["Finding"]]
T = TypeVar("T")


@record
class Finding:
    """A rule's report: where (a key path of the merged config) and what."""

    path: Path_
    message: str
    level: str | None = None  # None: the rule's default level
    origin: Origin | None = None  # when the position is not the one of `path`
    # The user's setting that makes a value of Kestra's bundled defaults a problem (cluster.brokers, a
    # policy): the finding is reported there, since the user has no file holding Kestra's defaults.
    cause: Origin | None = None


@record
class Example:
    """A layer of YAML over the bundled defaults; several layers make several targets.

    `tree` instead holds the files of a Hydra config tree (relative path -> text), all targets.
    """

    layers: tuple[str, ...]
    options: tuple[tuple[str, Any], ...] = ()
    tree: tuple[tuple[str, str], ...] = ()
    properties: tuple[str, str] | None = None  # (client role, text of a .properties file)


@record(kw_only=True)
class Rule:
    id: str
    family: str
    level: str
    summary: str  # what is wrong, in one line
    why: str = ""  # what goes wrong at run time, and why the level is what it is
    check: Check | None = None
    # A rule over several targets. Validation streams (each compiled target is dropped once checked), so
    # `facts` keeps what the rule needs of one target (None: nothing), and `check_all` compares the facts
    # of every target of the run, in order, and says its findings as diagnostics.
    facts: Callable[[Context, Rule], Any] | None = None
    check_all: Callable[[list[Any]], Iterable[Diagnostic]] | None = None
    failing: Example | None = None
    passing: Example | None = None


# --- examples --------------------------------------------------------------------------------------


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


def props_layer(section: str, body: str) -> str:
    """A YAML layer with `body` (one `key: value` per line) under kestra.kafka.<section>.properties."""
    text = "kestra:\n  kafka:\n"
    indent = "    "
    for part in section.split("."):
        text += f"{indent}{part}:\n"
        indent += "  "
    text += f"{indent}properties:\n"
    indent += "  "
    return text + "".join(f"{indent}{line}\n" for line in body.splitlines())


# --- the context a rule reads ----------------------------------------------------------------------


@record
class PropertySet:
    """One map of Kafka properties as written in the config, and the Kafka section that reads it."""

    path: Path_  # the `properties` map's path; a key's full path is (*path, key)
    sections: tuple[str, ...]  # catalog sections; client.properties go to every client type
    values: dict[str, str]


# Rules that report a credential as absent. Helm values that mount a Secret not given to validate may
# hold it there (the usual home of credentials): such a finding is an info saying so, not a verdict.
ABSENT_SECRETS = frozenset(
    {
        "sasl-jaas-config-missing",
        "sasl-jaas-credentials-missing",
        "ssl-keystore-password-missing",
        "ssl-truststore-password-missing",
    }
)


_PROPERTY_SETS = "kkc.property-sets"  # Context.extra's key for the cached property sets


@record(frozen=False)
class Context:
    compiled: Compiled
    brokers: int | None
    brokers_declared: bool
    kafka_version: str
    brokers_origin: Origin | None = None  # where the broker count was declared (cluster.brokers, --brokers)
    versions: Checked | None = None  # the Kestra and Kafka versions checked against, and where each came from
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def kestra(self) -> KestraVersion:
        """The Kestra release the config is for (the default release for a plain client file)."""
        if self.versions is not None and self.versions.kestra is not None:
            return self.versions.kestra
        default = parse_kestra(KESTRA_DEFAULT)
        assert default is not None
        return default

    @property
    def target(self) -> str:
        return self.compiled.target

    @property
    def tree(self) -> dict[str, Any]:
        return self.compiled.resolved.tree

    def get(self, path: Path_, default: Any = None) -> Any:
        return get_path(self.tree, path, default)

    def origin(self, path: Path_) -> Origin | None:
        return self.compiled.merged.origin(path)

    @property
    def unseen(self) -> str:
        """The files a chart's values mount that were not given to validate ('' when none): a setting found
        missing may be in them, so a check of an absence says so instead of giving its verdict."""
        mounted = [n.original for n in self.compiled.notes if n.rule == "mounted-file-not-given"]
        return ", ".join(mounted)

    @property
    def cluster(self) -> dict[str, Any]:
        cluster = self.tree.get("cluster")
        return cluster if isinstance(cluster, dict) else {}

    def since(self, version: str) -> bool:
        """Whether the declared Kafka version is `version` or later."""
        return catalog.parse_version(self.kafka_version) >= catalog.parse_version(version)

    def property_sets(self) -> list[PropertySet]:
        """Every Kafka property map of the config as written, with the section(s) that read it (made once
        per target: many rules read them; none may change them)."""
        found = self.extra.get(_PROPERTY_SETS)
        if found is None:
            found = self.extra[_PROPERTY_SETS] = list(self._property_sets())
        return found

    def _property_sets(self) -> Iterator[PropertySet]:

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
        yield PropertySet(TOPIC_DEFAULT_PROPERTIES, ("topic",), props(TOPIC_DEFAULT_PROPERTIES))
        topics = self.get(TOPICS, {})
        if isinstance(topics, dict):
            for key in topics:
                path = (*TOPICS, key, "properties")
                yield PropertySet(path, ("topic",), props(path))

    def client_origin(self, role: str, key: str) -> tuple[Path_, Origin | None]:
        """Where the effective value of `key` for a client role was set."""
        if role in ROLE_DEFAULTS:
            path = (*role_properties_path(role), key)
            if has_path(self.tree, path):
                return path, self.origin(path)
        path = (*CLIENT_PROPERTIES, key)
        return path, self.origin(path)

    def clients(self, kind: str | None = None, streams: bool = True) -> list[Client]:
        """The Kafka clients the input configures (one for a .properties file).

        With `kind` (producer or consumer): the clients of that kind, Kafka Streams' embedded ones
        included unless `streams` is False."""
        role = self.compiled.properties_role
        if kind is None:
            roles = [role] if role is not None else list(self.compiled.clients)
            return [Client(self, r) for r in roles]
        roles = [kind, "streams"] if streams else [kind]
        if role is not None:
            roles = [r for r in roles if r == role]
        return [Client(self, r, kind) for r in roles]

    def broker_value(self, key: str) -> tuple[Any, Path_] | None:
        """A broker setting the user declared under cluster.broker-defaults (as written) and its path."""
        declared = self.cluster.get("broker-defaults")
        if isinstance(declared, dict) and key in declared:
            return declared[key], (*BROKER_DEFAULTS, key)
        return None

    def broker_default(self, key: str) -> tuple[int, Path_] | None:
        """A declared broker setting as an integer, and its path (None: not declared, or not a number)."""
        found = self.broker_value(key)
        value = None if found is None else parse_int(found[0])
        return None if found is None or value is None else (value, found[1])

    def is_user_set(self, path: Path_) -> bool:
        """True when the winning value at `path` comes from the user's layers, not Kestra's defaults."""
        origin = self.origin(path)
        return origin is not None and origin.file != BUNDLED_NAME

    def where_set(self, path: Path_) -> str:
        """file:line:col of the value at `path`, or "Kestra's default" when no user layer set it."""
        origin = self.origin(path)
        if origin is None or origin.file == BUNDLED_NAME:
            return "Kestra's default"
        return str(origin)

    def known_plans(self) -> list[TopicPlan]:
        """The topic plans of the topic keys Kestra binds."""
        keys = set(kestra_topic_keys())
        return [p for p in self.compiled.topics if p.key in keys]

    def topic_field_path(self, topic: str, name: str) -> Path_:
        """Where a topic's `name` (partitions, replication-factor) is set: its own key, else the defaults."""
        own: Path_ = (*TOPICS, topic, name)
        return own if self.get(own) is not None else (*TOPIC_DEFAULTS, name)

    def topic_property_path(self, topic: str, name: str) -> Path_:
        """Where a topic's property `name` is set: its own properties, else the topic defaults."""
        own: Path_ = (*TOPICS, topic, "properties", name)
        return own if self.get(own) is not None else (*TOPIC_DEFAULT_PROPERTIES, name)

    def diagnostic(self, rule: Rule, finding: Finding) -> Diagnostic:
        origin = finding.origin or self.origin(finding.path)
        message = finding.message
        if finding.cause is not None and origin is not None and origin.file == BUNDLED_NAME:
            message = f"{message} (the value is Kestra's default, {origin})"
            origin = finding.cause
        level = finding.level or rule.level
        if rule.id in ABSENT_SECRETS and self.unseen and level != "info":
            level = "info"
            message = (
                f"{message} ({'an' if rule.level == 'error' else 'a'} {rule.level} if the files given were all there "
                f"is, but the missing setting may be in what {self.unseen} mounts, which was not given: give that "
                "manifest too to have it checked)"
            )
        return at(origin, self.key_name(finding.path), level, rule.id, message, self.target)

    def key_name(self, path: Path_) -> str:
        """How a finding names its key: a .properties file's own key, else the full key path."""
        role = self.compiled.properties_role
        if role is not None:
            prefix = role_properties_path(role)
            if path[: len(prefix)] == prefix:
                return dotted(path[len(prefix) :])
        return dotted(path)


def describe_topics(keys: list[str], every: list[str]) -> str:
    """A short description of some of a target's topics: 'topic x', 'all 15 topics', 'all topics but x'."""
    if len(keys) == 1:
        return f"topic '{keys[0]}'"
    if set(keys) >= set(every):
        return f"all {len(every)} topics"
    rest = [k for k in every if k not in keys]
    if len(rest) < len(keys) and len(rest) <= 3:
        return "all topics but " + ", ".join(f"'{k}'" for k in rest)
    return "topics " + ", ".join(f"'{k}'" for k in keys)


def join_words(words: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


# --- one Kafka client, as Kafka sees it ------------------------------------------------------------

_EOS = ("exactly_once", "exactly_once_beta", "exactly_once_v2")
# Which keys set a setting for each kind of client Kafka Streams runs, most specific first.
_STREAMS_PREFIXES = {
    "producer": ("producer.", ""),
    "consumer": ("main.consumer.", "consumer.", ""),
    "admin": ("admin.", ""),
}


@record
class Client:
    """One Kafka client Kestra creates (or the one a .properties file configures), as Kafka sees it.

    `kind` is the embedded client a check means inside Kafka Streams (producer, consumer or admin):
    its prefixes are honoured, `producer.x` over `x` for Streams' producers, `main.consumer.x` over
    `consumer.x` over `x` for its main consumer, `admin.x` over `x` for its admin client."""

    ctx: Context = field(compare=False)
    role: str  # admin, consumer, producer or streams
    kind: str = ""  # producer or consumer; "" for the role itself

    @property
    def props(self) -> dict[str, str]:
        return self.ctx.compiled.clients.get(self.role, {})

    @property
    def kestra(self) -> bool:
        """Whether Kestra creates this client (not a plain .properties file)."""
        return self.ctx.compiled.properties_role is None

    @property
    def streams(self) -> bool:
        return self.role == "streams"

    @property
    def who(self) -> str:
        kind = self.kind or self.role
        if self.streams:
            return {"producer": "Kafka Streams' producers", "admin": "Kafka Streams' admin client"}.get(
                kind, "Kafka Streams' main consumer"
            )
        if kind == "admin":
            return "Kestra's admin client" if self.kestra else "this admin client"
        return f"Kestra's {kind}s" if self.kestra else f"this {kind}"

    def key(self, name: str) -> str | None:
        """The property that sets `name` for this client, honouring Kafka Streams' prefixes."""
        prefixes: tuple[str, ...] = ("",)
        if self.streams and self.kind:
            prefixes = _STREAMS_PREFIXES[self.kind]
        return next((p + name for p in prefixes if p + name in self.props), None)

    def raw(self, name: str) -> str | None:
        key = self.key(name)
        return None if key is None else self.props[key]

    def number(self, name: str, default: int | None = None) -> int | None:
        key = self.key(name)
        return default if key is None else parse_int(self.props[key])

    def default(self, name: str) -> int | None:
        """Kafka's default for `name` in this client's kind, at the declared version."""
        info = catalog.lookup(self.kind or self.role, name, self.ctx.kafka_version)
        return parse_int(info.default_at(self.ctx.kafka_version)) if info else None

    @property
    def guarantee(self) -> str:
        return self.props.get("processing.guarantee", "at_least_once").strip() if self.streams else ""

    @property
    def eos(self) -> bool:
        return self.guarantee in _EOS

    def locate(self, name: str) -> tuple[Path_, Origin | None]:
        return self.ctx.client_origin(self.role, self.key(name) or name)

    def at(self, name: str, message: str, level: str | None = None) -> ClientFinding:
        """A finding about property `name` as this client reads it; `{who}` in `message` names the clients."""
        path, origin = self.locate(name)
        return ClientFinding(self, Finding(path, message, level, origin))


@record
class ClientFinding:
    client: Client
    finding: Finding


def once_per_cause(found: Iterable[ClientFinding], clients: list[Client] | None = None) -> Iterator[Finding]:
    """One finding per cause, however many clients it breaks (a client.properties key breaks them all).

    `{who}` in a message becomes the names of the clients it concerns; a message without it, about
    some of several `clients`, ends with which ones."""
    groups: dict[Finding, list[Client]] = {}
    for item in found:
        affected = groups.setdefault(item.finding, [])
        if item.client not in affected:
            affected.append(item.client)
    for finding, affected in groups.items():
        if "{who}" in finding.message:
            names = list(dict.fromkeys(c.who for c in affected))
            yield replace(finding, message=finding.message.replace("{who}", join_words(names)))
        elif clients is not None and len(clients) > 1 and len(affected) < len(clients):
            plural = "s" if len(affected) > 1 else ""
            roles = ", ".join(c.role for c in affected)
            yield replace(finding, message=f"{finding.message} (for the {roles} client{plural})")
        else:
            yield finding


def from_notes(rule_id: str) -> Callable[[Context], Iterator[Finding]]:
    """A rule reporting what a stage noticed under `rule_id` (compiled.notes), so its level can be tuned."""

    def check(ctx: Context) -> Iterator[Finding]:
        for note in ctx.compiled.notes:
            if note.rule == rule_id:
                yield Finding(note.path, note.message, origin=note.origin)

    return check


def per_client(
    check: Callable[[Client], Iterable[ClientFinding | Finding]], kind: str | None = None, streams: bool = True
) -> Check:
    """A rule that looks at each client on its own, reported once per cause (see once_per_cause)."""

    def run(ctx: Context) -> Iterator[Finding]:
        clients = ctx.clients(kind, streams)
        found = (
            item if isinstance(item, ClientFinding) else ClientFinding(client, item)
            for client in clients
            for item in check(client)
        )
        return once_per_cause(found, clients)

    return run


def reported_once(check: Callable[[Context], Iterable[ClientFinding]]) -> Check:
    """A rule whose check walks the clients itself, reported once per cause (see once_per_cause)."""

    def run(ctx: Context) -> Iterator[Finding]:
        return once_per_cause(check(ctx))

    return run


def analysed_once(
    analyse: Callable[[Context], Iterable[tuple[str, T]]],
) -> Callable[[str], Callable[[Context], Iterator[T]]]:
    """One analysis that reports under several rule ids: run once per target, split by id.

    `analyse` yields (rule id, item); `shared = analysed_once(analyse)` gives each rule its check,
    `check=shared("rule-id")` (wrap it in reported_once when the items are ClientFindings)."""
    key = f"{analyse.__module__}.{analyse.__qualname__}"

    def for_rule(rule_id: str) -> Callable[[Context], Iterator[T]]:
        def check(ctx: Context) -> Iterator[T]:
            if key not in ctx.extra:
                ctx.extra[key] = list(analyse(ctx))
            return (item for found, item in ctx.extra[key] if found == rule_id)

        return check

    return for_rule
