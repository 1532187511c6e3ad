"""Rules: settings that are each valid alone but fail, or silently change meaning, together.

They read the EFFECTIVE property set of each Kafka client Kestra creates (`client.properties`
overlaid by the role's defaults) and the topic plan, and encode what Kafka does at the declared
version (kafka-configs-notes.md section 5). Kafka Streams' prefixes are honoured: `producer.x` wins
over `x` for its producers, `main.consumer.x` over `consumer.x` over `x` for its main consumer.

Kestra facts they rely on: Kestra's worker and scheduler producers set a `transactional.id` over the
producer defaults, and Kestra's queue also creates consumers without a `group.id`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from compiler import catalog
from compiler.errors import Origin
from compiler.keys import BUNDLED_NAME, KAFKA_PATH, Path_
from compiler.rules.base import Context, Finding, Rule, example
from compiler.values import parse_bool, parse_int

FAMILY = "cross-field"
INT_MAX = 2**31 - 1
LONG_MAX = 2**63 - 1
_EOS = ("exactly_once", "exactly_once_beta", "exactly_once_v2")
_STREAMS_LINGER_MS = 100  # StreamsConfig PRODUCER_DEFAULT_OVERRIDES
_STREAMS_EOS_TRANSACTION_TIMEOUT_MS = 10000  # StreamsConfig DEFAULT_TRANSACTION_TIMEOUT
_STREAMS_EOS_COMMIT_INTERVAL_MS = 100
_BROKER_DEFAULTS: Path_ = ("cluster", "broker-defaults")


# ------------------------------------------------------------------------------------------ reading


def _since(ctx: Context, version: str) -> bool:
    return catalog.parse_version(ctx.kafka_version) >= catalog.parse_version(version)


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


@dataclass(frozen=True)
class _Client:
    """One Kafka client Kestra creates, as Kafka sees it: `kind` is the embedded client meant."""

    ctx: Context
    role: str  # key of ctx.compiled.clients: producer, consumer or streams
    kind: str  # producer or consumer

    @property
    def props(self) -> dict[str, str]:
        return self.ctx.compiled.clients.get(self.role, {})

    @property
    def kestra(self) -> bool:
        return self.ctx.compiled.properties_role is None

    @property
    def streams(self) -> bool:
        return self.role == "streams"

    @property
    def who(self) -> str:
        if self.streams:
            return "Kafka Streams' producers" if self.kind == "producer" else "Kafka Streams' main consumer"
        return f"Kestra's {self.kind}s" if self.kestra else f"this {self.kind}"

    def key(self, name: str) -> str | None:
        """The property that sets `name` for this client, honouring Kafka Streams' prefixes."""
        if self.streams:
            prefixes = ("producer.", "") if self.kind == "producer" else ("main.consumer.", "consumer.", "")
        else:
            prefixes = ("",)
        return next((p + name for p in prefixes if p + name in self.props), None)

    def raw(self, name: str) -> str | None:
        key = self.key(name)
        return None if key is None else self.props[key]

    def number(self, name: str, default: int | None = None) -> int | None:
        key = self.key(name)
        return default if key is None else parse_int(self.props[key])

    def default(self, name: str) -> int | None:
        info = catalog.lookup(self.kind, name, self.ctx.kafka_version)
        return parse_int(info.default_at(self.ctx.kafka_version)) if info else None

    @property
    def guarantee(self) -> str:
        return self.props.get("processing.guarantee", "at_least_once").strip() if self.streams else ""

    @property
    def eos(self) -> bool:
        return self.guarantee in _EOS

    def locate(self, name: str) -> tuple[Path_, Origin | None]:
        return self.ctx.client_origin(self.role, self.key(name) or name)


def _clients(ctx: Context, kind: str, streams: bool = True) -> list[_Client]:
    roles = [kind, "streams"] if streams else [kind]
    if ctx.compiled.properties_role is not None:
        roles = [r for r in roles if r == ctx.compiled.properties_role]
    return [_Client(ctx, role, kind) for role in roles]


@dataclass(frozen=True)
class _Hit:
    """A finding about one client's property; `text` says `{who}` where the client's name goes."""

    client: _Client
    name: str
    text: str
    level: str | None = None


