"""Cross-field rules of consumers: group membership settings that fail together."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.rules.base import (
    Client,
    ClientFinding,
    Context,
    Rule,
    example,
    props_layer,
    reported_once,
)
from compiler.rules.cross_field.common import (
    FAMILY,
    broker_setting,
)
from compiler.values import parse_bool


def _classic(c: Client) -> bool:
    """Whether the consumer joins its group with the classic protocol (heartbeats from the client)."""
    if c.streams:
        return (c.props.get("group.protocol") or "classic").strip().lower() != "streams"
    return (c.raw("group.protocol") or "classic").strip().lower() == "classic"


def _heartbeat(ctx: Context) -> Iterator[ClientFinding]:
    for c in ctx.clients("consumer"):
        if not _classic(c) or (c.key("heartbeat.interval.ms") is None and c.key("session.timeout.ms") is None):
            continue
        heartbeat = c.number("heartbeat.interval.ms", c.default("heartbeat.interval.ms"))
        session = c.number("session.timeout.ms", c.default("session.timeout.ms"))
        if heartbeat is None or session is None or heartbeat < session:
            continue
        name = "heartbeat.interval.ms" if c.key("heartbeat.interval.ms") else "session.timeout.ms"
        yield c.at(
            name,
            f"heartbeat.interval.ms {heartbeat} is not below session.timeout.ms {session}: {{who}} cannot start "
            "(IllegalArgumentException: Heartbeat must be set lower than the session timeout). Keep "
            "heartbeat.interval.ms below session.timeout.ms, usually at most a third of it.",
        )


def _session_range(ctx: Context) -> Iterator[ClientFinding]:
    low, low_source, low_path = broker_setting(ctx, "group.min.session.timeout.ms", 6_000)
    high, high_source, high_path = broker_setting(ctx, "group.max.session.timeout.ms", 1_800_000)
    if low is None or high is None:
        return
    source = low_source if low_source == high_source else f"{low_source} / {high_source}"
    for c in ctx.clients("consumer"):
        session = c.number("session.timeout.ms")
        if not _classic(c) or session is None or low <= session <= high:
            continue
        bound, bound_path = ("group.min", low_path) if session < low else ("group.max", high_path)
        if bound_path is None:
            yield c.at(
                "session.timeout.ms",
                f"session.timeout.ms {session} is outside {low}..{high}, Kafka's default range of the brokers' "
                "group.min.session.timeout.ms and group.max.session.timeout.ms: whether the broker refuses {who} "
                "when they join their group (InvalidSessionTimeoutException) depends on the brokers' "
                f"{bound}.session.timeout.ms, which is not declared; declare "
                f"cluster.broker-defaults.{bound}.session.timeout.ms to have it checked",
                level="info",
            )
            continue
        yield c.at(
            "session.timeout.ms",
            f"session.timeout.ms {session} is outside the broker's range {low}..{high} (group.min.session.timeout.ms "
            f"and group.max.session.timeout.ms, {source}): the broker refuses {{who}} when they join their group "
            "(InvalidSessionTimeoutException: The session timeout is not within the range allowed by the broker (as "
            "configured by group.min.session.timeout.ms and group.max.session.timeout.ms).). Set session.timeout.ms "
            "within that range.",
        )


def _auto_commit(ctx: Context) -> Iterator[ClientFinding]:
    for c in ctx.clients("consumer", streams=False):
        if not parse_bool(c.raw("enable.auto.commit")) or c.key("group.id") is not None:
            continue
        kafka = (
            "InvalidConfigurationException: enable.auto.commit cannot be set to true "
            "when default group id (null) is used."
        )
        if c.kestra:
            text = (
                f"enable.auto.commit=true: Kestra's queue also creates consumers without a group.id (to read a topic's "
                f"latest offsets), and those cannot start ({kafka}). Remove enable.auto.commit (Kestra's default is "
                "false: it commits offsets itself)."
            )
        else:
            text = (
                f"enable.auto.commit=true without a group.id: {{who}} cannot start ({kafka}). "
                "Set group.id or remove enable.auto.commit."
            )
        yield c.at("enable.auto.commit", text)


_CONSUMER_PROTOCOL_MANAGED = {
    "session.timeout.ms": "the broker's group.consumer.session.timeout.ms applies instead",
    "heartbeat.interval.ms": "the broker's group.consumer.heartbeat.interval.ms applies instead",
    "partition.assignment.strategy": "use group.remote.assignor (uniform or range) instead",
}


def _consumer_protocol(ctx: Context) -> Iterator[ClientFinding]:
    if not ctx.since("4.0"):
        return
    for c in ctx.clients("consumer", streams=False):
        if (c.raw("group.protocol") or "").strip().lower() != "consumer":
            continue
        for name, instead in _CONSUMER_PROTOCOL_MANAGED.items():
            if c.key(name) is not None:
                yield c.at(
                    name,
                    f"{name} cannot be set when group.protocol=CONSUMER: {{who}} cannot start (ConfigException). "
                    f"With the consumer group protocol (KIP-848) {instead}. Remove {name}.",
                )


def _remote_assignor(ctx: Context) -> Iterator[ClientFinding]:
    if not ctx.since("3.9"):
        return
    for c in ctx.clients("consumer"):
        if c.key("group.remote.assignor") is not None and _classic(c):
            yield c.at(
                "group.remote.assignor",
                "group.remote.assignor cannot be set when group.protocol=CLASSIC: {who} cannot start "
                "(ConfigException). It only applies to the consumer group protocol: set group.protocol=consumer, "
                "or remove group.remote.assignor.",
            )


_SHARE_KEYS = {"share.acknowledgement.mode": "4.1", "share.acquire.mode": "4.2"}


def _share_settings(ctx: Context) -> Iterator[ClientFinding]:
    for c in ctx.clients("consumer"):
        # Kafka Streams always gives its consumers the classic protocol.
        protocol = "CLASSIC" if c.streams else (c.raw("group.protocol") or "classic").strip().upper()
        if not c.kestra:
            regular = "this file configures"
        else:
            regular = "Kafka Streams' consumers are" if c.streams else "Kestra's consumers are"
        for name, since in _SHARE_KEYS.items():
            if ctx.since(since) and c.key(name) is not None:
                yield c.at(
                    name,
                    f"{name} cannot be set when group.protocol={protocol}: {{who}} cannot start (ConfigException). "
                    f"It is a share-group (KafkaShareConsumer) setting and {regular} regular KafkaConsumers. "
                    f"Remove {name}.",
                )


RULES: tuple[Rule, ...] = (
    Rule(
        id="heartbeat-not-below-session-timeout",
        family=FAMILY,
        level="error",
        summary="heartbeat.interval.ms must be below session.timeout.ms (classic group protocol), else the consumer "
        "does not start",
        why="With the classic group protocol the consumer refuses a heartbeat.interval.ms that is not below "
        "session.timeout.ms (IllegalArgumentException: Heartbeat must be set lower than the session timeout), so "
        "Kestra's consumers do not start. Error.",
        check=reported_once(_heartbeat),
        failing=example(props_layer("defaults.consumer", "heartbeat.interval.ms: 50000")),
        passing=example(props_layer("defaults.consumer", "heartbeat.interval.ms: 10000")),
    ),
    Rule(
        id="session-timeout-outside-broker-range",
        family=FAMILY,
        level="error",
        summary="A session.timeout.ms outside the broker's group.min/max.session.timeout.ms: the consumer cannot join",
        why="The broker refuses a consumer whose session.timeout.ms is outside its "
        "group.min.session.timeout.ms..group.max.session.timeout.ms when it joins its group "
        "(InvalidSessionTimeoutException), so Kestra's consumers cannot join their groups. Error when the bound "
        "it crosses is declared under cluster.broker-defaults; outside Kafka's default range (6000..1800000) with "
        "that broker setting not declared, an info naming it: kkc cannot see the brokers' settings.",
        check=reported_once(_session_range),
        failing=example(
            "cluster:\n  broker-defaults:\n    group.min.session.timeout.ms: 6000\n"
            + props_layer("defaults.consumer", "session.timeout.ms: 4000\nheartbeat.interval.ms: 1000")
        ),
        passing=example(props_layer("defaults.consumer", "session.timeout.ms: 10000")),
    ),
    Rule(
        id="auto-commit-without-group-id",
        family=FAMILY,
        level="error",
        summary="enable.auto.commit=true fails for consumers without a group.id, which Kestra's queue creates",
        why="Kestra's queue also creates consumers without a group.id (to read a topic's latest offsets), and Kafka "
        "refuses enable.auto.commit=true on those (InvalidConfigurationException: enable.auto.commit cannot be "
        "set to true when default group id (null) is used), so they cannot start. Error; Kestra commits offsets "
        "itself (its default is false).",
        check=reported_once(_auto_commit),
        failing=example(props_layer("defaults.consumer", "enable.auto.commit: true")),
        passing=example(props_layer("defaults.consumer", "enable.auto.commit: false")),
    ),
    Rule(
        id="consumer-protocol-rejects-classic-setting",
        family=FAMILY,
        level="error",
        summary="Kafka 4.0+: with group.protocol=consumer, session.timeout.ms, heartbeat.interval.ms and "
        "partition.assignment.strategy make the consumer fail",
        why="From Kafka 4.0, a consumer with group.protocol=consumer (KIP-848) refuses session.timeout.ms, "
        "heartbeat.interval.ms and partition.assignment.strategy with a ConfigException (the broker's group "
        "settings and group.remote.assignor replace them), so Kestra's consumers do not start. Error.",
        check=reported_once(_consumer_protocol),
        failing=example(props_layer("defaults.consumer", "group.protocol: consumer\nsession.timeout.ms: 45000")),
        passing=example(props_layer("defaults.consumer", "group.protocol: consumer")),
    ),
    Rule(
        id="remote-assignor-requires-consumer-protocol",
        family=FAMILY,
        level="error",
        summary="Kafka 3.9+: group.remote.assignor with the classic group protocol makes the consumer fail",
        why="From Kafka 3.9, group.remote.assignor is refused with a ConfigException when the consumer uses the "
        "classic group protocol (the default), so Kestra's consumers do not start. Error.",
        check=reported_once(_remote_assignor),
        failing=example(props_layer("defaults.consumer", "group.remote.assignor: uniform")),
        passing=example(props_layer("defaults.consumer", "group.protocol: consumer\ngroup.remote.assignor: uniform")),
    ),
    Rule(
        id="share-setting-on-consumer",
        family=FAMILY,
        level="error",
        summary="share.acknowledgement.mode / share.acquire.mode are for share consumers: a regular consumer fails",
        why="share.acknowledgement.mode (Kafka 4.1+) and share.acquire.mode (4.2+) belong to share-group consumers "
        "(KafkaShareConsumer); a regular KafkaConsumer, which is what Kestra creates, refuses them with a "
        "ConfigException and does not start. Error.",
        check=reported_once(_share_settings),
        failing=example(props_layer("defaults.consumer", "share.acknowledgement.mode: explicit"), kafka_version="4.3"),
        passing=example(props_layer("defaults.consumer", "max.poll.records: 100"), kafka_version="4.3"),
    ),
)
