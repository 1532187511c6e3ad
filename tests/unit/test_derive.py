"""Stage 5, derive, at its own interface: a resolved tree in, client property sets and topic plan out.

What users see of it: admin/consumer/producer/streams.properties (Kestra's precedence:
client.properties, then the role's defaults; the admin client gets client.properties only;
Streams never sees the consumer or producer defaults) and topics.yaml (name, partitions,
replication factor, properties, retention with its source, and whether old records are deleted).
"""

from __future__ import annotations

from typing import Any

import pytest

from compiler.derive import (
    KAFKA_DEFAULT_RETENTION_MS,
    TopicPlan,
    client_properties,
    property_map,
    topic_plan,
)
from compiler.errors import InputError
from compiler.keys import Path_, role_properties_path
from compiler.layers import bundled_layer
from compiler.merge import Merged, merge_layers
from compiler.normalize import normalize_layer
from compiler.resolve import resolve
from tests.unit.helpers import at, layer

ENV = "conf/env/prod.yaml"


def kafka(**sections: Any) -> dict[str, Any]:
    return {"kestra": {"kafka": sections}}


def clients(tree: dict[str, Any]) -> dict[str, dict[str, str]]:
    return client_properties(tree, Merged(tree=tree))


def plans(tree: dict[str, Any]) -> dict[str, TopicPlan]:
    return {plan.key: plan for plan in topic_plan(tree, Merged(tree=tree))}


def plan_of(tree: dict[str, Any], key: str = "logentry") -> TopicPlan:
    return plans(tree)[key]


# --- client property sets ------------------------------------------------------------------------

PRECEDENCE_TREE = kafka(
    client={"properties": {"bootstrap.servers": "b1:9092", "acks": "1", "client.rack": "eu-1a"}},
    defaults={
        "consumer": {"properties": {"isolation.level": "read_committed", "acks": "consumer-acks"}},
        "producer": {"properties": {"acks": "all", "linger.ms": 5}},
        "stream": {"properties": {"processing.guarantee": "exactly_once_v2"}},
    },
)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        pytest.param(
            "admin", {"bootstrap.servers": "b1:9092", "acks": "1", "client.rack": "eu-1a"}, id="admin-client-only"
        ),
        pytest.param(
            "consumer",
            {
                "bootstrap.servers": "b1:9092",
                "acks": "consumer-acks",
                "client.rack": "eu-1a",
                "isolation.level": "read_committed",
            },
            id="consumer-defaults-over-client",
        ),
        pytest.param(
            "producer",
            {"bootstrap.servers": "b1:9092", "acks": "all", "client.rack": "eu-1a", "linger.ms": "5"},
            id="producer-defaults-over-client",
        ),
        pytest.param(
            "streams",
            {
                "bootstrap.servers": "b1:9092",
                "acks": "1",
                "client.rack": "eu-1a",
                "processing.guarantee": "exactly_once_v2",
            },
            id="streams-never-sees-consumer-or-producer-defaults",
        ),
    ],
)
def test_each_client_gets_client_properties_then_its_role_defaults(role: str, expected: dict[str, str]) -> None:
    assert clients(PRECEDENCE_TREE)[role] == expected


def test_there_are_exactly_four_clients() -> None:
    assert list(clients(PRECEDENCE_TREE)) == ["admin", "consumer", "producer", "streams"]


def test_without_any_properties_every_client_is_empty() -> None:
    assert clients(kafka()) == {"admin": {}, "consumer": {}, "producer": {}, "streams": {}}


def test_role_defaults_alone_reach_only_their_role() -> None:
    tree = kafka(defaults={"producer": {"properties": {"linger.ms": "20"}}})

    assert clients(tree) == {"admin": {}, "consumer": {}, "producer": {"linger.ms": "20"}, "streams": {}}


def test_a_client_set_is_its_own_copy() -> None:
    result = clients(kafka(client={"properties": {"acks": "all"}}))

    result["admin"]["acks"] = "0"

    assert result["producer"] == {"acks": "all"}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        pytest.param("admin", ("kestra", "kafka", "client", "properties"), id="admin"),
        pytest.param("consumer", ("kestra", "kafka", "defaults", "consumer", "properties"), id="consumer"),
        pytest.param("producer", ("kestra", "kafka", "defaults", "producer", "properties"), id="producer"),
        pytest.param("streams", ("kestra", "kafka", "defaults", "stream", "properties"), id="streams-reads-stream"),
    ],
)
def test_role_properties_path(role: str, expected: Path_) -> None:
    assert role_properties_path(role) == expected