def _emit(hits: Iterable[_Hit]) -> Iterator[Finding]:
    """One finding per key and problem: a client.properties key that breaks several clients is one."""
    groups: dict[tuple[Path_, str, str | None], tuple[list[str], Origin | None]] = {}
    for hit in hits:
        path, origin = hit.client.locate(hit.name)
        whos, _ = groups.setdefault((path, hit.text, hit.level), ([], origin))
        if hit.client.who not in whos:
            whos.append(hit.client.who)
    for (path, text, level), (whos, origin) in groups.items():
        yield Finding(path, text.replace("{who}", _join(whos)), level, origin)


def _checks(fn: Callable[[Context], Iterable[_Hit]]) -> Callable[[Context], Iterator[Finding]]:
    def check(ctx: Context) -> Iterator[Finding]:
        return _emit(fn(ctx))

    return check


def _broker(ctx: Context, key: str, default: int) -> tuple[int | None, str, Path_ | None]:
    """A broker setting from cluster.broker-defaults (value, where it comes from, its path) or Kafka's default."""
    declared = ctx.cluster.get("broker-defaults")
    if isinstance(declared, dict) and key in declared:
        return parse_int(str(declared[key])), "cluster.broker-defaults", (*_BROKER_DEFAULTS, key)
    return default, "Kafka's default", None


# -------------------------------------------------------------------------------- producer: idempotence

CONFLICT = "idempotence-conflict"
SILENT = "idempotence-silently-disabled"
TRANSACTIONAL = "transactional-id-requires-idempotence"
_IDEMPOTENCE_NEEDS = "it is on by default only with acks=all, retries above 0 and at most 5 in-flight requests"
_NO_TXN = "ConfigException: Cannot set a transactional.id without also enabling idempotence."


@dataclass(frozen=True)
class _Conflict:
    name: str
    cause: str
    kafka: str  # Kafka's message when idempotence was requested explicitly
    fix: str


def _conflicts(c: _Client) -> list[_Conflict]:
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
        elif _since(c.ctx, "4.0"):
            kafka = f"To use the idempotent producer, {name} must be set to at most 5. Current value is {in_flight}."
        else:
            kafka = f"Must set {name} to at most 5 to use the idempotent producer."
        found.append(_Conflict(name, f"{name}={in_flight}", kafka, f"Set {name} to 5 or less"))
    return found


def _transactional(c: _Client) -> tuple[str, str] | None:
    """Why this client's producers carry a transactional.id, and who then fails (None: no transactional.id, or
    Kafka Streams manages it under exactly-once)."""
    if c.eos:
        return None
    if c.kestra and c.role == "producer":
        return "Kestra's worker and scheduler producers set a transactional.id, which needs idempotence", "they"
    if c.key("transactional.id") is not None:
        return "transactional.id is set, which needs idempotence", "{who}"
    return None


def _idempotence(ctx: Context) -> Iterator[tuple[str, _Hit]]:
    for c in _clients(ctx, "producer"):
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
                yield TRANSACTIONAL, _Hit(c, "enable.idempotence", text)
            continue
        for conflict in _conflicts(c):
            if c.eos:
                text = (
                    f"processing.guarantee={c.guarantee} makes Kafka Streams use idempotent producers, so "
                    f"{conflict.cause} stops {{who}} from starting (ConfigException: {conflict.kafka}). {conflict.fix}."
                )
                yield CONFLICT, _Hit(c, conflict.name, text)
            elif explicit:
                text = (
                    f"enable.idempotence=true conflicts with {conflict.cause}: {{who}} cannot start "
                    f"(ConfigException: {conflict.kafka}). {conflict.fix}, or remove enable.idempotence=true."
                )
                yield CONFLICT, _Hit(c, conflict.name, text)
            elif conflict.name == "max.in.flight.requests.per.connection" and _since(ctx, "4.0"):
                other = "" if txn else ", or set enable.idempotence=false if duplicates are acceptable"
                text = (
                    f"{conflict.cause} with idempotence on (Kafka's default): from Kafka 4.0 {{who}} cannot start "
                    f"(ConfigException: {conflict.kafka}). {conflict.fix}{other}."
                )
                yield CONFLICT, _Hit(c, conflict.name, text)
            elif txn:
                # Kafka 3.0.0 and 3.1.0 threw the acks/retries/in-flight message here instead: still an error.
                text = (
                    f"{conflict.cause} makes Kafka turn idempotence off ({_IDEMPOTENCE_NEEDS}), but {txn[0]}: "
                    f"{txn[1]} cannot start ({_NO_TXN}). {conflict.fix}."
                )
                yield TRANSACTIONAL, _Hit(c, conflict.name, text)
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
                yield SILENT, _Hit(c, conflict.name, text)


