"""Cross-field rules of topics: configs the broker rejects together (compaction lags, tiered storage), or
rejects because of a broker setting (tiered storage switched off on the brokers)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from compiler.keys import BROKER_DEFAULTS, BUNDLED_NAME, KAFKA_PATH, Path_
from compiler.records import record
from compiler.rules.base import (
    Context,
    Finding,
    Rule,
    example,
    join_words,
    props_layer,
)
from compiler.rules.cross_field.common import (
    FAMILY,
    LONG_MAX,
    broker_setting,
)
from compiler.values import as_text, parse_bool, parse_int


@record
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
        value, _, broker_path = broker_setting(ctx, broker_key, default)
        return _TopicValue(value, broker_path)
    return _TopicValue(default, None)


def _blame(ctx: Context, *values: _TopicValue) -> Path_ | None:
    """Where the user should look: a Kestra key they wrote, else a broker default they declared, else Kestra's."""

    def rank(path: Path_) -> int:
        origin = ctx.origin(path)
        if origin is None or origin.file == BUNDLED_NAME:
            return 2
        return 1 if path[: len(BROKER_DEFAULTS)] == BROKER_DEFAULTS else 0

    paths = [v.path for v in values if v.path is not None]
    return min(paths, key=rank) if paths else None


def _grouped(ctx: Context, items: Iterable[tuple[Path_, str, str]], level: str | None = None) -> Iterator[Finding]:
    """(path, topic key, text with {topics}) -> one finding per path and text, naming every topic."""
    groups: dict[tuple[Path_, str], list[str]] = {}
    for path, topic, text in items:
        groups.setdefault((path, text), []).append(topic)
    for (path, text), topics in groups.items():
        label = ("topic " if len(topics) == 1 else "topics ") + join_words(topics)
        yield Finding(path, text.replace("{topics}", label), level=level, origin=ctx.origin(path))


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


REMOTE_LOG_SYSTEM = "remote.log.storage.system.enable"


def _remote_storage_disabled(ctx: Context) -> Iterator[Finding]:
    declared = ctx.broker_value(REMOTE_LOG_SYSTEM)
    if declared is not None and parse_bool(declared[0]) is True:
        return
    items = []
    for plan in ctx.compiled.topics:
        enabled = _remote_storage(ctx, plan.key)
        if enabled is None or enabled.path is None:
            continue
        if declared is None:
            text = (
                "remote.storage.enable=true on {topics}: the brokers must run with "
                f"{REMOTE_LOG_SYSTEM}=true, else they reject the config ('Tiered Storage functionality is disabled "
                "in the broker') and Kestra cannot create or update the topic; Kafka's default is false and the "
                f"brokers' setting is not declared: declare cluster.broker-defaults.{REMOTE_LOG_SYSTEM} to have it "
                "checked"
            )
        else:
            text = (
                "Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log "
                f"storage: remote.storage.enable=true on {{topics}} while cluster.broker-defaults sets "
                f"{REMOTE_LOG_SYSTEM}={as_text(declared[0])}, so the broker rejects the config and Kestra cannot "
                "create or update the topic. Enable tiered storage on the brokers "
                f"({REMOTE_LOG_SYSTEM}=true, declared under cluster.broker-defaults) or remove remote.storage.enable."
            )
        items.append((enabled.path, plan.key, text))
    yield from _grouped(ctx, items, level="info" if declared is None else None)


def _local_retention(ctx: Context) -> Iterator[Finding]:
    items, undeclared = [], []
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
            if unit == "ms" and plan.retention_source == "kafka-default":
                # the topic's retention is the brokers' log.retention.*, which is not declared
                what = "is -1, which needs an unlimited retention" if local.value == -1 else f"is above {total}"
                text = (
                    f"local.retention.ms {local.value} on {{topics}} (remote.storage.enable=true) {what}; the topic's "
                    f"retention is the brokers' log.retention.*, {total} ms by Kafka's default: whether the broker "
                    f"rejects the config ({reason}) depends on it, and it is not declared; declare "
                    "cluster.broker-defaults.log.retention.hours to have it checked, or set retention.ms on the topic"
                )
                undeclared.append((local.path, plan.key, text))
                continue
            text = (
                f"Invalid value {local.value} for configuration local.retention.{unit}: {reason} ({{topics}}, "
                "remote.storage.enable=true): the broker rejects the config, so Kestra cannot create or update the "
                f"topic. Keep local.retention.{unit} at or below retention.{unit} (-2 means the same)."
            )
            items.append((local.path, plan.key, text))
    yield from _grouped(ctx, items)
    yield from _grouped(ctx, undeclared, level="info")