# --- property values as Kafka reads them ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("all", "all", id="string"),
        pytest.param(500, "500", id="int"),
        pytest.param(-1, "-1", id="negative"),
        pytest.param(True, "true", id="true"),
        pytest.param(False, "false", id="false"),
        pytest.param(None, "", id="null-is-empty"),
        pytest.param(["b1:9092", "b2:9092"], "b1:9092,b2:9092", id="list-joined-with-commas"),
        pytest.param(["compact", "delete"], "compact,delete", id="cleanup-policy-list"),
        pytest.param([1, True], "1,true", id="list-items-as-kafka-reads-them"),
        pytest.param([], "", id="empty-list"),
    ],
)
def test_property_values_are_the_strings_kafka_reads(value: Any, expected: str) -> None:
    tree = kafka(client={"properties": {"x": value}})

    assert property_map(tree, ("kestra", "kafka", "client", "properties"), Merged(tree=tree)) == {"x": expected}


def test_a_nested_map_under_properties_is_read_as_dotted_names() -> None:
    tree = kafka(client={"properties": {"bootstrap": {"servers": "b1:9092"}, "acks": "all"}})

    assert clients(tree)["admin"] == {"bootstrap.servers": "b1:9092", "acks": "all"}


def test_properties_that_are_not_a_mapping_are_an_error_at_their_key() -> None:
    source = merge_layers([layer("env prod", ENV, kafka(client={"properties": "acks=all"}))])

    with pytest.raises(InputError) as caught:
        client_properties(source.tree, source)

    assert str(caught.value) == (
        "conf/env/prod.yaml:4:7: error [structure-type] kestra.kafka.client.properties must be a mapping of Kafka "
        "properties"
    )


def test_a_value_on_the_way_to_properties_is_an_error_at_that_value() -> None:
    source = merge_layers([layer("env prod", ENV, kafka(defaults={"producer": "fast"}))])

    with pytest.raises(InputError) as caught:
        client_properties(source.tree, source)

    assert caught.value.origin == at(ENV, 4, 7)
    assert caught.value.key == "kestra.kafka.defaults.producer"
    assert caught.value.message == "kestra.kafka.defaults.producer must be a mapping, not str 'fast'"


# --- topic plan: names, partitions, replication factor, properties -------------------------------


def test_a_topic_without_a_name_is_the_prefix_and_its_key() -> None:
    assert plan_of(kafka(defaults={"topic-prefix": "prod_"}, topics={"logentry": {}})).name == "prod_logentry"


def test_an_explicit_name_gets_no_prefix() -> None:
    tree = kafka(defaults={"topic-prefix": "prod_"}, topics={"logentry": {"name": "shared_logs"}})

    assert plan_of(tree).name == "shared_logs"


def test_prefixes_are_joined_without_a_separator() -> None:
    assert (
        plan_of(kafka(defaults={"topic-prefix": "uat_kestra"}, topics={"logentry": None})).name == "uat_kestralogentry"
    )


def test_without_a_prefix_the_name_is_the_key() -> None:
    assert plan_of(kafka(topics={"logentry": {}})).name == "logentry"


@pytest.mark.parametrize(
    ("topic", "expected"),
    [
        pytest.param({}, (16, 3), id="both-from-topic-defaults"),
        pytest.param({"partitions": 64}, (64, 3), id="own-partitions"),
        pytest.param({"replication-factor": 1}, (16, 1), id="own-replication-factor"),
        pytest.param({"partitions": 2, "replication-factor": 2}, (2, 2), id="both-own"),
    ],
)
def test_partitions_and_replication_factor_fall_back_to_topic_defaults(
    topic: dict[str, Any], expected: tuple[int, int]
) -> None:
    tree = kafka(defaults={"topic": {"partitions": 16, "replication-factor": 3}}, topics={"logentry": topic})

    plan = plan_of(tree)

    assert (plan.partitions, plan.replication_factor) == expected


def test_without_topic_defaults_partitions_and_replication_factor_are_unset() -> None:
    plan = plan_of(kafka(topics={"logentry": {}}))

    assert (plan.partitions, plan.replication_factor) == (None, None)