def _idempotence_rule(rule_id: str) -> Callable[[Context], Iterable[_Hit]]:
    def check(ctx: Context) -> Iterator[_Hit]:
        return (hit for found, hit in _idempotence(ctx) if found == rule_id)

    return check


# ---------------------------------------------------------------------------- producer: transactions


def _two_phase_commit(ctx: Context) -> Iterator[_Hit]:
    if not _since(ctx, "4.1"):
        return
    for c in _clients(ctx, "producer", streams=False):
        if parse_bool(c.raw("transaction.two.phase.commit.enable")) and c.key("transaction.timeout.ms"):
            yield _Hit(
                c,
                "transaction.timeout.ms",
                "transaction.two.phase.commit.enable=true and transaction.timeout.ms are exclusive: {who} cannot "
                "start (ConfigException: Cannot set transaction.timeout.ms when transaction.two.phase.commit.enable "
                "is set to true. Transactions will not expire with two-phase commit enabled.). "
                "Remove transaction.timeout.ms.",
            )


def _transaction_timeout(ctx: Context) -> Iterator[Finding]:
    limit, source, limit_path = _broker(ctx, "transaction.max.timeout.ms", 900_000)
    if limit is None:
        return
    hits: list[_Hit] = []
    for c in _clients(ctx, "producer"):
        if c.eos:
            default = _STREAMS_EOS_TRANSACTION_TIMEOUT_MS
        elif _transactional(c):
            default = c.default("transaction.timeout.ms") or 60_000
        else:
            continue
        timeout = c.number("transaction.timeout.ms", default)
        if timeout is None or timeout <= limit:
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
            hits.append(_Hit(c, "transaction.timeout.ms", text))
    yield from _emit(hits)


# ------------------------------------------------------------------------------ producer: timeouts


DELIVERY_TOO_LOW = "delivery-timeout-below-linger-plus-request"
DELIVERY_RAISED = "delivery-timeout-raised"


def _delivery(ctx: Context) -> Iterator[tuple[str, _Hit]]:
    for c in _clients(ctx, "producer"):
        linger_default = _STREAMS_LINGER_MS if c.streams else c.default("linger.ms")
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
            yield DELIVERY_TOO_LOW, _Hit(c, "delivery.timeout.ms", text)
        else:
            name = "request.timeout.ms" if c.key("request.timeout.ms") else "linger.ms"
            text = (
                f"{terms} is above the default delivery.timeout.ms {delivery}: Kafka silently raises "
                f"delivery.timeout.ms to {total} for {{who}} (it logs a WARN), so a send can take longer to fail "
                f"than planned. Set delivery.timeout.ms to at least {total} explicitly, or lower {name}."
            )
            yield DELIVERY_RAISED, _Hit(c, name, text)


def _delivery_rule(rule_id: str) -> Callable[[Context], Iterable[_Hit]]:
    def check(ctx: Context) -> Iterator[_Hit]:
        return (hit for found, hit in _delivery(ctx) if found == rule_id)

    return check


# ------------------------------------------------------------------------- producer: ignored options


def _compression_level(ctx: Context) -> Iterator[_Hit]:
    if not _since(ctx, "3.8"):
        return
    for c in _clients(ctx, "producer"):
        codec = (c.raw("compression.type") or "none").strip()
        for algorithm in ("gzip", "lz4", "zstd"):
            name = f"compression.{algorithm}.level"
            if c.key(name) is not None and codec != algorithm:
                yield _Hit(
                    c,
                    name,
                    f"{name} only applies when compression.type={algorithm}, but {{who}} use "
                    f"compression.type={codec}: the level is ignored. Remove it, or set compression.type={algorithm}.",
                )


