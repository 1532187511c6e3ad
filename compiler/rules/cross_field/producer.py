"""Cross-field rules of producers: idempotence, transactions, delivery timeouts, ignored options."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.records import record
from compiler.rules.base import (
    Client,
    ClientFinding,
    Context,
    Finding,
    Rule,
    analysed_once,
    example,
    once_per_cause,
    props_layer,
    reported_once,
)
from compiler.rules.cross_field.common import (
    FAMILY,
    INT_MAX,
    STREAMS_EOS_TRANSACTION_TIMEOUT_MS,
    STREAMS_LINGER_MS,
    broker_setting,
)
from compiler.values import parse_bool

CONFLICT = "idempotence-conflict"
SILENT = "idempotence-silently-disabled"
TRANSACTIONAL = "transactional-id-requires-idempotence"
_IDEMPOTENCE_NEEDS = "it is on by default only with acks=all, retries above 0 and at most 5 in-flight requests"
_NO_TXN = "ConfigException: Cannot set a transactional.id without also enabling idempotence."


@record
class _Conflict:
    name: str
    cause: str
    kafka: str  # Kafka's message when idempotence was requested explicitly
    fix: str


def _conflicts(c: Client) -> list[_Conflict]:
    found: list[_Conflict] = []
    if c.number("retries") == 0:
        found.append(
            _Conflict(
                "retries",
                "retries=0",
                "Must set retries to non-zero when using the idempotent producer.",
                "Remove retries=0 (the default is 2147483647)",
            )
        )
    acks = c.raw("acks")
    if acks is not None and acks.strip() in ("0", "1"):
        found.append(
            _Conflict(
                "acks",
                f"acks={acks.strip()}",
                "Must set acks to all in order to use the idempotent producer. "
                "Otherwise we cannot guarantee idempotence.",
                "Set acks to all (or -1)",
            )
        )
    in_flight = c.number("max.in.flight.requests.per.connection")
    if in_flight is not None and in_flight > 5:
        name = "max.in.flight.requests.per.connection"
        if c.eos:
            kafka = (
                f"Invalid value {in_flight} for configuration {name}: "
                "Can't exceed 5 when exactly-once processing is enabled"
            )
        elif c.ctx.since("4.0"):
            kafka = f"To use the idempotent producer, {name} must be set to at most 5. Current value is {in_flight}."
        else:
            kafka = f"Must set {name} to at most 5 to use the idempotent producer."
        found.append(_Conflict(name, f"{name}={in_flight}", kafka, f"Set {name} to 5 or less"))
    return found


def _transactional(c: Client) -> tuple[str, str] | None:
    """Why this client's producers carry a transactional.id, and who then fails (None: no transactional.id, or
    Kafka Streams manages it under exactly-once)."""
    if c.eos:
        return None
    if c.kestra and c.role == "producer":
        return "Kestra's worker and scheduler producers set a transactional.id, which needs idempotence", "they"
    if c.key("transactional.id") is not None:
        return "transactional.id is set, which needs idempotence", "{who}"
    return None


def _idempotence(ctx: Context) -> Iterator[tuple[str, ClientFinding]]:
    for c in ctx.clients("producer"):
        txn = _transactional(c)
        explicit = c.eos or c.key("enable.idempotence") is not None
        enabled = True if c.eos else parse_bool(c.raw("enable.idempotence") or "true")
        if enabled is None:
            continue
        if not enabled:
            if txn:
                text = (
                    f"enable.idempotence=false, but {txn[0]}: {txn[1]} cannot start ({_NO_TXN}). "
                    "Remove enable.idempotence or set it to true."
                )
                yield TRANSACTIONAL, c.at("enable.idempotence", text)
            continue
        for conflict in _conflicts(c):
            if c.eos:
                text = (
                    f"processing.guarantee={c.guarantee} makes Kafka Streams use idempotent producers, so "
                    f"{conflict.cause} stops {{who}} from starting (ConfigException: {conflict.kafka}). {conflict.fix}."
                )
                yield CONFLICT, c.at(conflict.name, text)
            elif explicit:
                text = (
                    f"enable.idempotence=true conflicts with {conflict.cause}: {{who}} cannot start "
                    f"(ConfigException: {conflict.kafka}). {conflict.fix}, or remove enable.idempotence=true."
                )
                yield CONFLICT, c.at(conflict.name, text)
            elif conflict.name == "max.in.flight.requests.per.connection" and ctx.since("4.0"):
                other = "" if txn else ", or set enable.idempotence=false if duplicates are acceptable"
                text = (
                    f"{conflict.cause} with idempotence on (Kafka's default): from Kafka 4.0 {{who}} cannot start "
                    f"(ConfigException: {conflict.kafka}). {conflict.fix}{other}."
                )
                yield CONFLICT, c.at(conflict.name, text)
            elif txn:
                # Kafka 3.0.0 and 3.1.0 threw the acks/retries/in-flight message here instead: still an error.
                text = (
                    f"{conflict.cause} makes Kafka turn idempotence off ({_IDEMPOTENCE_NEEDS}), but {txn[0]}: "
                    f"{txn[1]} cannot start ({_NO_TXN}). {conflict.fix}."
                )
                yield TRANSACTIONAL, c.at(conflict.name, text)
            else:
                later = (
                    " From Kafka 4.0 this is a ConfigException."
                    if conflict.name == "max.in.flight.requests.per.connection"
                    else ""
                )
                text = (
                    f"{conflict.cause} makes Kafka silently turn idempotence off for {{who}} ({_IDEMPOTENCE_NEEDS}): "
                    f"a retried send can then be written twice or out of order.{later} {conflict.fix}, "
                    "or set enable.idempotence=false to make the choice explicit."
                )
                yield SILENT, c.at(conflict.name, text)


_idempotence_rule = analysed_once(_idempotence)


def _two_phase_commit(ctx: Context) -> Iterator[ClientFinding]:
    if not ctx.since("4.1"):
        return
    for c in ctx.clients("producer", streams=False):
        if parse_bool(c.raw("transaction.two.phase.commit.enable")) and c.key("transaction.timeout.ms"):
            yield c.at(
                "transaction.timeout.ms",
                "transaction.two.phase.commit.enable=true and transaction.timeout.ms are exclusive: {who} cannot "
                "start (ConfigException: Cannot set transaction.timeout.ms when transaction.two.phase.commit.enable "
                "is set to true. Transactions will not expire with two-phase commit enabled.). "
                "Remove transaction.timeout.ms.",
            )


def _transaction_timeout(ctx: Context) -> Iterator[Finding]:
    limit, source, limit_path = broker_setting(ctx, "transaction.max.timeout.ms", 900_000)
    if limit is None:
        return
    hits: list[ClientFinding] = []
    for c in ctx.clients("producer"):
        if c.eos:
            default = STREAMS_EOS_TRANSACTION_TIMEOUT_MS
        elif _transactional(c):
            default = c.default("transaction.timeout.ms") or 60_000
        else:
            continue
        timeout = c.number("transaction.timeout.ms", default)
        if timeout is None or timeout <= limit:
            continue
        if limit_path is None:
            text = (
                f"transaction.timeout.ms {timeout} is above {limit}, Kafka's default transaction.max.timeout.ms: "
                "whether the brokers refuse {who} when they start their transactions (InvalidTxnTimeoutException) "
                "depends on their transaction.max.timeout.ms, which is not declared; declare "
                "cluster.broker-defaults.transaction.max.timeout.ms to have it checked, or set "
                f"transaction.timeout.ms to {limit} or less."
            )
            hits.append(c.at("transaction.timeout.ms", text, level="info"))
            continue
        text = (
            f"transaction.timeout.ms {timeout} is above the broker's transaction.max.timeout.ms {limit} ({source}): "
            "{who} fail when they start their transactions (InvalidTxnTimeoutException: The transaction timeout is "
            "larger than the maximum value allowed by the broker (as configured by transaction.max.timeout.ms).). "
            f"Set transaction.timeout.ms to {limit} or less."
        )
        if c.key("transaction.timeout.ms") is None and limit_path is not None:
            yield Finding(limit_path, text.replace("{who}", c.who), origin=ctx.origin(limit_path))
        else:
            hits.append(c.at("transaction.timeout.ms", text))
    yield from once_per_cause(hits)


DELIVERY_TOO_LOW = "delivery-timeout-below-linger-plus-request"
DELIVERY_RAISED = "delivery-timeout-raised"


def _delivery(ctx: Context) -> Iterator[tuple[str, ClientFinding]]:
    for c in ctx.clients("producer"):
        linger_default = STREAMS_LINGER_MS if c.streams else c.default("linger.ms")
        linger = c.number("linger.ms", linger_default)
        request = c.number("request.timeout.ms", c.default("request.timeout.ms"))
        explicit = c.key("delivery.timeout.ms") is not None
        if not explicit and (c.eos or (c.key("linger.ms") is None and c.key("request.timeout.ms") is None)):
            continue  # under exactly-once Streams sets delivery.timeout.ms to Integer.MAX_VALUE
        delivery = c.number("delivery.timeout.ms", c.default("delivery.timeout.ms"))
        if linger is None or request is None or delivery is None:
            continue
        total = min(min(linger, INT_MAX) + request, INT_MAX)
        if delivery >= total:
            continue
        terms = f"linger.ms + request.timeout.ms = {linger} + {request} = {total}"
        if explicit:
            text = (
                f"delivery.timeout.ms {delivery} is below {terms}: {{who}} cannot start (ConfigException: "
                "delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms). "
                f"Raise delivery.timeout.ms to at least {total}, or lower linger.ms or request.timeout.ms."
            )
            yield DELIVERY_TOO_LOW, c.at("delivery.timeout.ms", text)
        else:
            name = "request.timeout.ms" if c.key("request.timeout.ms") else "linger.ms"
            text = (
                f"{terms} is above the default delivery.timeout.ms {delivery}: Kafka silently raises "
                f"delivery.timeout.ms to {total} for {{who}} (it logs a WARN), so a send can take longer to fail "
                f"than planned. Set delivery.timeout.ms to at least {total} explicitly, or lower {name}."
            )
            yield DELIVERY_RAISED, c.at(name, text)


_delivery_rule = analysed_once(_delivery)


def _compression_level(ctx: Context) -> Iterator[ClientFinding]:
    if not ctx.since("3.8"):
        return
    for c in ctx.clients("producer"):
        codec = (c.raw("compression.type") or "none").strip()
        for algorithm in ("gzip", "lz4", "zstd"):
            name = f"compression.{algorithm}.level"
            if c.key(name) is not None and codec != algorithm:
                yield c.at(
                    name,
                    f"{name} only applies when compression.type={algorithm}, but {{who}} use "
                    f"compression.type={codec}: the level is ignored. Remove it, or set compression.type={algorithm}.",
                )


_PARTITIONER_OPTIONS = (
    "partitioner.adaptive.partitioning.enable",
    "partitioner.availability.timeout.ms",
    "partitioner.ignore.keys",
)


def _partitioner_options(ctx: Context) -> Iterator[ClientFinding]:
    for c in ctx.clients("producer"):
        partitioner = (c.raw("partitioner.class") or "").strip()
        if not partitioner or "${" in partitioner:
            continue
        for name in _PARTITIONER_OPTIONS:
            if c.key(name) is not None:
                yield c.at(
                    name,
                    f"{name} only applies to Kafka's built-in partitioner, but partitioner.class is "
                    f"{partitioner}: {{who}} ignore it. Remove it, or remove partitioner.class.",
                )


RULES: tuple[Rule, ...] = (
    Rule(
        id=CONFLICT,
        family=FAMILY,
        level="error",
        summary="Idempotence (explicit, or forced by exactly-once Streams) with acks 0/1, retries=0 or more than 5 "
        "in-flight requests: the client does not start",
        why="An idempotent producer needs acks=all, retries above 0 and at most 5 in-flight requests; when "
        "idempotence is set explicitly, or forced by exactly-once Kafka Streams (or, from Kafka 4.0, left at its "
        "default with more than 5 in-flight requests), the client refuses to start with a ConfigException such "
        "as 'Must set acks to all in order to use the idempotent producer'. Error: the Kestra component that "
        "builds that producer does not start.",
        check=reported_once(_idempotence_rule(CONFLICT)),
        failing=example(props_layer("defaults.producer", "enable.idempotence: true\nacks: 1")),
        passing=example(props_layer("defaults.producer", "enable.idempotence: true\nacks: all")),
    ),
    Rule(
        id=SILENT,
        family=FAMILY,
        level="warning",
        summary="Idempotence left at its default is silently turned off by acks 0/1, retries=0 or (Kafka 3.x) "
        "more than 5 in-flight requests",
        why="With idempotence left at its default, acks 0/1, retries=0 or (Kafka 3.x) more than 5 in-flight requests "
        "make Kafka silently turn idempotence off (only a log line), so a retried send can be written twice or "
        "out of order. Warning: nothing fails, but the delivery guarantee is weaker than Kafka's default.",
        check=reported_once(_idempotence_rule(SILENT)),
        failing=example(props_layer("defaults.stream", "processing.guarantee: at_least_once\nacks: 1")),
        passing=example(props_layer("defaults.stream", "processing.guarantee: at_least_once\nacks: all")),
    ),
    Rule(
        id=TRANSACTIONAL,
        family=FAMILY,
        level="error",
        summary="Kestra's transactional producers need idempotence: disabling it (explicitly or through acks/retries) "
        "stops the worker and scheduler",
        why="Kestra's worker and scheduler producers set a transactional.id, and Kafka refuses a transactional "
        "producer without idempotence (ConfigException: Cannot set a transactional.id without also enabling "
        "idempotence); enable.idempotence=false, acks 0/1 or retries=0 in the producer defaults therefore stop "
        "them from starting. Error.",
        check=reported_once(_idempotence_rule(TRANSACTIONAL)),
        failing=example(props_layer("defaults.producer", "acks: 1")),
        passing=example(props_layer("defaults.producer", "acks: all")),
    ),
    Rule(
        id="two-phase-commit-with-transaction-timeout",
        family=FAMILY,
        level="error",
        summary="Kafka 4.1+: transaction.two.phase.commit.enable=true forbids setting transaction.timeout.ms",
        why="From Kafka 4.1, a producer with transaction.two.phase.commit.enable=true refuses an explicit "
        "transaction.timeout.ms (ConfigException: Cannot set transaction.timeout.ms when "
        "transaction.two.phase.commit.enable is set to true), so it does not start. Error.",
        check=reported_once(_two_phase_commit),
        failing=example(
            props_layer(
                "defaults.producer", "transaction.two.phase.commit.enable: true\ntransaction.timeout.ms: 60000"
            ),
            kafka_version="4.1",
        ),
        passing=example(
            props_layer("defaults.producer", "transaction.two.phase.commit.enable: true"), kafka_version="4.1"
        ),
    ),
    Rule(
        id="transaction-timeout-above-broker-max",
        family=FAMILY,
        level="error",
        summary="A transaction.timeout.ms above the broker's transaction.max.timeout.ms fails when transactions start",
        why="The broker refuses a transaction timeout above its transaction.max.timeout.ms when a transactional "
        "producer initialises its transactions (InvalidTxnTimeoutException), so Kestra's transactional "
        "producers, or exactly-once Streams, fail as they start. Error when cluster.broker-defaults declares "
        "transaction.max.timeout.ms; above Kafka's default (900000 ms) with it not declared, an info naming it: "
        "kkc cannot see the brokers' settings.",
        check=_transaction_timeout,
        failing=example(
            "cluster:\n  broker-defaults:\n    transaction.max.timeout.ms: 900000\n"
            + props_layer("defaults.producer", "transaction.timeout.ms: 1000000")
        ),
        passing=example(props_layer("defaults.producer", "transaction.timeout.ms: 600000")),
    ),
    Rule(
        id=DELIVERY_TOO_LOW,
        family=FAMILY,
        level="error",
        summary="An explicit delivery.timeout.ms below linger.ms + request.timeout.ms: the producer does not start",
        why="Kafka requires delivery.timeout.ms >= linger.ms + request.timeout.ms; an explicit lower value makes the "
        "producer constructor throw ConfigException, so the Kestra component using it does not start. Error.",
        check=reported_once(_delivery_rule(DELIVERY_TOO_LOW)),
        failing=example(props_layer("defaults.producer", "delivery.timeout.ms: 20000")),
        passing=example(props_layer("defaults.producer", "delivery.timeout.ms: 60000")),
    ),
    Rule(
        id=DELIVERY_RAISED,
        family=FAMILY,
        level="warning",
        summary="linger.ms + request.timeout.ms above the default delivery.timeout.ms: Kafka silently raises it",
        why="When linger.ms + request.timeout.ms exceed the default delivery.timeout.ms (120000) and "
        "delivery.timeout.ms is not set, Kafka raises it to that sum and only logs a WARN, so a failing send "
        "takes longer to be reported than the settings suggest. Warning.",
        check=reported_once(_delivery_rule(DELIVERY_RAISED)),
        failing=example(props_layer("defaults.producer", "request.timeout.ms: 200000")),
        passing=example(props_layer("defaults.producer", "request.timeout.ms: 200000\ndelivery.timeout.ms: 300000")),
    ),
    Rule(
        id="compression-level-ignored",
        family=FAMILY,
        level="warning",
        summary="A compression.<codec>.level for another codec than compression.type is ignored",
        why="compression.gzip.level, compression.lz4.level and compression.zstd.level (Kafka 3.8+) apply only to the "
        "codec chosen in compression.type (Kestra's default is lz4); a level for another codec is ignored "
        "without a message. Warning: the setting has no effect.",
        check=reported_once(_compression_level),
        failing=example(props_layer("defaults.producer", "compression.gzip.level: 9")),
        passing=example(props_layer("defaults.producer", "compression.type: gzip\ncompression.gzip.level: 9")),
    ),
    Rule(
        id="partitioner-option-ignored",
        family=FAMILY,
        level="warning",
        summary="partitioner.adaptive.*, partitioner.availability.timeout.ms and partitioner.ignore.keys are ignored "
        "with a custom partitioner.class",
        why="partitioner.adaptive.partitioning.enable, partitioner.availability.timeout.ms and "
        "partitioner.ignore.keys apply only to Kafka's built-in partitioner; with a custom partitioner.class "
        "they are ignored without a message. Warning: the setting has no effect.",
        check=reported_once(_partitioner_options),
        failing=example(
            props_layer(
                "defaults.producer",
                "partitioner.class: org.apache.kafka.clients.producer.RoundRobinPartitioner\n"
                "partitioner.ignore.keys: true",
            )
        ),
        passing=example(props_layer("defaults.producer", "partitioner.ignore.keys: true")),
    ),
)