def test_topic_properties_are_the_defaults_overlaid_key_by_key_by_the_topics_own() -> None:
    tree = kafka(
        defaults={"topic": {"properties": {"min.insync.replicas": 2, "cleanup.policy": "delete"}}},
        topics={"logentry": {"properties": {"cleanup.policy": ["compact", "delete"], "segment.bytes": 1048576}}},
    )

    assert plan_of(tree).properties == {
        "min.insync.replicas": "2",
        "cleanup.policy": "compact,delete",
        "segment.bytes": "1048576",
    }


def test_topics_are_planned_in_the_order_of_the_tree() -> None:
    tree = kafka(topics={"flow": {}, "execution": {}, "logentry": {}, "trigger": {}})

    assert [plan.key for plan in topic_plan(tree, Merged(tree=tree))] == ["flow", "execution", "logentry", "trigger"]


def test_no_topics_means_an_empty_plan() -> None:
    assert topic_plan(kafka(), Merged()) == []


def test_a_topic_plan_as_topics_yaml_writes_it() -> None:
    tree = kafka(
        defaults={"topic-prefix": "prod_", "topic": {"partitions": 16, "replication-factor": 3}},
        topics={"execution": {"properties": {"cleanup.policy": "compact", "retention.ms": "-1"}}},
    )

    assert plan_of(tree, "execution").to_dict() == {
        "key": "execution",
        "name": "prod_execution",
        "partitions": 16,
        "replication-factor": 3,
        "properties": {"cleanup.policy": "compact", "retention.ms": "-1"},
        "retention": {"ms": -1, "source": "explicit (topic)", "deletes-old-records": False},
    }


def test_kestras_topics_get_their_bundled_names_with_the_users_prefix() -> None:
    base, _ = normalize_layer(bundled_layer())
    user = layer("env prod", ENV, kafka(defaults={"topic-prefix": "acme_"}))
    source = merge_layers([base, user])
    tree = resolve(source).tree

    names = {plan.key: plan.name for plan in topic_plan(tree, source)}

    assert len(names) == 15
    assert {key: names[key] for key in ("execution", "flowlast", "executor", "killed", "logentry")} == {
        "execution": "acme_execution",
        "flowlast": "acme_flow_last",
        "executor": "acme_executor_main-executor-changelog",
        "killed": "acme_executor_killed",
        "logentry": "acme_logs",
    }


def test_topics_that_are_not_a_mapping_are_an_error() -> None:
    source = merge_layers([layer("env prod", ENV, kafka(topics=["execution"]))])

    with pytest.raises(InputError) as caught:
        topic_plan(source.tree, source)

    assert str(caught.value) == (
        "conf/env/prod.yaml:3:5: error [structure-type] kestra.kafka.topics must be a mapping of topic keys"
    )


def test_a_topic_that_is_not_a_mapping_is_an_error_at_its_key() -> None:
    source = merge_layers([layer("env prod", ENV, kafka(topics={"flow": {}, "execution": "prod_execution"}))])

    with pytest.raises(InputError) as caught:
        topic_plan(source.tree, source)

    assert str(caught.value) == (
        "conf/env/prod.yaml:5:7: error [structure-type] kestra.kafka.topics.execution must be a mapping "
        "(name, partitions, replication-factor, properties)"
    )


# --- retention and whether old records are deleted -----------------------------------------------


def retention_tree(
    own: dict[str, Any] | None = None, defaults: dict[str, Any] | None = None, broker: dict[str, Any] | None = None
) -> dict[str, Any]:
    tree = kafka(
        defaults={"topic": {"properties": defaults or {}}},
        topics={"logentry": {"properties": {"cleanup.policy": "delete", **(own or {})}}},
    )
    if broker is not None:
        tree["cluster"] = {"broker-defaults": broker}
    return tree


