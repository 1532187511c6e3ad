"""Rules: message sizes along the way from Kestra to the broker.

Kestra's message protection stores a message above `soft-limit` in internal storage and refuses one
above `hard-limit` (the doc page); what is left goes to Kafka, where the producer refuses a record
above its `max.request.size` and the broker one above the topic's `max.message.bytes` (else the
broker's `message.max.bytes`, Kafka's default 1048588). Both end in RecordTooLargeException.
"""

from __future__ import annotations

from collections.abc import Iterator

from compiler.keys import KAFKA_PATH, Path_, dotted
from compiler.rules.base import Context, Finding, Rule, describe_topics, example
from compiler.values import parse_int

PROTECTION: Path_ = (*KAFKA_PATH, "message-protection")
SOFT: Path_ = (*PROTECTION, "soft-limit")
HARD: Path_ = (*PROTECTION, "hard-limit")
KAFKA_MAX_REQUEST_SIZE = 1_048_576
KAFKA_MAX_MESSAGE_BYTES = 1_048_588
_CLIENTS = {"producer": "the producer's", "streams": "Kafka Streams'"}


def _limit(ctx: Context, path: Path_) -> int | None:
    value = ctx.get(path)
    return None if value is None else parse_int(value)


def _max_request_sizes(ctx: Context) -> dict[str, int]:
    """Each writing client's max.request.size (Kafka's default when unset); run-time values left out."""
    sizes = {}
    for role in _CLIENTS:
        raw = ctx.compiled.clients.get(role, {}).get("max.request.size")
        value = KAFKA_MAX_REQUEST_SIZE if raw is None else parse_int(raw)
        if value is not None:
            sizes[role] = value
    return sizes


def _where(ctx: Context, role: str) -> str:
    path, _ = ctx.client_origin(role, "max.request.size")
    return ctx.where_set(path) if ctx.get(path) is not None else "Kafka's default"


def _soft_above_hard(ctx: Context) -> Iterator[Finding]:
    soft, hard = _limit(ctx, SOFT), _limit(ctx, HARD)
    if soft is None or hard is None or soft <= hard:
        return
    yield Finding(
        SOFT,
        f"message-protection soft-limit {soft} is above hard-limit {hard}: a message over {hard} bytes is "
        "refused (its execution fails) before it could be stored in internal storage, so the soft limit never "
        "applies; set soft-limit below hard-limit (the doc page: soft-limit 1048576, hard-limit 10485760)",
    )


def _protection_above_max_request(ctx: Context) -> Iterator[Finding]:
    soft, hard = _limit(ctx, SOFT), _limit(ctx, HARD)
    # The largest message Kestra hands to Kafka: above soft-limit it goes to internal storage instead.
    if soft is not None:
        path, largest, key = SOFT, soft, "soft-limit"
    elif hard is not None:
        path, largest, key = HARD, hard, "hard-limit"
    else:
        return
    too_small = {role: size for role, size in _max_request_sizes(ctx).items() if size < largest}
    if not too_small:
        return
    smallest = min(too_small.values())
    clients = ", ".join(f"{_CLIENTS[r]} max.request.size {s} ({_where(ctx, r)})" for r, s in too_small.items())
    note = "" if key == "soft-limit" else " (no soft-limit is set)"
    yield Finding(
        path,
        f"message-protection {key} {largest}{note} "
        f"lets messages up to {largest} bytes reach Kafka, above {clients}: such a message passes the "
        "protection and the producer refuses it (RecordTooLargeException), the crash the protection exists "
        f"to prevent; set {key} to at most {smallest}, or raise max.request.size",
    )


def _max_message_bytes(ctx: Context, key: str, properties: dict[str, str]) -> tuple[int | None, Path_ | None, str]:
    """A topic's size limit, the key that set it (None: nothing declares it, Kafka's default), and a description."""
    if "max.message.bytes" in properties:
        own = (*KAFKA_PATH, "topics", key, "properties", "max.message.bytes")
        path = (
            own if ctx.get(own) is not None else (*KAFKA_PATH, "defaults", "topic", "properties", "max.message.bytes")
        )
        return parse_int(properties["max.message.bytes"]), path, "the max.message.bytes {limit}"
    declared = ctx.broker_default("message.max.bytes")
    if declared is not None:
        return declared[0], declared[1], "the broker's message.max.bytes {limit}"
    return KAFKA_MAX_MESSAGE_BYTES, None, ""


