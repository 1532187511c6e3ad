"""Rules: every Kafka property checked against the catalog of the declared Kafka version.

Each `properties` map of the config is read by one or more Kafka sections (`client.properties` by
every client type). A key that no section of its map knows is a typo or belongs in another map; a
known key's value is checked the way Kafka's ConfigDef checks it in the declared version, and keys
or values that version removed or deprecated are reported. The broker rejects unknown topic keys,
while clients only log unknown keys: hence the different levels.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import Any

from compiler import catalog
from compiler.keys import Path_
from compiler.lru import Lru
from compiler.patterns import lazy
from compiler.records import record
from compiler.rules.base import Context, Finding, PropertySet, Rule, example, props_layer
from compiler.secrets import is_secret_key
from compiler.values import as_text

FAMILY = "kafka-properties"
UNKNOWN_CLIENT = "unknown-client-property"
UNKNOWN_TOPIC = "unknown-topic-property"
WRONG_SECTION = "property-in-wrong-section"
INVALID_VALUE = "invalid-property-value"
REMOVED = "removed-in-kafka-version"
DEPRECATED = "deprecated-in-kafka-version"
NOT_YET_ADDED = "added-after-kafka-version"

_LEVELS = {
    UNKNOWN_CLIENT: "warning",
    UNKNOWN_TOPIC: "error",
    WRONG_SECTION: "warning",
    INVALID_VALUE: "error",
    REMOVED: "error",
    DEPRECATED: "warning",
    NOT_YET_ADDED: "warning",
}
_KIND_RULES: dict[str, str] = {
    "type": INVALID_VALUE,
    "enum": INVALID_VALUE,
    "range": INVALID_VALUE,
    "removed-value": REMOVED,
    "removed-key": REMOVED,
    "deprecated-value": DEPRECATED,
    "deprecated-key": DEPRECATED,
    "not-yet-added": NOT_YET_ADDED,
}
_READERS = {
    "admin": "the admin client",
    "consumer": "consumers",
    "producer": "producers",
    "streams": "Kafka Streams",
    "topic": "topics",
}
_KESTRA_PATHS = {
    "admin": "kestra.kafka.client.properties",
    "consumer": "kestra.kafka.defaults.consumer.properties",
    "producer": "kestra.kafka.defaults.producer.properties",
    "streams": "kestra.kafka.defaults.stream.properties",
}
# How the map's own readers are named in a sentence (client.properties: several sections).
_SETTING_OF = {"admin": "admin client", "consumer": "consumer", "producer": "producer", "streams": "Streams"}
_IGNORES = {
    "admin": "the admin client ignores it",
    "consumer": "consumers ignore it",
    "producer": "producers ignore it",
    "streams": "Kafka Streams ignores it",
}
_TOPIC_PATHS = (
    "kestra.kafka.defaults.topic.properties (every topic) or kestra.kafka.topics.<key>.properties (one topic)"
)
_CLIENT_SECTIONS = ("admin", "consumer", "producer")
_STREAMS_PREFIXES = ("main.consumer.", "restore.consumer.", "global.consumer.", "consumer.", "producer.", "admin.")
_TOPIC_PREFIX = "topic."


@record
class _Hit:
    rule: str
    finding: Finding


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _readers(sections: Iterable[str]) -> str:
    names = list(sections)
    if set(_CLIENT_SECTIONS) <= set(names):
        names = ["every client"] + [s for s in names if s not in (*_CLIENT_SECTIONS, "streams")]
        return _join(names)
    return _join([_READERS[s] for s in names])


def _values(ctx: Context, pset: PropertySet) -> dict[str, str]:
    """The map's scalar values as Kafka reads them; a YAML list is Kafka's comma-separated list."""
    values = dict(pset.values)
    node = ctx.get(pset.path)
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, list):
                values[str(key)] = ",".join(as_text(v) for v in value)
    return values


def _suggestion(sections: Iterable[str], key: str, version: str) -> str | None:
    candidates = {s for section in sections if (s := catalog.suggest(section, key, version))}
    if not candidates:
        return None
    return max(sorted(candidates), key=lambda c: difflib.SequenceMatcher(None, key.lower(), c).ratio())


def _did_you_mean(sections: Iterable[str], key: str, version: str) -> str:
    found = _suggestion(sections, key, version)
    return f" Did you mean {found}?" if found else ""


def _where(readers: tuple[str, ...]) -> str:
    """Where a key read by `readers` belongs in a Kestra config."""
    clients = [r for r in readers if r != "topic"]
    places: list[str] = []
    if set(_CLIENT_SECTIONS) <= set(clients):
        places.append("kestra.kafka.client.properties (every client)")
    else:
        places.extend(f"{_KESTRA_PATHS[r]} ({_READERS[r]})" for r in clients)
    if "topic" in readers:
        places.append(_TOPIC_PATHS)
    return " or ".join(places)


def _wrong_section(ctx: Context, pset: PropertySet, key: str, readers: tuple[str, ...]) -> Finding:
    path = (*pset.path, key)
    standalone = ctx.compiled.properties_role is not None
    if pset.sections == ("topic",):
        move = "" if standalone else f" Move it to {_where(readers)}."
        message = (
            f"{key} is a setting of {_readers(readers)}, not a topic config: the broker rejects it when Kestra "
            f"creates or updates the topic (Unknown topic config name: {key}).{move}"
        )
        return Finding(path, message, level="error")
    ignores = _IGNORES[pset.sections[0]] if len(pset.sections) == 1 else "Kafka clients ignore it"
    if readers == ("topic",):
        message = f"{key} is a topic config, not a client setting: {ignores} (Kafka only logs unknown keys)."
        if not standalone:
            message += f" Set it under {_TOPIC_PATHS}"
            if "streams" in pset.sections:
                message += f", or as {_TOPIC_PREFIX}{key} here for Kafka Streams' internal topics"
            message += "."
        return Finding(path, message)
    message = f"{key} is read by {_readers(readers)}; here {ignores} (Kafka only logs unknown keys)."
    bare = next((key[len(p) :] for p in _STREAMS_PREFIXES if key.startswith(p)), None)
    if readers == ("streams",) and bare and "streams" not in pset.sections:
        message += f" The prefix only means something to Kafka Streams: here, write {bare}."
    elif not standalone:
        message += f" Move it to {_where(readers)}."
    return Finding(path, message)


def _unknown(ctx: Context, pset: PropertySet, key: str) -> Iterator[_Hit]:
    path = (*pset.path, key)
    version = ctx.kafka_version
    if "streams" in pset.sections and key.startswith(_TOPIC_PREFIX) and len(key) > len(_TOPIC_PREFIX):
        bare = key[len(_TOPIC_PREFIX) :]
        message = (
            f"Unknown topic config name: {bare}. {key} configures Kafka Streams' internal topics, and the broker "
            f"rejects the name when Streams creates them.{_did_you_mean(('streams',), key, version)}"
        )
        yield _Hit(UNKNOWN_TOPIC, Finding(path, message))
        return
    readers = catalog.sections_of(key)
    if readers:
        yield _Hit(WRONG_SECTION, _wrong_section(ctx, pset, key, readers))
        return
    if pset.sections == ("topic",):
        message = (
            f"Unknown topic config name: {key}. The broker rejects it when Kestra creates or updates the topic."
            f"{_did_you_mean(pset.sections, key, version)}"
        )
        yield _Hit(UNKNOWN_TOPIC, Finding(path, message))
        return
    what = _SETTING_OF[pset.sections[0]] if len(pset.sections) == 1 else "client"
    message = (
        f"{key} is not a Kafka {what} setting (Kafka {version}): Kafka only logs it and hands it to plug-ins such "
        f"as serializers, so a typo goes unnoticed.{_did_you_mean(pset.sections, key, version)}"
    )
    yield _Hit(UNKNOWN_CLIENT, Finding(path, message))


_TRAILING = lazy(r"\s[#!]")  # what a YAML or shell user writes as a trailing comment


def _hide(message: str, key: str, value: str) -> str:
    shown = value.strip()
    return message.replace(shown, "(value hidden)") if shown and is_secret_key(key) else message


# Kafka Streams removes these from what it hands its clients, or sets its own (ByteArray serdes), so a
# value there is never parsed: the client constructors show it (tests/test_kafka_agrees.py).
# streams-overrides-client-property says so where it matters.
STREAMS_DROPPED = frozenset(
    {
        "enable.auto.commit",
        "allow.auto.create.topics",
        "group.instance.id",
        "key.serializer",
        "value.serializer",
        "key.deserializer",
        "value.deserializer",
    }
)


def _known(ctx: Context, pset: PropertySet, key: str, value: str, infos: dict[str, catalog.KeyInfo]) -> Iterator[_Hit]:
    """One finding per kind of problem, whichever sections of the map report it."""
    version = ctx.kafka_version
    checkable = "${" not in value  # a run-time placeholder: only Kestra knows the value
    by_kind: dict[str, tuple[catalog.Problem, list[str]]] = {}
    for section, info in infos.items():
        if section == "streams" and key in STREAMS_DROPPED:
            continue
        if checkable:
            found = catalog.problems(info, value, version)
        else:
            status = catalog.key_status(info, version)
            found = (status,) if status is not None else ()
        for problem in found:
            by_kind.setdefault(problem.kind, (problem, []))[1].append(section)
    for kind, (problem, sections) in by_kind.items():
        rule = _KIND_RULES[kind]
        # Kafka's own text ends with one period, or with an ellipsis that is part of it ("...,...").
        text = problem.message.removesuffix(".") if not problem.message.endswith("...") else problem.message
        message = text + (f"; {problem.hint}" if problem.hint else "")
        if len(infos) > 1 and len(sections) < len(infos):
            message += f" (as read by {_readers(sections)})"
        if kind != "deprecated-value" and rule != INVALID_VALUE and f"Kafka {version}" not in message:
            message += f"; checked as Kafka {version}"
        if kind == "removed-key":
            message += ". Remove it."
        elif not message.endswith(("...", "?")):
            message += "."
        if rule == INVALID_VALUE and ctx.compiled.properties_role is not None and _TRAILING().search(value):
            message += (
                " Java's Properties has no trailing comments: the text after the value is part of what Kafka "
                "reads; put the comment on a line of its own."
            )
        message = _hide(message, key, value)
        level = problem.level if problem.level != _LEVELS[rule] else None
        yield _Hit(rule, Finding((*pset.path, key), message, level=level))


# What one key and value give, by everything that decides it: the targets of an environment share most
# of their properties, so each pair is analysed once per run (issue 16), not once per target.
_PAIRS: Lru[tuple[Any, ...], tuple[_Hit, ...]] = Lru(50_000)


def _analyse(ctx: Context) -> list[_Hit]:
    hits: list[_Hit] = []
    version, role = ctx.kafka_version, ctx.compiled.properties_role
    for pset in ctx.property_sets():
        for key, value in _values(ctx, pset).items():
            pair = (pset.path, pset.sections, key, value, version, role)
            hits.extend(_PAIRS.get(pair, partial(_pair, ctx, pset, key, value)))
    return hits


def _pair(ctx: Context, pset: PropertySet, key: str, value: str) -> tuple[_Hit, ...]:
    infos = {s: info for s in pset.sections if (info := catalog.lookup(s, key, ctx.kafka_version)) is not None}
    return tuple(_known(ctx, pset, key, value, infos) if infos else _unknown(ctx, pset, key))


def _findings(rule: str) -> Callable[[Context], Iterator[Finding]]:
    def check(ctx: Context) -> Iterator[Finding]:
        hits = ctx.extra.get(FAMILY)
        if hits is None:
            hits = ctx.extra[FAMILY] = _analyse(ctx)
        seen: set[tuple[Path_, str]] = set()
        for hit in hits:
            if hit.rule == rule and (hit.finding.path, hit.finding.message) not in seen:
                seen.add((hit.finding.path, hit.finding.message))
                yield hit.finding

    return check


RULES: tuple[Rule, ...] = (
    Rule(
        id=UNKNOWN_CLIENT,
        family=FAMILY,
        level=_LEVELS[UNKNOWN_CLIENT],
        summary="A client key that no Kafka client knows is only logged by Kafka: usually a typo",
        why="Kafka clients do not reject a key they do not know: they only log it (at INFO from Kafka 3.5, at WARN "
        "before) and hand it to plug-ins such as serializers, so a typo (bootstrap.server) silently has no "
        "effect. Warning, not error, because plug-in keys such as schema.registry.url are legitimate.",
        check=_findings(UNKNOWN_CLIENT),
        failing=example(props_layer("client", 'bootstrap.server: "localhost:9092"')),
        passing=example(props_layer("client", 'bootstrap.servers: "localhost:9092"')),
    ),
    Rule(
        id=UNKNOWN_TOPIC,
        family=FAMILY,
        level=_LEVELS[UNKNOWN_TOPIC],
        summary="The broker rejects a topic config name it does not know, so Kestra cannot create the topic",
        why="The broker rejects a topic config name it does not know (InvalidConfigurationException: Unknown topic "
        "config name: x) when Kestra creates or updates the topic, and a topic creation failure stops Kestra at "
        "start-up; a topic.-prefixed key in the Streams properties fails the same way when Kafka Streams creates "
        "its internal topics. Error.",
        check=_findings(UNKNOWN_TOPIC),
        failing=example(props_layer("topics.execution", 'retention.msec: "86400000"')),
        passing=example(props_layer("topics.execution", 'retention.ms: "86400000"')),
    ),
    Rule(
        id=WRONG_SECTION,
        family=FAMILY,
        level=_LEVELS[WRONG_SECTION],
        summary="A key in a map whose Kafka client does not read it has no effect; in a topic's map the broker rejects "
        "it",
        why="A client key in a map whose client does not read it (max.poll.records in the producer properties) is "
        "only logged by Kafka and has no effect, so the setting meant for another client is lost; warning. In a "
        "topic's properties map the broker rejects a client key as an unknown topic config, so there it is "
        "reported as an error.",
        check=_findings(WRONG_SECTION),
        failing=example(props_layer("defaults.producer", "max.poll.records: 100")),
        passing=example(props_layer("defaults.consumer", "max.poll.records: 100")),
    ),
    Rule(
        id=INVALID_VALUE,
        family=FAMILY,
        level=_LEVELS[INVALID_VALUE],
        summary="A value of the wrong type, or outside the allowed set or range, makes the Kafka client or broker fail",
        why="Kafka parses every value when the client is built (new KafkaProducer, KafkaConsumer, Admin.create, new "
        "KafkaStreams) and throws ConfigException: Invalid value X for configuration Y on a wrong type, an "
        "out-of-range number or a value outside the allowed set (enum values are case-sensitive: acks=ALL is "
        "refused); the broker refuses an invalid topic value the same way. The Kestra component that builds that "
        "client does not start, hence error.",
        check=_findings(INVALID_VALUE),
        failing=example(props_layer("defaults.producer", 'acks: "ALL"')),
        passing=example(props_layer("defaults.producer", 'acks: "all"')),
    ),
    Rule(
        id=REMOVED,
        family=FAMILY,
        level=_LEVELS[REMOVED],
        summary="A value or topic key removed in the declared Kafka version is rejected; a removed client key is "
        "ignored",
        why="A value or topic key that the declared Kafka version (cluster.kafka-version, default the latest) "
        "removed is refused: processing.guarantee=exactly_once fails with ConfigException from Kafka 4.0, and "
        "the broker rejects a removed topic key as unknown; those are errors. A removed client key is only "
        "ignored as unknown, so it is reported as a warning.",
        check=_findings(REMOVED),
        failing=example(props_layer("defaults.stream", 'processing.guarantee: "exactly_once"'), kafka_version="4.0"),
        passing=example(props_layer("defaults.stream", 'processing.guarantee: "exactly_once_v2"'), kafka_version="4.0"),
    ),
    Rule(
        id=DEPRECATED,
        family=FAMILY,
        level=_LEVELS[DEPRECATED],
        summary="A key or value deprecated in the declared Kafka version still works but goes away in a later one",
        why="The key or value still works in the declared Kafka version but is scheduled for removal "
        "(processing.guarantee=exactly_once was deprecated in 3.0 and is refused from 4.0), so upgrading clients "
        "or brokers will break it. Warning.",
        check=_findings(DEPRECATED),
        failing=example(props_layer("defaults.stream", 'processing.guarantee: "exactly_once"'), kafka_version="3.9"),
        passing=example(props_layer("defaults.stream", 'processing.guarantee: "exactly_once_v2"'), kafka_version="3.9"),
    ),
    Rule(
        id=NOT_YET_ADDED,
        family=FAMILY,
        level=_LEVELS[NOT_YET_ADDED],
        summary="A key added after the declared Kafka version is ignored by clients and rejected by the broker",
        why="A key newer than the declared Kafka version does not exist there: clients ignore it as an unknown "
        "configuration (warning), and the broker rejects it as an unknown topic config when Kestra creates the "
        "topic (reported as an error). Either the key or the declared cluster.kafka-version is wrong.",
        check=_findings(NOT_YET_ADDED),
        failing=example(props_layer("defaults.consumer", 'group.protocol: "classic"'), kafka_version="3.6"),
        passing=example(props_layer("defaults.consumer", 'group.protocol: "classic"'), kafka_version="3.7"),
    ),
)