_PARTITIONER_OPTIONS = (
    "partitioner.adaptive.partitioning.enable",
    "partitioner.availability.timeout.ms",
    "partitioner.ignore.keys",
)


def _partitioner_options(ctx: Context) -> Iterator[_Hit]:
    for c in _clients(ctx, "producer"):
        partitioner = (c.raw("partitioner.class") or "").strip()
        if not partitioner or "${" in partitioner:
            continue
        for name in _PARTITIONER_OPTIONS:
            if c.key(name) is not None:
                yield _Hit(
                    c,
                    name,
                    f"{name} only applies to Kafka's built-in partitioner, but partitioner.class is "
                    f"{partitioner}: {{who}} ignore it. Remove it, or remove partitioner.class.",
                )


# ------------------------------------------------------------------------------ consumers: groups


def _classic(c: _Client) -> bool:
    """Whether the consumer joins its group with the classic protocol (heartbeats from the client)."""
    if c.streams:
        return (c.props.get("group.protocol") or "classic").strip().lower() != "streams"
    return (c.raw("group.protocol") or "classic").strip().lower() == "classic"


def _heartbeat(ctx: Context) -> Iterator[_Hit]:
    for c in _clients(ctx, "consumer"):
        if not _classic(c) or (c.key("heartbeat.interval.ms") is None and c.key("session.timeout.ms") is None):
            continue
        heartbeat = c.number("heartbeat.interval.ms", c.default("heartbeat.interval.ms"))
        session = c.number("session.timeout.ms", c.default("session.timeout.ms"))
        if heartbeat is None or session is None or heartbeat < session:
            continue
        name = "heartbeat.interval.ms" if c.key("heartbeat.interval.ms") else "session.timeout.ms"
        yield _Hit(
            c,
            name,
            f"heartbeat.interval.ms {heartbeat} is not below session.timeout.ms {session}: {{who}} cannot start "
            "(IllegalArgumentException: Heartbeat must be set lower than the session timeout). Keep "
            "heartbeat.interval.ms below session.timeout.ms, usually at most a third of it.",
        )


def _session_range(ctx: Context) -> Iterator[_Hit]:
    low, low_source, _ = _broker(ctx, "group.min.session.timeout.ms", 6_000)
    high, high_source, _ = _broker(ctx, "group.max.session.timeout.ms", 1_800_000)
    if low is None or high is None:
        return
    source = low_source if low_source == high_source else f"{low_source} / {high_source}"
    for c in _clients(ctx, "consumer"):
        session = c.number("session.timeout.ms")
        if not _classic(c) or session is None or low <= session <= high:
            continue
        yield _Hit(
            c,
            "session.timeout.ms",
            f"session.timeout.ms {session} is outside the broker's range {low}..{high} (group.min.session.timeout.ms "
            f"and group.max.session.timeout.ms, {source}): the broker refuses {{who}} when they join their group "
            "(InvalidSessionTimeoutException: The session timeout is not within the range allowed by the broker (as "
            "configured by group.min.session.timeout.ms and group.max.session.timeout.ms).). Set session.timeout.ms "
            "within that range.",
        )


def _auto_commit(ctx: Context) -> Iterator[_Hit]:
    for c in _clients(ctx, "consumer", streams=False):
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
        yield _Hit(c, "enable.auto.commit", text)


_CONSUMER_PROTOCOL_MANAGED = {
    "session.timeout.ms": "the broker's group.consumer.session.timeout.ms applies instead",
    "heartbeat.interval.ms": "the broker's group.consumer.heartbeat.interval.ms applies instead",
    "partition.assignment.strategy": "use group.remote.assignor (uniform or range) instead",
}


def _consumer_protocol(ctx: Context) -> Iterator[_Hit]:
    if not _since(ctx, "4.0"):
        return
    for c in _clients(ctx, "consumer", streams=False):
        if (c.raw("group.protocol") or "").strip().lower() != "consumer":
            continue
        for name, instead in _CONSUMER_PROTOCOL_MANAGED.items():
            if c.key(name) is not None:
                yield _Hit(
                    c,
                    name,
                    f"{name} cannot be set when group.protocol=CONSUMER: {{who}} cannot start (ConfigException). "
                    f"With the consumer group protocol (KIP-848) {instead}. Remove {name}.",
                )


