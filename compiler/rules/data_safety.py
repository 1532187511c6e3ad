"""Rules: the referential topics must keep every record.

flow, flowlast, template, trigger and execution hold Kestra's referential data; Kestra creates them
compacted, the first four with retention.ms=-1 (kestra-facts.md). A `delete` cleanup policy with a
finite retention on them is an error: Kafka deletes flows, triggers and executions. A `delete` policy
with unlimited (or run-time) retention, and a finite retention on a compact-only topic, delete nothing
yet: a warning that says what the setting does and does not limit (the doc page suggests a retention
to expire executions; Kafka ignores it under `compact`), one change away from data loss.
"""

from __future__ import annotations

from collections.abc import Iterator

from compiler.derive import TopicPlan
from compiler.keys import KAFKA_PATH, Path_
from compiler.rules.base import Context, Finding, Rule, example
from compiler.values import parse_int

REFERENTIAL = ("flow", "flowlast", "template", "trigger", "execution")
_WHAT = {
    "flow": "flows",
    "flowlast": "flows",
    "template": "templates",
    "trigger": "triggers",
    "execution": "executions",
}


def _source(ctx: Context, key: str, prop: str) -> Path_:
    """The key that set a topic property: the topic's own, else the topic defaults'."""
    own = (*KAFKA_PATH, "topics", key, "properties", prop)
    return own if ctx.get(own) is not None else (*KAFKA_PATH, "defaults", "topic", "properties", prop)


def _finite(plan: TopicPlan, prop: str) -> int | None:
    """An explicit finite retention (ms or bytes); None when unlimited, unset or known only at run time."""
    raw = plan.properties.get(prop)
    value = parse_int(raw) if raw is not None else None
    return None if value is None or value == -1 else value


_SOURCES = {
    "explicit (topic)": "set on the topic",
    "explicit (topic defaults)": "from kestra.kafka.defaults.topic.properties",
    "kafka-default": "Kafka's default broker retention",
}


def _describe(plan: TopicPlan) -> str:
    inner = plan.retention_source.removeprefix("broker-default (").rstrip(")")
    source = _SOURCES.get(plan.retention_source, f"the broker's {inner} from cluster.broker-defaults")
    if isinstance(plan.retention_ms, int) and plan.retention_ms >= 86_400_000:
        days = plan.retention_ms / 86_400_000
        return f"retention.ms {plan.retention_ms} ({days:g} day{'' if days == 1 else 's'}, {source})"
    return f"retention.ms {plan.retention_ms} ({source})"


def _findings(ctx: Context, plan: TopicPlan) -> Iterator[tuple[Path_, str, str]]:
    """(key to change, level, problem) for one referential topic."""
    policy = {p.strip() for p in plan.properties.get("cleanup.policy", "delete").split(",") if p.strip()}
    finite_bytes = _finite(plan, "retention.bytes")
    if "delete" in policy:
        policy_path = _source(ctx, plan.key, "cleanup.policy")
        if isinstance(plan.retention_ms, str) and finite_bytes is None:
            yield (
                policy_path,
                "warning",
                f"cleanup.policy '{plan.properties.get('cleanup.policy', 'delete')}' with retention.ms "
                f"'{plan.retention_ms}', known only at run time: any finite value loses {{what}}",
            )
        elif plan.deletes_old_records and finite_bytes is None and plan.retention_source == "kafka-default":
            # The retention is the brokers' log.retention.*, not declared: records go unless it is unlimited.
            yield (
                policy_path,
                "warning",
                f"cleanup.policy '{plan.properties.get('cleanup.policy', 'delete')}' with no retention of its own: "
                "the brokers' log.retention.* decides what Kafka deletes, and it is not declared; with Kafka's "
                "default (7 days) or any finite retention, Kestra loses {what}; declare "
                "cluster.broker-defaults.log.retention.hours to have it checked",
            )
        elif plan.deletes_old_records or finite_bytes is not None:
            known = plan.deletes_old_records and plan.retention_source != "kafka-default"
            cause = _describe(plan) if known else f"retention.bytes {finite_bytes}"
            yield (
                policy_path,
                "error",
                f"cleanup.policy '{plan.properties.get('cleanup.policy', 'delete')}' with {cause}: Kafka deletes "
                "old records, and Kestra loses {what}",
            )
        else:
            yield (
                policy_path,
                "warning",
                f"cleanup.policy '{plan.properties.get('cleanup.policy', 'delete')}': nothing is deleted only "
                "because the retention is unlimited; any finite retention.ms or retention.bytes (or the "
                "broker's default) then loses {what}",
            )
        return
    for prop in ("retention.ms", "retention.bytes"):
        value = _finite(plan, prop)
        if value is not None:
            yield (
                _source(ctx, plan.key, prop),
                "warning",
                f"{prop} {value} does not limit {{topics}}: Kafka applies retention only under cleanup.policy "
                f"'delete', and the policy is '{','.join(sorted(policy))}', so {{what}} are kept forever; if "
                "'delete' is ever added to the policy, Kestra loses {what} older than that",
            )