RULES: tuple[Rule, ...] = (
    Rule(
        id="min-compaction-lag-above-max",
        family=FAMILY,
        level="error",
        summary="A topic whose min.compaction.lag.ms exceeds max.compaction.lag.ms is rejected by the broker",
        why="The broker rejects a topic config whose min.compaction.lag.ms exceeds max.compaction.lag.ms "
        "(InvalidConfigurationException), so Kestra cannot create or update the topic; Kestra's own defaults set "
        "min.compaction.lag.ms to one day on most topics, so a smaller max.compaction.lag.ms in the topic "
        "defaults hits them. Error.",
        check=_compaction_lag,
        failing=example(props_layer("defaults.topic", 'max.compaction.lag.ms: "3600000"')),
        passing=example(props_layer("defaults.topic", 'max.compaction.lag.ms: "604800000"')),
    ),
    Rule(
        id="remote-storage-on-compacted-topic",
        family=FAMILY,
        level="error",
        summary="Tiered storage (remote.storage.enable=true) on a compacted topic is rejected by the broker",
        why="The broker supports tiered storage (remote.storage.enable=true) only for cleanup.policy=delete and "
        "rejects it on a compacted topic, so Kestra cannot create or update that topic; all of Kestra's topics "
        "but logentry are compacted. Error.",
        check=_remote_storage_compacted,
        failing=example(props_layer("defaults.topic", "remote.storage.enable: true")),
        passing=example(props_layer("topics.logentry", "remote.storage.enable: true")),
    ),
    Rule(
        id="remote-storage-disabled-on-broker",
        family=FAMILY,
        level="error",
        summary="remote.storage.enable=true while the brokers keep tiered storage off (Kafka's default) is rejected",
        why="A topic can use tiered storage only when its brokers run with remote.log.storage.system.enable=true; "
        "otherwise the broker rejects remote.storage.enable=true ('Tiered Storage functionality is disabled in "
        "the broker'), so Kestra cannot create or update the topic. Error when cluster.broker-defaults declares "
        "the broker setting off; with it not declared (Kafka's default is false), an info naming it: kkc "
        "cannot see the brokers' settings.",
        check=_remote_storage_disabled,
        failing=example(
            "cluster:\n  broker-defaults:\n    remote.log.storage.system.enable: false\n"
            + props_layer("topics.logentry", "remote.storage.enable: true")
        ),
        passing=example(
            "cluster:\n  broker-defaults:\n    remote.log.storage.system.enable: true\n"
            + props_layer("topics.logentry", "remote.storage.enable: true")
        ),
    ),
    Rule(
        id="local-retention-exceeds-retention",
        family=FAMILY,
        level="error",
        summary="With tiered storage, local.retention.* above retention.* (or -1 with a finite retention) is rejected",
        why="With remote.storage.enable=true the broker rejects local.retention.ms/bytes above retention.ms/bytes, "
        "or -1 while the retention is finite ('Invalid value ... for configuration local.retention.ms'), so "
        "Kestra cannot create or update the topic. Error; when the topic has no retention.ms of its own and the "
        "brokers' log.retention.* is not declared under cluster.broker-defaults, the verdict depends on it: an "
        "info naming it.",
        check=_local_retention,
        failing=example(
            props_layer(
                "topics.logentry",
                'remote.storage.enable: true\nretention.ms: "86400000"\nlocal.retention.ms: "172800000"',
            )
        ),
        passing=example(
            props_layer(
                "topics.logentry",
                'remote.storage.enable: true\nretention.ms: "86400000"\nlocal.retention.ms: "3600000"',
            )
        ),
    ),
)