def _remote_assignor(ctx: Context) -> Iterator[_Hit]:
    if not _since(ctx, "3.9"):
        return
    for c in _clients(ctx, "consumer", streams=False):
        if c.key("group.remote.assignor") is not None and _classic(c):
            yield _Hit(
                c,
                "group.remote.assignor",
                "group.remote.assignor cannot be set when group.protocol=CLASSIC: {who} cannot start "
                "(ConfigException). It only applies to the consumer group protocol: set group.protocol=consumer, "
                "or remove group.remote.assignor.",
            )


_SHARE_KEYS = {"share.acknowledgement.mode": "4.1", "share.acquire.mode": "4.2"}


def _share_settings(ctx: Context) -> Iterator[_Hit]:
    for c in _clients(ctx, "consumer", streams=False):
        protocol = (c.raw("group.protocol") or "classic").strip().upper()
        regular = "Kestra's consumers are" if c.kestra else "this file configures"
        for name, since in _SHARE_KEYS.items():
            if _since(ctx, since) and c.key(name) is not None:
                yield _Hit(
                    c,
                    name,
                    f"{name} cannot be set when group.protocol={protocol}: {{who}} cannot start (ConfigException). "
                    f"It is a share-group (KafkaShareConsumer) setting and {regular} regular KafkaConsumers. "
                    f"Remove {name}.",
                )


# ----------------------------------------------------------------------------------- Kafka Streams