def _max_request_above_topic(ctx: Context) -> Iterator[Finding]:
    sizes = _max_request_sizes(ctx)
    if not sizes:
        return
    groups: dict[tuple[int, Path_ | None, str], list[str]] = {}
    for plan in ctx.known_plans():
        limit, path, what = _max_message_bytes(ctx, plan.key, plan.properties)
        if limit is not None:
            groups.setdefault((limit, path, what), []).append(plan.key)
    every = [p.key for p in ctx.known_plans()]
    for (limit, path, what), keys in groups.items():
        above = {role: size for role, size in sizes.items() if size > limit}
        if not above:
            continue
        largest_role = max(above, key=lambda r: above[r])
        clients = " and ".join(f"{_CLIENTS[r]} max.request.size {s} ({_where(ctx, r)})" for r, s in above.items())
        verb = "is" if len(above) == 1 else "are"
        where = path or ctx.client_origin(largest_role, "max.request.size")[0]
        needed = above[largest_role]
        topics = describe_topics(keys, every)
        if path is None:
            # No topic value, no broker value declared: the limit is the brokers' message.max.bytes, unknown here.
            yield Finding(
                where,
                f"{clients} {verb} above {limit}, Kafka's default message.max.bytes and the limit of {topics} "
                "unless the brokers set another: whether the brokers reject bigger records (RecordTooLargeException; "
                "Kestra's executor or worker then fails) depends on their message.max.bytes, which is not declared; "
                "declare cluster.broker-defaults.message.max.bytes to have it checked, or set "
                f'max.message.bytes: "{needed}" under kestra.kafka.defaults.topic.properties',
                level="info",
            )
            continue
        if path[:2] == KAFKA_PATH:
            fix = f'set {dotted(path[:-1])}[max.message.bytes] to "{needed}"'
        else:
            fix = f'set max.message.bytes: "{needed}" under kestra.kafka.defaults.topic.properties'
        yield Finding(
            where,
            f"{clients} {verb} above {what.format(limit=limit)} of {topics}: the broker "
            "rejects a record bigger than the topic accepts (RecordTooLargeException) and Kestra's executor or "
            f"worker fails on it; {fix} (Kestra re-applies topic properties at startup) or lower max.request.size",
        )


def _single_limit(ctx: Context) -> Iterator[Finding]:
    protection = ctx.get(PROTECTION)
    if not isinstance(protection, dict) or "limit" not in protection:
        return
    limit = protection.get("limit")
    yield Finding(
        (*PROTECTION, "limit"),
        "message-protection.limit comes from conflicting documentation: the newest Enterprise page shows a single "
        "'limit' (like the 2.0 queue's generic kestra.queue.message-protection.limit), while the Kafka "
        f"documentation binds soft-limit and hard-limit; Kestra {ctx.kestra.text}'s Kafka queue may ignore it. "
        f"Write soft-limit (a bigger message goes to internal storage) or hard-limit (a bigger one is refused)"
        + (f"; did you mean 'hard-limit: {limit}'?" if limit is not None else ""),
    )


def _not_enabled(ctx: Context) -> Iterator[Finding]:
    protection = ctx.get(PROTECTION)
    if not isinstance(protection, dict) or "enabled" in protection:
        return
    limits = [key for key in ("soft-limit", "hard-limit") if protection.get(key) is not None]
    if not limits:
        return
    yield Finding(
        (*PROTECTION, limits[0]),
        f"message-protection sets {' and '.join(limits)} without 'enabled': the doc page's example has no "
        "'enabled', but Kestra's maintainers state the protection is off unless enabled: true "
        "(kestra-io/docs#1685); add 'enabled: true' to be sure it applies",
    )


_PROTECT = "kestra:\n  kafka:\n    message-protection:\n"

