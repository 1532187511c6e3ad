"""Cross-field rules of Kafka Streams: settings it rejects or overrides."""

from __future__ import annotations

from collections.abc import Iterator

from compiler import catalog
from compiler.keys import KAFKA_PATH, Path_
from compiler.rules.base import (
    Client,
    ClientFinding,
    Context,
    Finding,
    Rule,
    example,
    props_layer,
    reported_once,
)
from compiler.rules.cross_field.common import (
    FAMILY,
    STREAMS_EOS_COMMIT_INTERVAL_MS,
    STREAMS_EOS_TRANSACTION_TIMEOUT_MS,
)
from compiler.values import parse_int


def _streams_transaction_timeout(ctx: Context) -> Iterator[ClientFinding]:
    for c in ctx.clients("producer"):
        if not c.streams or not c.eos:
            continue
        commit = parse_int(c.props.get("commit.interval.ms", str(STREAMS_EOS_COMMIT_INTERVAL_MS)))
        # StreamsConfig reads only the producer.-prefixed key for this check.
        prefixed = "producer.transaction.timeout.ms"
        timeout = parse_int(c.props.get(prefixed, str(STREAMS_EOS_TRANSACTION_TIMEOUT_MS)))
        if commit is None or timeout is None or timeout >= commit:
            continue
        name = "commit.interval.ms" if "commit.interval.ms" in c.props else prefixed
        note = (
            " (transaction.timeout.ms without the producer. prefix does not count here)"
            if "transaction.timeout.ms" in c.props
            else ""
        )
        yield c.at(
            name,
            f"Under processing.guarantee={c.guarantee}, Kafka Streams cannot start (IllegalArgumentException: "
            f"Transaction timeout {timeout} was set lower than streams commit interval {commit}.). Set "
            f"{prefixed} to at least {commit}{note}, or lower commit.interval.ms.",
        )


_STREAM_PROPERTIES: Path_ = (*KAFKA_PATH, "defaults", "stream", "properties")


def _streams_overrides(ctx: Context) -> Iterator[Finding]:
    if ctx.compiled.properties_role not in (None, "streams"):
        return
    props = ctx.compiled.clients.get("streams", {})
    own = ctx.get(_STREAM_PROPERTIES)
    if not isinstance(own, dict):
        return
    client = Client(ctx, "streams", "producer")
    for key in own:
        forced = catalog.streams_forced(str(key), ctx.kafka_version)
        value = props.get(str(key))
        if forced is None or value is None or "${" in value:
            continue
        if forced.when != "always" and not client.eos:
            continue
        if forced.key != "transactional.id" and value.strip().lower() == forced.value.lower():
            continue
        because = "" if forced.when == "always" else f" under processing.guarantee={client.guarantee}"
        path, origin = ctx.client_origin("streams", str(key))
        yield Finding(
            path,
            f"Kafka Streams ignores {key}={value}{because}: its {forced.client}s always use "
            f"{forced.key}={forced.value} (Streams logs a WARN and drops the value). Remove {key}.",
            origin=origin,
        )


RULES: tuple[Rule, ...] = (
    Rule(
        id="streams-transaction-timeout-below-commit-interval",
        family=FAMILY,
        level="error",
        summary="Exactly-once Streams fail to start when producer.transaction.timeout.ms is below commit.interval.ms",
        why="Under exactly-once, Kafka Streams refuses to start when producer.transaction.timeout.ms (10000 by "
        "default under exactly-once) is below commit.interval.ms (IllegalArgumentException: Transaction timeout "
        "... was set lower than streams commit interval ...), which takes Kestra's executor down; an unprefixed "
        "transaction.timeout.ms does not count. Error.",
        check=reported_once(_streams_transaction_timeout),
        failing=example(props_layer("defaults.stream", "commit.interval.ms: 30000")),
        passing=example(
            props_layer("defaults.stream", "commit.interval.ms: 30000\nproducer.transaction.timeout.ms: 60000")
        ),
    ),
    Rule(
        id="streams-overrides-client-property",
        family=FAMILY,
        level="warning",
        summary="Kafka Streams drops some client settings (always, or under exactly-once) and uses its own",
        why="Kafka Streams forces some client settings to its own values (always, for example "
        "enable.auto.commit=false for its consumers; under exactly-once also isolation.level=read_committed and "
        "idempotent producers) and drops a different user value with a logged WARN, so the setting has no "
        "effect. Warning.",
        check=_streams_overrides,
        failing=example(props_layer("defaults.stream", "isolation.level: read_uncommitted")),
        passing=example(props_layer("defaults.stream", "isolation.level: read_committed")),
    ),
)