def _streams_transaction_timeout(ctx: Context) -> Iterator[_Hit]:
    for c in _clients(ctx, "producer"):
        if not c.streams or not c.eos:
            continue
        commit = parse_int(c.props.get("commit.interval.ms", str(_STREAMS_EOS_COMMIT_INTERVAL_MS)))
        # StreamsConfig reads only the producer.-prefixed key for this check.
        prefixed = "producer.transaction.timeout.ms"
        timeout = parse_int(c.props.get(prefixed, str(_STREAMS_EOS_TRANSACTION_TIMEOUT_MS)))
        if commit is None or timeout is None or timeout >= commit:
            continue
        name = "commit.interval.ms" if "commit.interval.ms" in c.props else prefixed
        note = (
            " (transaction.timeout.ms without the producer. prefix does not count here)"
            if "transaction.timeout.ms" in c.props
            else ""
        )
        yield _Hit(
            c,
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
    client = _Client(ctx, "streams", "producer")
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


# ------------------------------------------------------------------------------------------- topics


@dataclass(frozen=True)
class _TopicValue:
    value: int | None
    path: Path_ | None  # where it is set: the topic, the topic defaults, cluster.broker-defaults; None: Kafka


def _topic_value(ctx: Context, topic_key: str, name: str, broker_key: str | None, default: int) -> _TopicValue:
    own: Path_ = (*KAFKA_PATH, "topics", topic_key, "properties", name)
    shared: Path_ = (*KAFKA_PATH, "defaults", "topic", "properties", name)
    for path in (own, shared):
        if ctx.get(path) is not None:
            return _TopicValue(parse_int(str(ctx.get(path))), path)
    if broker_key is not None:
        value, _, broker_path = _broker(ctx, broker_key, default)
        return _TopicValue(value, broker_path)
    return _TopicValue(default, None)


def _blame(ctx: Context, *values: _TopicValue) -> Path_ | None:
    """Where the user should look: a Kestra key they wrote, else a broker default they declared, else Kestra's."""

    def rank(path: Path_) -> int:
        origin = ctx.origin(path)
        if origin is None or origin.file == BUNDLED_NAME:
            return 2
        return 1 if path[: len(_BROKER_DEFAULTS)] == _BROKER_DEFAULTS else 0

    paths = [v.path for v in values if v.path is not None]
    return min(paths, key=rank) if paths else None


def _grouped(ctx: Context, items: Iterable[tuple[Path_, str, str]]) -> Iterator[Finding]:
    """(path, topic key, text with {topics}) -> one finding per path and text, naming every topic."""
    groups: dict[tuple[Path_, str], list[str]] = {}
    for path, topic, text in items:
        groups.setdefault((path, text), []).append(topic)
    for (path, text), topics in groups.items():
        label = ("topic " if len(topics) == 1 else "topics ") + _join(topics)
        yield Finding(path, text.replace("{topics}", label), origin=ctx.origin(path))


def _compaction_lag(ctx: Context) -> Iterator[Finding]:
    items = []
    for plan in ctx.compiled.topics:
        low = _topic_value(ctx, plan.key, "min.compaction.lag.ms", "log.cleaner.min.compaction.lag.ms", 0)
        high = _topic_value(ctx, plan.key, "max.compaction.lag.ms", "log.cleaner.max.compaction.lag.ms", LONG_MAX)
        if low.value is None or high.value is None or low.value <= high.value:
            continue
        path = _blame(ctx, high, low)
        if path is not None:
            text = (
                f"conflict topic config setting min.compaction.lag.ms ({low.value}) > max.compaction.lag.ms "
                f"({high.value}) for {{topics}}: the broker rejects the config (InvalidConfigurationException), so "
                "Kestra cannot create or update the topic. Keep min.compaction.lag.ms at or below "
                "max.compaction.lag.ms."
            )
            items.append((path, plan.key, text))
    yield from _grouped(ctx, items)


def _remote_storage(ctx: Context, topic_key: str) -> _TopicValue | None:
    found = _topic_value(ctx, topic_key, "remote.storage.enable", None, 0)
    if found.path is None or parse_bool(str(ctx.get(found.path))) is not True:
        return None
    return found


def _remote_storage_compacted(ctx: Context) -> Iterator[Finding]:
    items = []
    for plan in ctx.compiled.topics:
        enabled = _remote_storage(ctx, plan.key)
        policy = plan.properties.get("cleanup.policy", "delete")
        if enabled is None or enabled.path is None or "compact" not in {p.strip() for p in policy.split(",")}:
            continue
        text = (
            "remote.storage.enable=true on compacted {topics} (their cleanup.policy includes compact): the broker "
            "supports tiered storage only for cleanup.policy=delete and rejects the config, so Kestra cannot create or "
            "update the topic. Enable remote storage only on delete-only topics (kestra.kafka.topics.<key>.properties)."
        )
        items.append((enabled.path, plan.key, text))
    yield from _grouped(ctx, items)


def _local_retention(ctx: Context) -> Iterator[Finding]:
    items = []
    for plan in ctx.compiled.topics:
        if _remote_storage(ctx, plan.key) is None:
            continue
        retention_ms = plan.retention_ms if isinstance(plan.retention_ms, int) else None
        retention_bytes = _topic_value(ctx, plan.key, "retention.bytes", "log.retention.bytes", -1).value
        for unit, total in (("ms", retention_ms), ("bytes", retention_bytes)):
            local = _topic_value(ctx, plan.key, f"local.retention.{unit}", f"log.local.retention.{unit}", -2)
            if total is None or local.value is None or local.path is None or total == -1 or local.value == -2:
                continue
            if local.value == -1:
                reason = f"Value must not be -1 as retention.{unit} value is set as {total}"
            elif local.value > total:
                reason = f"Value must not be more than retention.{unit} property value: {total}"
            else:
                continue
            text = (
                f"Invalid value {local.value} for configuration local.retention.{unit}: {reason} ({{topics}}, "
                "remote.storage.enable=true): the broker rejects the config, so Kestra cannot create or update the "
                f"topic. Keep local.retention.{unit} at or below retention.{unit} (-2 means the same)."
            )
            items.append((local.path, plan.key, text))
    yield from _grouped(ctx, items)


# -------------------------------------------------------------------------------------------- rules


def _props(section: str, body: str) -> str:
    """A YAML layer with `body` (one `key: value` per line) under kestra.kafka.<section>.properties."""
    text = "kestra:\n  kafka:\n"
    indent = "    "
    for part in section.split("."):
        text += f"{indent}{part}:\n"
        indent += "  "
    text += f"{indent}properties:\n"
    indent += "  "
    return text + "".join(f"{indent}{line}\n" for line in body.splitlines())


def _rule(
    rule_id: str,
    level: str,
    summary: str,
    check: Callable[[Context], Iterable[Finding]],
    failing: str,
    passing: str,
    **options: str,
) -> Rule:
    return Rule(
        rule_id,
        FAMILY,
        level,
        summary,
        check,
        failing=example(failing, **options),
        passing=example(passing, **options),
    )


RULES: tuple[Rule, ...] = (
    _rule(
        CONFLICT,
        "error",
        "Idempotence (explicit, or forced by exactly-once Streams) with acks 0/1, retries=0 or more than 5 "
        "in-flight requests: the client does not start",
        _checks(_idempotence_rule(CONFLICT)),
        _props("defaults.producer", "enable.idempotence: true\nacks: 1"),
        _props("defaults.producer", "enable.idempotence: true\nacks: all"),
    ),
    _rule(
        SILENT,
        "warning",
        "Idempotence left at its default is silently turned off by acks 0/1, retries=0 or (Kafka 3.x) more than "
        "5 in-flight requests",
        _checks(_idempotence_rule(SILENT)),
        _props("defaults.stream", "processing.guarantee: at_least_once\nacks: 1"),
        _props("defaults.stream", "processing.guarantee: at_least_once\nacks: all"),
    ),
    _rule(
        TRANSACTIONAL,
        "error",
        "Kestra's transactional producers need idempotence: disabling it (explicitly or through acks/retries) "
        "stops the worker and scheduler",
        _checks(_idempotence_rule(TRANSACTIONAL)),
        _props("defaults.producer", "acks: 1"),
        _props("defaults.producer", "acks: all"),
    ),
    _rule(
        "two-phase-commit-with-transaction-timeout",
        "error",
        "Kafka 4.1+: transaction.two.phase.commit.enable=true forbids setting transaction.timeout.ms",
        _checks(_two_phase_commit),
        _props("defaults.producer", "transaction.two.phase.commit.enable: true\ntransaction.timeout.ms: 60000"),
        _props("defaults.producer", "transaction.two.phase.commit.enable: true"),
        kafka_version="4.1",
    ),
    _rule(
        "transaction-timeout-above-broker-max",
        "error",
        "A transaction.timeout.ms above the broker's transaction.max.timeout.ms fails when transactions start",
        _transaction_timeout,
        _props("defaults.producer", "transaction.timeout.ms: 1000000"),
        _props("defaults.producer", "transaction.timeout.ms: 600000"),
    ),
    _rule(
        DELIVERY_TOO_LOW,
        "error",
        "An explicit delivery.timeout.ms below linger.ms + request.timeout.ms: the producer does not start",
        _checks(_delivery_rule(DELIVERY_TOO_LOW)),
        _props("defaults.producer", "delivery.timeout.ms: 20000"),
        _props("defaults.producer", "delivery.timeout.ms: 60000"),
    ),
    _rule(
        DELIVERY_RAISED,
        "warning",
        "linger.ms + request.timeout.ms above the default delivery.timeout.ms: Kafka silently raises it",
        _checks(_delivery_rule(DELIVERY_RAISED)),
        _props("defaults.producer", "request.timeout.ms: 200000"),
        _props("defaults.producer", "request.timeout.ms: 200000\ndelivery.timeout.ms: 300000"),
    ),
    _rule(
        "compression-level-ignored",
        "warning",
        "A compression.<codec>.level for another codec than compression.type is ignored",
        _checks(_compression_level),
        _props("defaults.producer", "compression.gzip.level: 9"),
        _props("defaults.producer", "compression.type: gzip\ncompression.gzip.level: 9"),
    ),
    _rule(
        "partitioner-option-ignored",
        "warning",
        "partitioner.adaptive.*, partitioner.availability.timeout.ms and partitioner.ignore.keys are ignored "
        "with a custom partitioner.class",
        _checks(_partitioner_options),
        _props(
            "defaults.producer",
            "partitioner.class: org.apache.kafka.clients.producer.RoundRobinPartitioner\npartitioner.ignore.keys: true",
        ),
        _props("defaults.producer", "partitioner.ignore.keys: true"),
    ),
    _rule(
        "heartbeat-not-below-session-timeout",
        "error",
        "heartbeat.interval.ms must be below session.timeout.ms (classic group protocol), else the consumer "
        "does not start",
        _checks(_heartbeat),
        _props("defaults.consumer", "heartbeat.interval.ms: 50000"),
        _props("defaults.consumer", "heartbeat.interval.ms: 10000"),
    ),
    _rule(
        "session-timeout-outside-broker-range",
        "error",
        "A session.timeout.ms outside the broker's group.min/max.session.timeout.ms: the consumer cannot join",
        _checks(_session_range),
        _props("defaults.consumer", "session.timeout.ms: 4000\nheartbeat.interval.ms: 1000"),
        _props("defaults.consumer", "session.timeout.ms: 10000"),
    ),
    _rule(
        "auto-commit-without-group-id",
        "error",
        "enable.auto.commit=true fails for consumers without a group.id, which Kestra's queue creates",
        _checks(_auto_commit),
        _props("defaults.consumer", "enable.auto.commit: true"),
        _props("defaults.consumer", "enable.auto.commit: false"),
    ),
    _rule(
        "consumer-protocol-rejects-classic-setting",
        "error",
        "Kafka 4.0+: with group.protocol=consumer, session.timeout.ms, heartbeat.interval.ms and "
        "partition.assignment.strategy make the consumer fail",
        _checks(_consumer_protocol),
        _props("defaults.consumer", "group.protocol: consumer\nsession.timeout.ms: 45000"),
        _props("defaults.consumer", "group.protocol: consumer"),
    ),
    _rule(
        "remote-assignor-requires-consumer-protocol",
        "error",
        "Kafka 3.9+: group.remote.assignor with the classic group protocol makes the consumer fail",
        _checks(_remote_assignor),
        _props("defaults.consumer", "group.remote.assignor: uniform"),
        _props("defaults.consumer", "group.protocol: consumer\ngroup.remote.assignor: uniform"),
    ),
    _rule(
        "share-setting-on-consumer",
        "error",
        "share.acknowledgement.mode / share.acquire.mode are for share consumers: a regular consumer fails",
        _checks(_share_settings),
        _props("defaults.consumer", "share.acknowledgement.mode: explicit"),
        _props("defaults.consumer", "max.poll.records: 100"),
    ),
    _rule(
        "streams-transaction-timeout-below-commit-interval",
        "error",
        "Exactly-once Streams fail to start when producer.transaction.timeout.ms is below commit.interval.ms",
        _checks(_streams_transaction_timeout),
        _props("defaults.stream", "commit.interval.ms: 30000"),
        _props("defaults.stream", "commit.interval.ms: 30000\nproducer.transaction.timeout.ms: 60000"),
    ),
    _rule(
        "streams-overrides-client-property",
        "warning",
        "Kafka Streams drops some client settings (always, or under exactly-once) and uses its own",
        _streams_overrides,
        _props("defaults.stream", "isolation.level: read_uncommitted"),
        _props("defaults.stream", "isolation.level: read_committed"),
    ),
    _rule(
        "min-compaction-lag-above-max",
        "error",
        "A topic whose min.compaction.lag.ms exceeds max.compaction.lag.ms is rejected by the broker",
        _compaction_lag,
        _props("defaults.topic", 'max.compaction.lag.ms: "3600000"'),
        _props("defaults.topic", 'max.compaction.lag.ms: "604800000"'),
    ),
    _rule(
        "remote-storage-on-compacted-topic",
        "error",
        "Tiered storage (remote.storage.enable=true) on a compacted topic is rejected by the broker",
        _remote_storage_compacted,
        _props("defaults.topic", "remote.storage.enable: true"),
        _props("topics.logentry", "remote.storage.enable: true"),
    ),
    _rule(
        "local-retention-exceeds-retention",
        "error",
        "With tiered storage, local.retention.* above retention.* (or -1 with a finite retention) is rejected",
        _local_retention,
        _props(
            "topics.logentry",
            'remote.storage.enable: true\nretention.ms: "86400000"\nlocal.retention.ms: "172800000"',
        ),
        _props(
            "topics.logentry",
            'remote.storage.enable: true\nretention.ms: "86400000"\nlocal.retention.ms: "3600000"',
        ),
    ),
)
