"""Rules: the team's own requirements, declared under a tool-owned `policy:` mapping in any layer.

    policy:
      min-replication-factor: 3     # every topic's replication factor
      min-insync-replicas: 2        # every topic's min.insync.replicas (topic, else broker default)
      max-partitions: 64            # every topic's partitions
      require-encryption: true      # security.protocol SSL or SASL_SSL
      forbid-loggers: true          # no kestra.kafka.client.loggers (a huge performance cost)
      forbid-literal-secrets: true  # secrets only as run-time placeholders

A violation is an error naming the policy, the layer that declared it and the value that breaks it.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from typing import Any

from compiler.keys import CLIENT_PROPERTIES, KAFKA_PATH, Path_
from compiler.rules.base import Context, Finding, Rule, describe_topics, example
from compiler.secrets import is_literal_secret
from compiler.values import as_text, parse_int

POLICIES: dict[str, str] = {
    "min-replication-factor": "a whole number",
    "min-insync-replicas": "a whole number",
    "max-partitions": "a whole number",
    "require-encryption": "true or false",
    "forbid-loggers": "true or false",
    "forbid-literal-secrets": "true or false",
}


def _declared(ctx: Context, name: str) -> tuple[Any, str] | None:
    policy = ctx.get(("policy",))
    if not isinstance(policy, dict) or name not in policy:
        return None
    origin = ctx.origin(("policy", name))
    return policy[name], f"policy {name}: {as_text(policy[name])} (declared at {origin})"


def _topic_field(ctx: Context, topic: str, field: str) -> Path_:
    own: Path_ = (*KAFKA_PATH, "topics", topic, field)
    if ctx.get(own) is not None:
        return own
    return (*KAFKA_PATH, "defaults", "topic", field)


def _per_topic(field: str, policy: str, broken: Callable[[int, int], bool], wording: str) -> Any:
    def check(ctx: Context) -> Iterator[Finding]:
        declared = _declared(ctx, policy)
        if declared is None or parse_int(declared[0]) is None:
            return
        limit, said = parse_int(declared[0]), declared[1]
        reported: set[Path_] = set()
        for topic in ctx.compiled.topics:
            value = parse_int(topic.partitions if field == "partitions" else topic.replication_factor)
            if value is None or value < 0 or not broken(value, limit or 0):
                continue
            path = _topic_field(ctx, topic.key, field)
            if path in reported:
                continue
            reported.add(path)
            scope = "the topic defaults" if path[3] == "defaults" else f"topic {topic.key}"
            yield Finding(
                path, f"{said}: {scope} set {field} {value}, {wording} {limit}", cause=ctx.origin(("policy", policy))
            )

    return check


def _min_insync(ctx: Context) -> Iterator[Finding]:
    declared = _declared(ctx, "min-insync-replicas")
    if declared is None or parse_int(declared[0]) is None:
        return
    limit, said = parse_int(declared[0]) or 0, declared[1]
    broker = parse_int((ctx.cluster.get("broker-defaults") or {}).get("min.insync.replicas"))
    reported: set[Path_] = set()
    undeclared: list[str] = []  # topics that take the brokers' min.insync.replicas, which is not declared
    for topic in ctx.compiled.topics:
        value = parse_int(topic.properties.get("min.insync.replicas"))
        where: Path_
        if value is None and broker is None:
            undeclared.append(topic.key)
            continue
        if value is None:
            value = broker or 0
            where = ("cluster", "broker-defaults", "min.insync.replicas")
        else:
            own: Path_ = (*KAFKA_PATH, "topics", topic.key, "properties", "min.insync.replicas")
            where = (
                own
                if ctx.get(own) is not None
                else (*KAFKA_PATH, "defaults", "topic", "properties", "min.insync.replicas")
            )
        if value >= limit or where in reported:
            continue
        reported.add(where)
        yield Finding(
            where,
            f"{said}: topic {topic.key} gets min.insync.replicas {value}, below {limit}",
            cause=ctx.origin(("policy", "min-insync-replicas")),
        )
    if undeclared and limit > 1:
        topics = describe_topics(undeclared, [t.key for t in ctx.compiled.topics])
        verb, they = ("sets", "it gets") if len(undeclared) == 1 else ("set", "they get")
        yield Finding(
            ("policy", "min-insync-replicas"),
            f"{said}: {topics} {verb} no min.insync.replicas, so {they} the brokers' min.insync.replicas, which is "
            f"not declared (Kafka's default 1 is below {limit}); declare cluster.broker-defaults.min.insync.replicas "
            "to have it checked, or set min.insync.replicas under kestra.kafka.defaults.topic.properties",
            level="info",
        )


def _encryption(ctx: Context) -> Iterator[Finding]:
    declared = _declared(ctx, "require-encryption")
    if declared is None or declared[0] is not True:
        return
    protocol = ctx.compiled.clients.get("admin", {}).get("security.protocol", "PLAINTEXT")
    if protocol.upper() not in ("SSL", "SASL_SSL"):
        path = (*CLIENT_PROPERTIES, "security.protocol")
        target = path if ctx.get(path) is not None else ("policy", "require-encryption")
        yield Finding(target, f"{declared[1]}: security.protocol is {protocol}; use SSL or SASL_SSL")


def _loggers(ctx: Context) -> Iterator[Finding]:
    declared = _declared(ctx, "forbid-loggers")
    loggers = ctx.get((*KAFKA_PATH, "client", "loggers"))
    if declared is not None and declared[0] is True and loggers:
        yield Finding(
            (*KAFKA_PATH, "client", "loggers"),
            f"{declared[1]}: kestra.kafka.client.loggers is set (a huge performance cost); remove it",
        )


def _literal_secrets(ctx: Context) -> Iterator[Finding]:
    declared = _declared(ctx, "forbid-literal-secrets")
    if declared is None or declared[0] is not True:
        return
    for props in ctx.property_sets():
        for key, value in props.values.items():
            if is_literal_secret(key, value):
                yield Finding(
                    (*props.path, key),
                    f"{declared[1]}: {key} holds a literal secret (value hidden); "
                    "use a run-time placeholder such as ${KAFKA_PASSWORD}",
                )


def _unknown(ctx: Context) -> Iterator[Finding]:
    policy = ctx.get(("policy",))
    if not isinstance(policy, dict):
        return
    for name, value in policy.items():
        if name not in POLICIES:
            close = difflib.get_close_matches(str(name), list(POLICIES), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f" (known: {', '.join(POLICIES)})"
            yield Finding(("policy", name), f"unknown policy '{name}'{hint}")
        elif not _well_typed(POLICIES[name], value):
            yield Finding(("policy", name), f"policy {name} must be {POLICIES[name]}, not {value!r}")


def _well_typed(kind: str, value: Any) -> bool:
    if kind == "true or false":
        return isinstance(value, bool)
    number = parse_int(value)
    return number is not None and number >= 0


_RF3 = "kestra:\n  kafka:\n    defaults:\n      topic:\n        replication-factor: 3\n"

RULES: tuple[Rule, ...] = (
    Rule(
        id="policy-unknown",
        family="policy",
        level="error",
        summary="A policy kkc does not know, or a policy value of the wrong type",
        why="A policy name kkc does not know (a typo) or a value of the wrong type is not enforced at all, so the "
        "requirement the team meant to declare silently disappears. Error, like every policy finding: the team "
        "declared it, and kkc validate exits 1.",
        check=_unknown,
        failing=example("policy:\n  min-replication-factr: 3\n"),
        passing=example("policy:\n  min-replication-factor: 1\n"),
    ),
    Rule(
        id="policy-min-replication-factor",
        family="policy",
        level="error",
        summary="A topic below the declared minimum replication factor",
        why="A topic gets fewer replicas than the team's declared minimum, so it survives fewer broker failures than "
        "required; Kestra never changes the replication factor of an existing topic, so it must be right at "
        "creation. Error because the team declared the policy; Kafka itself accepts the value.",
        check=_per_topic("replication-factor", "min-replication-factor", lambda v, limit: v < limit, "below"),
        failing=example("policy:\n  min-replication-factor: 3\n", brokers=3),
        passing=example("policy:\n  min-replication-factor: 3\n" + _RF3, brokers=3),
    ),
    Rule(
        id="policy-max-partitions",
        family="policy",
        level="error",
        summary="A topic above the declared maximum partition count",
        why="A topic gets more partitions than the team's declared maximum; Kafka can only increase a topic's "
        "partition count and Kestra never changes it after creation, so an oversized count cannot be undone "
        "without recreating the topic. Error because the team declared the policy.",
        check=_per_topic("partitions", "max-partitions", lambda v, limit: v > limit, "above"),
        failing=example("policy:\n  max-partitions: 8\n"),
        passing=example("policy:\n  max-partitions: 16\n"),
    ),
    Rule(
        id="policy-min-insync-replicas",
        family="policy",
        level="error",
        summary="A topic below the declared minimum min.insync.replicas",
        why="A topic's min.insync.replicas (its own, else the brokers' declared under cluster.broker-defaults) is "
        "below the team's declared minimum, so acks=all writes are acknowledged with fewer copies than required. "
        "Error because the team declared the policy; Kafka accepts the value. A topic that takes the brokers' "
        "value while it is not declared gets an info naming cluster.broker-defaults.min.insync.replicas: kkc "
        "cannot see the brokers' settings (Kafka's default is 1).",
        check=_min_insync,
        failing=example(
            "policy:\n  min-insync-replicas: 2\ncluster:\n  broker-defaults:\n    min.insync.replicas: 1\n" + _RF3,
            brokers=3,
        ),
        passing=example(
            "policy:\n  min-insync-replicas: 2\n" + _RF3 + "        properties:\n          min.insync.replicas: '2'\n",
            brokers=3,
        ),
    ),
    Rule(
        id="policy-require-encryption",
        family="policy",
        level="error",
        summary="Clients that do not encrypt while the policy requires it",
        why="The clients' security.protocol (kestra.kafka.client.properties, as the admin client gets it) is not SSL "
        "or SASL_SSL, so Kestra's traffic to the brokers (flows, executions, their inputs and outputs) is not "
        "encrypted while the team requires it. Error because the team declared the policy.",
        check=_encryption,
        failing=example("policy:\n  require-encryption: true\n"),
        passing=example(
            "policy:\n  require-encryption: true\nkestra:\n  kafka:\n    client:\n      properties:\n"
            "        security.protocol: SSL\n"
        ),
    ),
    Rule(
        id="policy-forbid-loggers",
        family="policy",
        level="error",
        summary="Kafka message loggers while the policy forbids them",
        why="Kafka message loggers are configured although the team forbids them: they cost a lot of performance on "
        "every message and replace the clients' interceptors. Error because the team declared the policy.",
        check=_loggers,
        failing=example(
            "policy:\n  forbid-loggers: true\nkestra:\n  kafka:\n    client:\n      loggers:\n        - level: INFO\n"
        ),
        passing=example("policy:\n  forbid-loggers: true\n"),
    ),
    Rule(
        id="policy-forbid-literal-secrets",
        family="policy",
        level="error",
        summary="A literal secret while the policy forbids them",
        why="A Kafka property that holds a secret is a literal value in the config although the team forbids it, so "
        "the secret sits in the repository and in the compiled files. Error because the team declared the "
        "policy; use a run-time placeholder.",
        check=_literal_secrets,
        failing=example(
            "policy:\n  forbid-literal-secrets: true\nkestra:\n  kafka:\n    client:\n      properties:\n"
            "        ssl.truststore.password: changeit\n"
        ),
        passing=example(
            "policy:\n  forbid-literal-secrets: true\nkestra:\n  kafka:\n    client:\n      properties:\n"
            "        ssl.truststore.password: ${TRUSTSTORE_PASSWORD}\n"
        ),
    ),
)