@pytest.mark.parametrize(
    ("tree", "ms", "source"),
    [
        pytest.param(retention_tree(own={"retention.ms": "86400000"}), 86400000, "explicit (topic)", id="topic"),
        pytest.param(
            retention_tree(defaults={"retention.ms": 3600000}),
            3600000,
            "explicit (topic defaults)",
            id="topic-defaults",
        ),
        pytest.param(
            retention_tree(own={"retention.ms": "-1"}, defaults={"retention.ms": 3600000}),
            -1,
            "explicit (topic)",
            id="topic-beats-topic-defaults",
        ),
        pytest.param(
            retention_tree(own={"retention.ms": 1000}, broker={"log.retention.hours": 1}),
            1000,
            "explicit (topic)",
            id="topic-beats-broker",
        ),
        pytest.param(
            retention_tree(broker={"log.retention.ms": 5000}), 5000, "broker-default (log.retention.ms)", id="broker-ms"
        ),
        pytest.param(
            retention_tree(broker={"log.retention.minutes": 30}),
            1_800_000,
            "broker-default (log.retention.minutes)",
            id="broker-minutes",
        ),
        pytest.param(
            retention_tree(broker={"log.retention.hours": 168}),
            604_800_000,
            "broker-default (log.retention.hours)",
            id="broker-hours",
        ),
        pytest.param(
            retention_tree(broker={"log.retention.hours": "24"}),
            86_400_000,
            "broker-default (log.retention.hours)",
            id="broker-hours-as-text",
        ),
        pytest.param(
            retention_tree(broker={"log.retention.hours": 1, "log.retention.minutes": 2, "log.retention.ms": 3}),
            3,
            "broker-default (log.retention.ms)",
            id="broker-ms-beats-minutes-and-hours",
        ),
        pytest.param(
            retention_tree(broker={"log.retention.hours": 1, "log.retention.minutes": 2}),
            120_000,
            "broker-default (log.retention.minutes)",
            id="broker-minutes-beat-hours",
        ),
        pytest.param(
            retention_tree(broker={"log.retention.hours": "${RETENTION_HOURS}"}),
            "${RETENTION_HOURS}",
            "broker-default (log.retention.hours)",
            id="broker-not-a-number-kept-as-written",
        ),
        pytest.param(
            retention_tree(broker={"log.retention.bytes": 1}),
            KAFKA_DEFAULT_RETENTION_MS,
            "kafka-default",
            id="kafka-default-when-the-broker-sets-no-retention-time",
        ),
        pytest.param(retention_tree(), 604_800_000, "kafka-default", id="kafka-default"),
        pytest.param(
            retention_tree(own={"retention.ms": "${LOG_RETENTION_MS}"}),
            "${LOG_RETENTION_MS}",
            "explicit (topic)",
            id="run-time-placeholder-kept",
        ),
    ],
)
def test_retention_and_its_source(tree: dict[str, Any], ms: int | str, source: str) -> None:
    plan = plan_of(tree)

    assert (plan.retention_ms, plan.retention_source) == (ms, source)


@pytest.mark.parametrize(
    ("policy", "own", "broker", "deletes"),
    [
        pytest.param("delete", {}, None, True, id="delete-with-kafka-default-retention"),
        pytest.param("delete", {"retention.ms": 86400000}, None, True, id="delete-with-finite-retention"),
        pytest.param("delete", {"retention.ms": "-1"}, None, False, id="delete-with-unlimited-retention"),
        pytest.param("compact", {"retention.ms": 1000}, None, False, id="compact-only"),
        pytest.param("delete,compact", {}, None, True, id="delete-and-compact"),
        pytest.param("compact, delete", {}, None, True, id="spaces-after-commas"),
        pytest.param(["compact", "delete"], {}, None, True, id="policy-as-a-list"),
        pytest.param(None, {}, None, True, id="no-policy-is-kafkas-delete"),
        pytest.param("delete", {}, {"log.retention.ms": -1}, False, id="broker-ms-unlimited"),
        pytest.param("delete", {}, {"log.retention.hours": 168}, True, id="broker-hours-finite"),
        pytest.param(
            "delete",
            {},
            {"log.retention.hours": -1},
            False,
            id="broker-hours-unlimited",
        ),
        pytest.param(
            "delete",
            {},
            {"log.retention.minutes": -1},
            False,
            id="broker-minutes-unlimited",
        ),
    ],
)
def test_deletes_old_records(policy: Any, own: dict[str, Any], broker: dict[str, Any] | None, deletes: bool) -> None:
    props = {**({} if policy is None else {"cleanup.policy": policy}), **own}
    tree = kafka(topics={"logentry": {"properties": props}})
    if broker is not None:
        tree["cluster"] = {"broker-defaults": broker}

    assert plan_of(tree).deletes_old_records is deletes


def test_unlimited_broker_retention_in_hours_is_minus_one() -> None:
    """Kafka reads any negative broker retention time as unlimited (KafkaConfig.logRetentionTimeMillis)."""
    plan = plan_of(retention_tree(broker={"log.retention.hours": -1}))

    assert (plan.retention_ms, plan.retention_source, plan.deletes_old_records) == (
        -1,
        "broker-default (log.retention.hours)",
        False,
    )
