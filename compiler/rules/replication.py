"""Rules: replication factors against the broker count, min.insync.replicas, exactly-once.

Kestra creates its topics with the topic's own replication factor, else the topic defaults' one
(kestra-facts.md). A factor above the broker count makes creation fail and Kestra stop; one below
it loses redundancy. Each value is reported once, at the key that set it: the defaults value once
(however many topics use it), plus each topic that sets its own.
"""

from __future__ import annotations

from collections.abc import Iterator

from compiler.keys import KAFKA_PATH, Path_
from compiler.layers import kestra_topic_keys
from compiler.records import record
from compiler.rules.base import Context, Finding, Rule, describe_topics, example
from compiler.values import parse_int

DEFAULT_RF: Path_ = (*KAFKA_PATH, "defaults", "topic", "replication-factor")
BROKER_DEFAULTS: Path_ = ("cluster", "broker-defaults")
KAFKA_TRANSACTION_LOG_RF = 3
EXACTLY_ONCE = ("exactly_once_v2", "exactly_once", "exactly_once_beta")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


@record
class RfSetting:
    path: Path_  # the key that set the replication factor
    value: int
    topics: tuple[str, ...]  # the topic keys that use it

    @property
    def is_default(self) -> bool:
        return self.path == DEFAULT_RF

    def subject(self, ctx: Context) -> str:
        if self.is_default:
            used = f"used by {_plural(len(self.topics), 'topic')}" if self.topics else "used by no topic"
            whose = "the topic default" if ctx.is_user_set(self.path) else "Kestra's default topic"
            streams = " and Streams' internal topics" if _streams_rf(ctx) is None else ""
            return f"{whose} replication factor {self.value} ({used}{streams})"
        return f"topic '{self.topics[0]}' replication factor {self.value}"


def _effective(ctx: Context, value: int) -> int | None:
    """-1 asks the broker for its default.replication.factor (Kafka 2.4+)."""
    if value != -1:
        return value if value > 0 else None
    declared = ctx.broker_default("default.replication.factor")
    return declared[0] if declared else None


def rf_settings(ctx: Context) -> Iterator[RfSetting]:
    """The defaults value once, then each topic that sets its own (not a mere reference to the defaults)."""
    topics = ctx.get((*KAFKA_PATH, "topics"), {})
    topics = topics if isinstance(topics, dict) else {}
    own: list[RfSetting] = []
    inherited: list[str] = []
    known = set(kestra_topic_keys())  # Kestra creates only these; unknown-topic-key reports the others
    for key, topic in topics.items():
        if key not in known:
            continue
        path = (*KAFKA_PATH, "topics", key, "replication-factor")
        if not isinstance(topic, dict) or "replication-factor" not in topic:
            inherited.append(str(key))
            continue
        references = ctx.compiled.resolved.references.get(path, [])
        if any(ref.path == DEFAULT_RF for ref in references):
            inherited.append(str(key))
            continue
        value = parse_int(topic["replication-factor"])
        if value is not None and (effective := _effective(ctx, value)) is not None:
            own.append(RfSetting(path, effective, (str(key),)))
    default = parse_int(ctx.get(DEFAULT_RF))
    if default is not None and (effective := _effective(ctx, default)) is not None:
        yield RfSetting(DEFAULT_RF, effective, tuple(inherited))
    yield from own


def _streams_rf(ctx: Context) -> tuple[int, Path_] | None:
    """Streams' replication.factor when it differs from the topic default (else it is the same cause)."""
    raw = ctx.compiled.clients.get("streams", {}).get("replication.factor")
    value = parse_int(raw) if raw is not None else None
    if value is None:
        return None
    effective = _effective(ctx, value)
    default = parse_int(ctx.get(DEFAULT_RF))
    if effective is None or (default is not None and effective == _effective(ctx, default)):
        return None
    return effective, ctx.client_origin("streams", "replication.factor")[0]


def _cluster_label(ctx: Context) -> str:
    name = ctx.cluster.get("name")
    count = _plural(ctx.brokers or 0, "broker")
    return f"the {count} of cluster '{name}'" if name else f"the {count} declared"