def _referential_retention(ctx: Context) -> Iterator[Finding]:
    groups: dict[tuple[Path_, str, str], list[str]] = {}
    for plan in ctx.compiled.topics:
        if plan.key in REFERENTIAL:
            for path, level, problem in _findings(ctx, plan):
                groups.setdefault((path, level, problem), []).append(plan.key)
    for (path, level, problem), keys in groups.items():
        topics = f"topic '{keys[0]}'" if len(keys) == 1 else "topics " + ", ".join(f"'{k}'" for k in keys)
        what = " and ".join(dict.fromkeys(_WHAT[k] for k in keys))
        if "{topics}" in problem:  # a retention the compacted topic ignores: say what it does limit
            text = problem.replace("{topics}", topics).replace("{what}", what) + _limited_elsewhere(ctx, path)
            yield Finding(
                path,
                f"{text}; to keep Kestra's referential data safe, leave retention unset or -1 on flow, "
                "flowlast, template, trigger and execution",
                level=level,
            )
            continue
        yield Finding(
            path,
            f"{problem.replace('{what}', what)} ({topics}: referential data Kestra must keep forever); keep "
            "Kestra's cleanup.policy 'compact' and retention.ms -1 on flow, flowlast, template, trigger and "
            "execution: remove this setting",
            level=level,
        )


def _limited_elsewhere(ctx: Context, path: Path_) -> str:
    """For a retention in the topic defaults: the topics with a delete policy whose records it does expire."""
    if path[:-2] != (*KAFKA_PATH, "defaults", "topic"):
        return ""
    prop = str(path[-1])
    limited = [
        plan.key
        for plan in ctx.compiled.topics
        if "delete" in plan.properties.get("cleanup.policy", "delete")
        and plan.properties.get(prop) is not None
        and ctx.get((*KAFKA_PATH, "topics", plan.key, "properties", prop)) is None
    ]
    if not limited:
        return ""
    plural = "" if len(limited) == 1 else "s"
    return f" (it does limit {len(limited)} topic{plural} with a delete policy: {', '.join(limited)})"


_TOPIC = "kestra:\n  kafka:\n    topics:\n      {0}:\n        properties:\n          {1}: {2}\n"

RULES: tuple[Rule, ...] = (
    Rule(
        id="referential-topic-retention",
        family="data-safety",
        level="error",
        summary="A delete cleanup policy or finite retention on flow, flowlast, template, trigger or execution",
        why="flow, flowlast, template, trigger and execution hold Kestra's referential data; with a delete cleanup "
        "policy and a finite retention (the topic's, or the brokers' declared under cluster.broker-defaults) "
        "Kafka deletes old records and Kestra loses flows, triggers or executions: error. A delete policy whose "
        "retention is the brokers' log.retention.*, not declared, is a warning naming it: data is lost unless "
        "the brokers keep records forever. When nothing is deleted yet, a warning that says what the setting "
        "does and does not limit: a finite retention on a compact-only topic (Kafka ignores it, so the doc "
        "page's retention on execution expires nothing), or delete with unlimited or run-time retention; either "
        "is one change away from losing data.",
        check=_referential_retention,
        failing=example(
            "cluster:\n  broker-defaults:\n    log.retention.hours: 168\n"
            + _TOPIC.format("trigger", "cleanup.policy", "compact,delete")
        ),
        passing=example(_TOPIC.format("logentry", "retention.ms", '"86400000"')),
    ),
)