RULES: tuple[Rule, ...] = (
    Rule(
        id="message-protection-soft-above-hard",
        family="message-size",
        level="error",
        summary="message-protection soft-limit above hard-limit: the soft limit never applies",
        why="Kestra refuses a message above hard-limit (its execution fails) before it would store one above "
        "soft-limit in internal storage, so with soft-limit above hard-limit no message is ever stored and the "
        "soft limit never applies. Error as kkc levels it: the protection is configured to do something it never "
        "does.",
        check=_soft_above_hard,
        failing=example(_PROTECT + "      soft-limit: 10485760\n      hard-limit: 1048576\n"),
        passing=example(_PROTECT + "      soft-limit: 1048576\n      hard-limit: 10485760\n"),
    ),
    Rule(
        id="message-protection-above-max-request-size",
        family="message-size",
        level="warning",
        summary="message-protection lets messages through that the producer's max.request.size refuses",
        why="Message protection lets messages up to its largest limit reach Kafka, but the producer refuses a record "
        "above its max.request.size (RecordTooLargeException), which is the executor crash the protection exists "
        "to prevent. Warning: only messages between the two sizes fail.",
        check=_protection_above_max_request,
        failing=example(_PROTECT + "      hard-limit: 20971520\n"),
        passing=example(_PROTECT + "      soft-limit: 1048576\n      hard-limit: 20971520\n"),
    ),
    Rule(
        id="max-request-size-above-max-message-bytes",
        family="message-size",
        level="warning",
        summary="The producer's max.request.size is above the topics' max.message.bytes (RecordTooLargeException)",
        why="Kestra's producers and Streams may send records up to max.request.size (10485760 by Kestra's default) "
        "but the broker rejects a record above the topic's max.message.bytes with RecordTooLargeException, and "
        "Kestra's executor or worker fails on it. Warning when the limit is known: a max.message.bytes the config "
        "gives the topics, or the brokers' message.max.bytes declared under cluster.broker-defaults; only "
        "messages between the two sizes fail. With neither, a topic's limit is the brokers' message.max.bytes, "
        "which kkc cannot see (Kafka's default is 1048588; the Kestra doc page says its topics take 10 MiB): an "
        "info naming the fact to declare, cluster.broker-defaults.message.max.bytes.",
        check=_max_request_above_topic,
        failing=example("cluster:\n  broker-defaults:\n    message.max.bytes: 1048588\n"),
        passing=example(
            "kestra:\n  kafka:\n    defaults:\n      topic:\n        properties:\n"
            '          max.message.bytes: "10485760"\n'
        ),
    ),
    Rule(
        id="message-protection-single-limit",
        family="message-size",
        level="warning",
        summary="message-protection.limit: conflicting documentation; the Kafka queue binds soft-limit/hard-limit",
        why="The Kafka documentation configures message protection with soft-limit and hard-limit (and enabled); the "
        "newest Enterprise page shows a single 'limit' instead, like the 2.0 queue's generic "
        "kestra.queue.message-protection.limit. The documentation conflicts, and a Kafka queue that ignores "
        "'limit' leaves oversized messages unprotected (they can crash the executor). Warning.",
        check=_single_limit,
        failing=example(_PROTECT + "      enabled: true\n      limit: 1048576\n"),
        passing=example(_PROTECT + "      enabled: true\n      soft-limit: 1048576\n"),
    ),
    Rule(
        id="message-protection-not-enabled",
        family="message-size",
        level="info",
        summary="message-protection limits without enabled: true (the documentation disagrees on whether it is needed)",
        why="The doc page's example sets only soft-limit and hard-limit, while Kestra's maintainers state that "
        "message protection is off unless message-protection.enabled is true (kestra-io/docs#1685). Info: "
        "which is right depends on the Kestra release, a fact kkc cannot check; enabled: true is safe for both.",
        check=_not_enabled,
        failing=example(_PROTECT + "      soft-limit: 1048576\n"),
        passing=example(_PROTECT + "      enabled: true\n      soft-limit: 1048576\n"),
    ),
)