def _rf_exceeds(ctx: Context) -> Iterator[Finding]:
    if not ctx.brokers_declared or ctx.brokers is None:
        return
    brokers = ctx.brokers
    for setting in rf_settings(ctx):
        if setting.value > brokers:
            yield Finding(
                setting.path,
                f"{setting.subject(ctx)} is larger than {_cluster_label(ctx)}: Kafka refuses to create "
                f"{'these topics' if setting.is_default else 'the topic'} (InvalidReplicationFactorException) "
                "and Kestra stops at startup; set it to at most "
                f"{brokers} (the broker count), or fix cluster.brokers if the cluster is bigger",
                cause=ctx.brokers_origin,
            )
    streams = _streams_rf(ctx)
    if streams and streams[0] > brokers:
        yield Finding(
            streams[1],
            f"Streams replication.factor {streams[0]} is larger than {_cluster_label(ctx)}: Kafka Streams "
            f"cannot create its internal topics and the executor stops; set it to at most {brokers}",
        )


def _rf_below(ctx: Context) -> Iterator[Finding]:
    if not ctx.brokers_declared or ctx.brokers is None:
        return
    brokers = ctx.brokers
    for setting in rf_settings(ctx):
        if setting.value >= brokers or (setting.is_default and not setting.topics):
            continue
        if setting.value == 1:
            risk = (
                "each partition has a single copy: no redundancy, one broker down makes it unavailable "
                "and a lost disk loses its data"
            )
        else:
            risk = (
                f"each partition keeps {setting.value} copies, so it survives at most "
                f"{_plural(setting.value - 1, 'broker')} down"
            )
        yield Finding(
            setting.path,
            f"{setting.subject(ctx)} is below {_cluster_label(ctx)}: {risk}; the Kestra documentation recommends "
            f"the broker count: set it to {brokers} (Kestra never changes the factor of an existing topic: "
            "raise it on existing topics with kafka-reassign-partitions)",
            cause=ctx.brokers_origin,
        )


def _streams_mismatch(ctx: Context) -> Iterator[Finding]:
    raw = ctx.compiled.clients.get("streams", {}).get("replication.factor")
    default = parse_int(ctx.get(DEFAULT_RF))
    value = parse_int(raw) if raw is not None else None
    if value is None or default is None or value == default:
        return
    effective, effective_default = _effective(ctx, value), _effective(ctx, default)
    if effective is not None and effective == effective_default:
        return  # -1 and the declared default.replication.factor it stands for
    brokers = "the broker's default.replication.factor"
    if value == -1:
        known = f" ({effective})" if effective is not None else ""
        streams = f"Streams creates its changelog and repartition topics with {brokers}{known}"
    else:
        streams = f"Streams creates its changelog and repartition topics with {_plural(value, 'replica')}"
    ours = (f"{brokers} ({effective_default})" if effective_default else brokers) if default == -1 else str(default)
    text = (
        f"Streams replication.factor {value} differs from the topic default replication factor {default}: "
        f"{streams}, Kestra's own topics get {ours}"
    )
    if effective is None or effective_default is None:
        # -1 on one side: they differ only if the brokers' default.replication.factor is not the other value
        yield Finding(
            ctx.client_origin("streams", "replication.factor")[0],
            f"{text}; whether the two differ depends on the brokers' default.replication.factor, which is not "
            "declared: declare cluster.broker-defaults.default.replication.factor to have it checked",
            level="info",
        )
        return
    yield Finding(
        ctx.client_origin("streams", "replication.factor")[0],
        f"{text}; Kestra's default '${{kestra.kafka.defaults.topic.replication-factor}}' keeps both equal "
        "(remove this override)",
    )


def _min_insync_source(ctx: Context, key: str) -> tuple[int, Path_] | None:
    """A topic's min.insync.replicas and the key that set it: topic, topic defaults, or broker default."""
    topic_path = (*KAFKA_PATH, "topics", key, "properties", "min.insync.replicas")
    defaults_path = (*KAFKA_PATH, "defaults", "topic", "properties", "min.insync.replicas")
    for path in (topic_path, defaults_path):
        raw = ctx.get(path)
        if raw is not None:
            value = parse_int(raw)
            return None if value is None else (value, path)
    return ctx.broker_default("min.insync.replicas")


def _min_insync(ctx: Context) -> Iterator[Finding]:
    rf_of: dict[str, RfSetting] = {}
    for setting in rf_settings(ctx):
        for key in setting.topics:
            rf_of[key] = setting
    groups: dict[tuple[Path_, int, Path_, int], list[str]] = {}
    for plan in ctx.known_plans():
        rf_setting = rf_of.get(plan.key)
        found = _min_insync_source(ctx, plan.key)
        if rf_setting is None or found is None:
            continue
        insync, path = found
        # With a single replica min.insync.replicas=1 is the only valid value; redundancy is another rule.
        if insync < rf_setting.value or insync == rf_setting.value == 1:
            continue
        groups.setdefault((path, insync, rf_setting.path, rf_setting.value), []).append(plan.key)
    every = [p.key for p in ctx.known_plans()]
    for (path, insync, rf_path, rf), keys in groups.items():
        topics = describe_topics(keys, every)
        if insync > rf:
            relation, level = "above", None
            effect = "every write with acks=all fails (NotEnoughReplicasException): there are never that many replicas"
        else:
            relation, level = "equal to", "warning"
            effect = (
                "writes with acks=all stop (NotEnoughReplicasException) whenever one replica is offline, a broker "
                "restart included, so Kestra stalls during every rolling upgrade"
            )
        yield Finding(
            path,
            f"min.insync.replicas {insync} is {relation} the replication factor {rf} of {topics} "
            f"(set at {ctx.where_set(rf_path)}): {effect}; Kestra's producers and Streams use acks=all; "
            f"set min.insync.replicas to at most {max(rf - 1, 1)} (commonly replication factor - 1)",
            level=level,
        )


def _exactly_once(ctx: Context) -> Iterator[Finding]:
    if not ctx.brokers_declared or ctx.brokers is None:
        return
    streams = ctx.compiled.clients.get("streams", {})
    producer = ctx.compiled.clients.get("producer", {})
    guarantee = streams.get("processing.guarantee", "").strip()
    if guarantee in EXACTLY_ONCE:
        path, what = ctx.client_origin("streams", "processing.guarantee")[0], f"processing.guarantee {guarantee}"
    elif producer.get("transactional.id"):
        path, what = ctx.client_origin("producer", "transactional.id")[0], "a transactional producer"
    else:
        return
    declared = ctx.broker_default("transaction.state.log.replication.factor")
    brokers = ctx.brokers
    if declared is not None:
        if declared[0] <= brokers:
            return
        yield Finding(
            path,
            f"{what} needs the broker's transaction state log, whose replication factor "
            f"{declared[0]} (cluster.broker-defaults.transaction.state.log.replication.factor) is more than "
            f"{_cluster_label(ctx)}: the log cannot be created and transactions time out, so Kestra's "
            f"executor hangs; lower the broker's transaction.state.log.replication.factor to {brokers} or "
            "use processing.guarantee at_least_once",
            cause=ctx.origin(declared[1]),
        )
        return
    if brokers >= KAFKA_TRANSACTION_LOG_RF:
        return
    # A cluster this small cannot run any consumer group on Kafka's internal-topic defaults, so its
    # broker was almost certainly configured for it: state the assumption instead of warning.
    yield Finding(
        path,
        f"{what} needs the broker's transaction state log, whose replication factor defaults to "
        f"{KAFKA_TRANSACTION_LOG_RF}, more than {_cluster_label(ctx)}; kkc assumes the broker lowered "
        f"transaction.state.log.replication.factor (as Kafka's sample server.properties does); if not, "
        "transactions time out and Kestra's executor hangs. Declare "
        "cluster.broker-defaults.transaction.state.log.replication.factor to have it checked",
        level="info",
        cause=ctx.brokers_origin,
    )


def _brokers_not_declared(ctx: Context) -> Iterator[Finding]:
    if ctx.brokers_declared or ctx.compiled.properties_role is not None:
        return
    default = parse_int(ctx.get(DEFAULT_RF))
    needed = max((s.value for s in rf_settings(ctx)), default=default or 1)
    yield Finding(
        DEFAULT_RF,
        "no broker count declared (cluster.brokers or --brokers): kkc skipped the checks that need it "
        "(replication-factor-exceeds-brokers, replication-factor-below-brokers, exactly-once-few-brokers) "
        f"rather than assume one; this config needs at least {_plural(needed, 'broker')} (its largest "
        "replication factor). Declare 'cluster: {brokers: N}' or pass --brokers N",
    )


_RF3 = "kestra:\n  kafka:\n    defaults:\n      topic:\n        replication-factor: 3\n"
_RF1 = "kestra:\n  kafka:\n    defaults:\n      topic:\n        replication-factor: 1\n"

RULES: tuple[Rule, ...] = (
    Rule(
        id="replication-factor-exceeds-brokers",
        family="replication",
        level="error",
        summary="A replication factor above the broker count makes topic creation fail and Kestra stop",
        why="Kafka cannot place more replicas than there are brokers and refuses to create the topic "
        "(InvalidReplicationFactorException); a topic creation failure stops Kestra at start-up, and a Streams "
        "replication.factor above the count stops the executor. Error; checked only when the broker count is "
        "declared (cluster.brokers or --brokers).",
        check=_rf_exceeds,
        failing=example(_RF3, brokers=1),
        passing=example(_RF3, brokers=3),
    ),
    Rule(
        id="replication-factor-below-brokers",
        family="replication",
        level="warning",
        summary="A replication factor below the broker count gives up redundancy (the doc: match the broker count)",
        why="Each partition keeps fewer copies than there are brokers: with replication factor 1 one broker down "
        "makes partitions unavailable and a lost disk loses their data. Warning: nothing fails, but Kestra's "
        "documentation recommends matching the broker count, and Kestra never changes the factor of an existing "
        "topic (raising it later takes kafka-reassign-partitions).",
        check=_rf_below,
        failing=example(_RF1, brokers=3),
        passing=example(_RF3, brokers=3),
    ),
    Rule(
        id="streams-replication-factor-mismatch",
        family="replication",
        level="warning",
        summary="Streams' replication.factor differs from the topic default replication factor",
        why="Kafka Streams creates the executor's changelog and repartition topics with its own replication.factor, "
        "so a value different from the topic default leaves that state with less (or different) redundancy than "
        "Kestra's topics; Kestra's default reference keeps them equal. Warning. When one side is -1 (the "
        "brokers' default.replication.factor) and that broker setting is not declared under "
        "cluster.broker-defaults, whether they differ is unknown: an info naming it.",
        check=_streams_mismatch,
        failing=example(_RF3 + "      stream:\n        properties:\n          replication.factor: 1\n", brokers=3),
        passing=example(_RF3, brokers=3),
    ),
    Rule(
        id="min-insync-replicas-not-below-replication-factor",
        family="replication",
        level="error",
        summary="min.insync.replicas above the replication factor (error) or equal to it (warning)",
        why="Kafka does not check min.insync.replicas against the replication factor when the topic is created; "
        "writes with acks=all, which Kestra's producers and Streams use, then fail with "
        "NotEnoughReplicasException. Above the factor they always fail: Kestra cannot write anything (error). "
        "Equal to it they fail whenever one replica is offline, a rolling restart included: nothing is lost, "
        "but Kestra stalls until the broker is back (warning).",
        check=_min_insync,
        failing=example(_RF3 + "        properties:\n          min.insync.replicas: 4\n", brokers=3),
        passing=example(_RF3 + "        properties:\n          min.insync.replicas: 2\n", brokers=3),
    ),
    Rule(
        id="exactly-once-few-brokers",
        family="replication",
        level="warning",
        summary="Exactly-once needs the transaction state log, replicated 3 times unless the broker says otherwise",
        why="Exactly-once Streams and transactional producers need the broker's transaction state log, whose "
        "replication factor defaults to 3; when the declared transaction.state.log.replication.factor exceeds "
        "the broker count the log cannot be created, transactions time out and Kestra's executor hangs "
        "(warning). Without that broker setting declared, kkc assumes a small cluster lowered it and reports "
        "only an info.",
        check=_exactly_once,
        failing=example("cluster:\n  broker-defaults:\n    transaction.state.log.replication.factor: 3\n", brokers=2),
        passing=example(_RF3, brokers=3),
    ),
    Rule(
        id="brokers-not-declared",
        family="replication",
        level="info",
        summary="Without a broker count the replication checks are skipped; says which",
        why="Without cluster.brokers or --brokers, kkc skips the checks that need a broker count "
        "(replication-factor-exceeds-brokers, replication-factor-below-brokers, exactly-once-few-brokers) rather "
        "than assume one, and says how many brokers the config needs. Info: whether anything is wrong depends on "
        "a fact that was not declared.",
        check=_brokers_not_declared,
        failing=example(_RF3),
        passing=example(_RF3, brokers=3),
    ),
)
