"""Cross-field rules as a user meets them: `kkc validate` on small Kestra configs and .properties files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from compiler.catalog import KNOWN_VERSIONS
from compiler.rules import REGISTRY
from tests.conftest import REPO, kkc
from tests.rules.helpers import family_validator

FAMILY = {r.id for r in REGISTRY.values() if r.family == "cross-field"}
NO_TXN = "Cannot set a transactional.id without also enabling idempotence."


validate = family_validator("cross-field")


def layer(*sections: tuple[str, str], head: str = "") -> str:
    """A Kestra config: each (section, 'k: v' lines) goes under kestra.kafka.<section>.properties."""
    text = head + "kestra:\n  kafka:\n"
    for section, body in sections:
        indent = "    "
        for part in section.split("."):
            text += f"{indent}{part}:\n"
            indent += "  "
        text += f"{indent}properties:\n" + "".join(f"{indent}  {line}\n" for line in body.splitlines())
    return text


def rules(found: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    return [(d["rule"], d["level"], d["line"]) for d in found]


# ----------------------------------------------------------------------------------- idempotence


def test_acks_1_stops_kestras_transactional_producers(tmp_path: Path) -> None:
    code, found = validate(tmp_path, layer(("defaults.producer", "acks: 1")))
    assert code == 1
    [error] = found
    assert (error["rule"], error["level"]) == ("transactional-id-requires-idempotence", "error")
    assert (error["file"], error["line"], error["column"]) == ("kestra.yml", 6, 11)
    assert error["key"] == "kestra.kafka.defaults.producer.properties.acks"
    assert "Kestra's worker and scheduler producers set a transactional.id" in error["message"]
    assert NO_TXN in error["message"]
    assert "Set acks to all (or -1)." in error["message"]


def test_explicit_idempotence_with_acks_1_is_kafkas_own_conflict(tmp_path: Path) -> None:
    _, found = validate(tmp_path, layer(("defaults.producer", "enable.idempotence: true\nacks: 1")))
    [error] = found
    assert (error["rule"], error["line"]) == ("idempotence-conflict", 7)
    assert "Must set acks to all in order to use the idempotent producer." in error["message"]


def test_explicitly_disabled_idempotence_stops_kestras_transactional_producers(tmp_path: Path) -> None:
    _, found = validate(tmp_path, layer(("defaults.producer", "enable.idempotence: false")))
    assert rules(found) == [("transactional-id-requires-idempotence", "error", 6)]


def test_a_plain_producer_file_loses_idempotence_silently(tmp_path: Path) -> None:
    code, found = validate(tmp_path, "acks=1\nretries=0\n", "--as", "producer", name="p.properties")
    assert code == 0
    assert rules(found) == [
        ("idempotence-silently-disabled", "warning", 1),
        ("idempotence-silently-disabled", "warning", 2),
    ]
    assert "this producer" in found[0]["message"]
    _, found = validate(tmp_path, "acks=1\ntransactional.id=tx\n", "--as", "producer", name="p.properties")
    assert rules(found) == [("transactional-id-requires-idempotence", "error", 1)]


def test_more_than_five_in_flight_requests_depends_on_the_kafka_version(tmp_path: Path) -> None:
    text = "max.in.flight.requests.per.connection=6\n"
    _, found = validate(tmp_path, text, "--as", "producer", name="p.properties")
    [error] = found
    assert (error["rule"], error["level"]) == ("idempotence-conflict", "error")
    assert "must be set to at most 5. Current value is 6." in error["message"]

    _, found = validate(tmp_path, text, "--as", "producer", "--kafka-version", "3.9", name="p.properties")
    [warning] = found
    assert (warning["rule"], warning["level"]) == ("idempotence-silently-disabled", "warning")
    assert "From Kafka 4.0 this is a ConfigException." in warning["message"]

    _, found = validate(tmp_path, text, "--as", "producer", "--kafka-version", "3.9", name="p.properties")
    yaml = layer(("defaults.producer", "max.in.flight.requests.per.connection: 6"))
    _, found = validate(tmp_path, yaml, "--kafka-version", "3.9")
    assert [d["rule"] for d in found] == ["transactional-id-requires-idempotence"]


def test_exactly_once_streams_need_acks_all_and_at_least_once_streams_lose_idempotence(tmp_path: Path) -> None:
    _, found = validate(tmp_path, layer(("defaults.stream", "acks: 1")))
    [error] = found
    assert error["rule"] == "idempotence-conflict"
    assert "processing.guarantee=exactly_once_v2 makes Kafka Streams use idempotent producers" in error["message"]

    _, found = validate(tmp_path, layer(("defaults.stream", "processing.guarantee: at_least_once\nproducer.acks: 0")))
    [warning] = found
    assert (warning["rule"], warning["line"]) == ("idempotence-silently-disabled", 7)
    assert warning["key"] == "kestra.kafka.defaults.stream.properties.producer.acks"


def test_exactly_once_streams_reject_more_than_five_in_flight_with_streams_message(tmp_path: Path) -> None:
    _, found = validate(tmp_path, layer(("defaults.stream", "max.in.flight.requests.per.connection: 8")))
    [error] = found
    assert "Can't exceed 5 when exactly-once processing is enabled" in error["message"]


def test_client_properties_breaking_several_clients_give_one_diagnostic_per_problem(tmp_path: Path) -> None:
    _, found = validate(tmp_path, layer(("client", "retries: 0")))
    assert sorted(d["rule"] for d in found) == ["idempotence-conflict", "transactional-id-requires-idempotence"]
    assert {d["line"] for d in found} == {5}


# -------------------------------------------------------------------------------- transactions


def test_two_phase_commit_forbids_a_transaction_timeout_from_kafka_4_1(tmp_path: Path) -> None:
    text = layer(("defaults.producer", "transaction.two.phase.commit.enable: true\ntransaction.timeout.ms: 60000"))
    _, found = validate(tmp_path, text, "--kafka-version", "4.1")
    assert rules(found) == [("two-phase-commit-with-transaction-timeout", "error", 7)]
    _, found = validate(tmp_path, text, "--kafka-version", "4.0")
    assert found == []


def test_a_transaction_timeout_above_the_broker_maximum(tmp_path: Path) -> None:
    declared = "cluster:\n  broker-defaults:\n    transaction.max.timeout.ms: 900000\n"
    code, found = validate(tmp_path, layer(("defaults.producer", "transaction.timeout.ms: 1000000"), head=declared))
    [error] = found
    assert (code, error["rule"], error["level"]) == (1, "transaction-timeout-above-broker-max", "error")
    assert "transaction.max.timeout.ms 900000 (cluster.broker-defaults)" in error["message"]

    # not declared: above Kafka's default, but kkc cannot see the brokers' setting
    code, found = validate(tmp_path, layer(("defaults.producer", "transaction.timeout.ms: 1000000")))
    [info] = found
    assert (code, info["rule"], info["level"], info["line"]) == (0, "transaction-timeout-above-broker-max", "info", 6)
    assert info["message"] == (
        "transaction.timeout.ms 1000000 is above 900000, Kafka's default transaction.max.timeout.ms: whether the "
        "brokers refuse Kestra's producers when they start their transactions (InvalidTxnTimeoutException) depends "
        "on their transaction.max.timeout.ms, which is not declared; declare "
        "cluster.broker-defaults.transaction.max.timeout.ms to have it checked, or set transaction.timeout.ms to "
        "900000 or less."
    )

    head = "cluster:\n  broker-defaults:\n    transaction.max.timeout.ms: 30000\n"
    _, found = validate(tmp_path, head + "kestra:\n  queue:\n    type: kafka\n")
    [error] = found
    assert (error["key"], error["line"]) == ("cluster.broker-defaults.transaction.max.timeout.ms", 3)
    assert "transaction.timeout.ms 60000 is above" in error["message"]


def test_exactly_once_streams_need_a_transaction_timeout_above_the_commit_interval(tmp_path: Path) -> None:
    text = layer(("defaults.stream", "commit.interval.ms: 30000\ntransaction.timeout.ms: 60000"))
    _, found = validate(tmp_path, text)
    [error] = found
    assert (error["rule"], error["line"]) == ("streams-transaction-timeout-below-commit-interval", 6)
    assert "Transaction timeout 10000 was set lower than streams commit interval 30000." in error["message"]
    assert "without the producer. prefix does not count" in error["message"]
    text = layer(("defaults.stream", "commit.interval.ms: 30000\nproducer.transaction.timeout.ms: 60000"))
    assert validate(tmp_path, text)[1] == []
    text = layer(("defaults.stream", "processing.guarantee: at_least_once\ncommit.interval.ms: 30000"))
    assert validate(tmp_path, text)[1] == []


# ------------------------------------------------------------------------------------ timeouts


def test_delivery_timeout_below_linger_plus_request_depends_on_the_linger_default(tmp_path: Path) -> None:
    text = layer(("defaults.producer", "delivery.timeout.ms: 30002"))
    code, found = validate(tmp_path, text, "--kafka-version", "4.3")  # Kafka 4.x: linger.ms defaults to 5
    assert code == 1
    [error] = found
    assert error["rule"] == "delivery-timeout-below-linger-plus-request"
    assert "5 + 30000 = 30005" in error["message"]
    assert validate(tmp_path, text, "--kafka-version", "3.9")[1] == []  # linger.ms defaulted to 0


def test_a_verdict_that_depends_on_the_kafka_client_kestra_ships_is_an_info(tmp_path: Path) -> None:
    """Kestra 1.3 (the default) ships a Kafka client between 3.9 and 4.3, which one is not public."""
    text = layer(("defaults.producer", "delivery.timeout.ms: 30002"))
    code, found = validate(tmp_path, text)
    assert code == 0
    [info] = found
    assert (info["rule"], info["level"]) == ("delivery-timeout-below-linger-plus-request", "info")
    assert info["message"].startswith("with Kafka 4.3 clients: ")
    assert info["message"].endswith(
        "(Kestra 1.3 ships a Kafka client between 3.9 and 4.3, which one is not public; declare "
        "cluster.kafka-version to have it checked)"
    )
    # a release whose client is public: Kestra 0.20 ships 3.9, where linger.ms defaults to 0
    assert validate(tmp_path, text, "--kestra-version", "0.20") == (0, [])


def test_a_long_request_timeout_silently_raises_the_delivery_timeout(tmp_path: Path) -> None:
    code, found = validate(
        tmp_path, layer(("defaults.producer", "request.timeout.ms: 200000")), "--kafka-version", "4.3"
    )
    assert code == 0
    assert rules(found) == [("delivery-timeout-raised", "warning", 6)]
    assert "raises delivery.timeout.ms to 200005" in found[0]["message"]


def test_exactly_once_streams_set_their_own_delivery_timeout(tmp_path: Path) -> None:
    assert validate(tmp_path, layer(("defaults.stream", "request.timeout.ms: 200000")))[1] == []
    text = layer(("defaults.stream", "processing.guarantee: at_least_once\nrequest.timeout.ms: 200000"))
    [warning] = validate(tmp_path, text)[1]
    assert "100 + 200000" in warning["message"]  # Kafka Streams' producers linger 100 ms by default


# -------------------------------------------------------------------------------- ignored options


def test_a_compression_level_for_another_codec_is_ignored(tmp_path: Path) -> None:
    _, found = validate(tmp_path, layer(("defaults.producer", "compression.gzip.level: 9")))
    [warning] = found
    assert warning["rule"] == "compression-level-ignored"
    assert "use compression.type=lz4" in warning["message"]


def test_partitioner_options_are_ignored_with_a_custom_partitioner(tmp_path: Path) -> None:
    body = "partitioner.class: com.example.MyPartitioner\npartitioner.ignore.keys: true"
    [warning] = validate(tmp_path, layer(("defaults.producer", body)))[1]
    assert (warning["rule"], warning["line"]) == ("partitioner-option-ignored", 7)


# ----------------------------------------------------------------------------------- consumers


def test_heartbeat_not_below_session_timeout_fails_consumers_and_streams(tmp_path: Path) -> None:
    code, found = validate(tmp_path, layer(("client", "heartbeat.interval.ms: 50000")))
    assert code == 1
    [error] = found
    assert error["rule"] == "heartbeat-not-below-session-timeout"
    assert "Kestra's consumers and Kafka Streams' main consumer cannot start" in error["message"]
    assert "Heartbeat must be set lower than the session timeout" in error["message"]


def test_session_timeout_outside_the_broker_range(tmp_path: Path) -> None:
    head = "cluster:\n  broker-defaults:\n    group.min.session.timeout.ms: {0}\n"
    code, found = validate(tmp_path, layer(("defaults.consumer", "session.timeout.ms: 4000"), head=head.format(6000)))
    assert (code, rules(found)) == (1, [("session-timeout-outside-broker-range", "error", 9)])
    assert "range 6000..1800000" in found[0]["message"]
    assert validate(tmp_path, layer(("defaults.consumer", "session.timeout.ms: 4000"), head=head.format(3000)))[1] == []


def test_session_timeout_outside_kafkas_default_range_names_the_broker_setting(tmp_path: Path) -> None:
    code, found = validate(tmp_path, layer(("defaults.consumer", "session.timeout.ms: 4000")))
    assert (code, rules(found)) == (0, [("session-timeout-outside-broker-range", "info", 6)])
    assert found[0]["message"] == (
        "session.timeout.ms 4000 is outside 6000..1800000, Kafka's default range of the brokers' "
        "group.min.session.timeout.ms and group.max.session.timeout.ms: whether the broker refuses Kestra's "
        "consumers when they join their group (InvalidSessionTimeoutException) depends on the brokers' "
        "group.min.session.timeout.ms, which is not declared; declare "
        "cluster.broker-defaults.group.min.session.timeout.ms to have it checked"
    )
    # a declared minimum says nothing about the maximum
    head = "cluster:\n  broker-defaults:\n    group.min.session.timeout.ms: 6000\n"
    found = validate(tmp_path, layer(("defaults.consumer", "session.timeout.ms: 2000000"), head=head))[1]
    assert rules(found) == [("session-timeout-outside-broker-range", "info", 9)]
    assert "cluster.broker-defaults.group.max.session.timeout.ms" in found[0]["message"]


def test_auto_commit_fails_kestras_consumers_without_a_group(tmp_path: Path) -> None:
    code, found = validate(tmp_path, layer(("defaults.consumer", "enable.auto.commit: true")))
    assert code == 1
    [error] = found
    assert error["rule"] == "auto-commit-without-group-id"
    assert "default group id (null)" in error["message"]
    assert validate(tmp_path, "enable.auto.commit=true\ngroup.id=g\n", "--as", "consumer", name="c.properties")[1] == []


def test_the_consumer_group_protocol_rejects_classic_settings_from_kafka_4(tmp_path: Path) -> None:
    # conf-style consumer defaults with a session timeout, then switching to the new protocol
    text = layer(("defaults.consumer", "session.timeout.ms: 45000\ngroup.protocol: consumer"))
    _, found = validate(tmp_path, text)
    [error] = found
    assert (error["rule"], error["line"]) == ("consumer-protocol-rejects-classic-setting", 6)
    assert "session.timeout.ms cannot be set when group.protocol=CONSUMER" in error["message"]
    assert validate(tmp_path, text, "--kafka-version", "3.9")[1] == []


def test_a_remote_assignor_needs_the_consumer_protocol(tmp_path: Path) -> None:
    _, found = validate(tmp_path, layer(("defaults.consumer", "group.remote.assignor: uniform")))
    assert [d["rule"] for d in found] == ["remote-assignor-requires-consumer-protocol"]
    assert (
        validate(tmp_path, layer(("defaults.consumer", "group.remote.assignor: uniform")), "--kafka-version", "3.8")[1]
        == []
    )


def test_share_group_settings_fail_a_regular_consumer(tmp_path: Path) -> None:
    text = layer(("defaults.consumer", "share.acknowledgement.mode: explicit"))
    _, found = validate(tmp_path, text, "--kafka-version", "4.3")
    [error] = found
    assert error["message"].startswith("share.acknowledgement.mode cannot be set when group.protocol=CLASSIC")


# --------------------------------------------------------------------------------- Kafka Streams


def test_streams_drop_client_settings_they_force(tmp_path: Path) -> None:
    text = layer(("defaults.stream", "enable.auto.commit: true\nisolation.level: read_committed\ntransactional.id: x"))
    _, found = validate(tmp_path, text)
    assert rules(found) == [
        ("streams-overrides-client-property", "warning", 6),
        ("streams-overrides-client-property", "warning", 8),
    ]
    # the same keys in client.properties are meant for Kestra's other clients: not reported
    assert validate(tmp_path, layer(("client", "isolation.level: read_uncommitted")))[1] == []


# ------------------------------------------------------------------------------------------ topics


def test_min_compaction_lag_above_max_is_one_error_naming_every_topic(tmp_path: Path) -> None:
    code, found = validate(tmp_path, layer(("defaults.topic", 'max.compaction.lag.ms: "3600000"')))
    assert code == 1
    [error] = found
    assert (error["rule"], error["line"]) == ("min-compaction-lag-above-max", 6)
    assert "min.compaction.lag.ms (86400000) > max.compaction.lag.ms (3600000)" in error["message"]
    assert "topics execution, executor," in error["message"]
    assert "logentry" not in error["message"]


def test_a_topics_own_min_compaction_lag_is_blamed_on_that_topic(tmp_path: Path) -> None:
    text = layer(("topics.logentry", 'min.compaction.lag.ms: "5000"\nmax.compaction.lag.ms: "1000"'))
    [error] = validate(tmp_path, text)[1]
    assert error["key"] == "kestra.kafka.topics.logentry.properties.max.compaction.lag.ms"
    assert "topic logentry" in error["message"]
    head = "cluster:\n  broker-defaults:\n    log.cleaner.max.compaction.lag.ms: 1000\n"
    found = validate(tmp_path, layer(("topics.logentry", 'min.compaction.lag.ms: "5000"'), head=head))[1]
    assert sorted(d["key"] for d in found) == [
        "cluster.broker-defaults.log.cleaner.max.compaction.lag.ms",  # Kestra's own compacted topics
        "kestra.kafka.topics.logentry.properties.min.compaction.lag.ms",
    ]


TIERED = "cluster:\n  broker-defaults:\n    remote.log.storage.system.enable: true\n"


def test_tiered_storage_on_compacted_topics_and_local_retention(tmp_path: Path) -> None:
    _, found = validate(tmp_path, layer(("defaults.topic", "remote.storage.enable: true"), head=TIERED))
    [error] = found
    assert error["rule"] == "remote-storage-on-compacted-topic"
    assert "topics execution, flow," in error["message"]
    retention = TIERED + "    log.retention.hours: 168\n"
    text = layer(("topics.logentry", "remote.storage.enable: true\nlocal.retention.ms: -1"), head=retention)
    [error] = validate(tmp_path, text)[1]
    assert (error["rule"], error["level"]) == ("local-retention-exceeds-retention", "error")
    assert "Value must not be -1 as retention.ms value is set as 604800000" in error["message"]


def test_local_retention_against_an_undeclared_broker_retention_is_an_info(tmp_path: Path) -> None:
    text = layer(("topics.logentry", "remote.storage.enable: true\nlocal.retention.ms: 864000000"), head=TIERED)
    code, found = validate(tmp_path, text)
    assert (code, rules(found)) == (0, [("local-retention-exceeds-retention", "info", 10)])
    assert found[0]["message"] == (
        "local.retention.ms 864000000 on topic logentry (remote.storage.enable=true) is above 604800000; the topic's "
        "retention is the brokers' log.retention.*, 604800000 ms by Kafka's default: whether the broker rejects the "
        "config (Value must not be more than retention.ms property value: 604800000) depends on it, and it is not "
        "declared; declare cluster.broker-defaults.log.retention.hours to have it checked, or set retention.ms on "
        "the topic"
    )
    # the topic's own retention is known: the broker's verdict is kkc's
    own = "remote.storage.enable: true\nretention.ms: 604800000\nlocal.retention.ms: 864000000"
    assert rules(validate(tmp_path, layer(("topics.logentry", own), head=TIERED))[1]) == [
        ("local-retention-exceeds-retention", "error", 11)
    ]


def test_tiered_storage_needs_it_enabled_on_the_brokers(tmp_path: Path) -> None:
    # The real broker: "Tiered Storage functionality is disabled in the broker. Topic cannot be configured
    # with remote log storage." unless remote.log.storage.system.enable=true (Kafka's default is false).
    text = layer(("topics.logentry", "remote.storage.enable: true"))
    code, [info] = validate(tmp_path, text)
    assert (code, info["rule"], info["level"]) == (0, "remote-storage-disabled-on-broker", "info")
    assert info["message"] == (
        "remote.storage.enable=true on topic logentry: the brokers must run with "
        "remote.log.storage.system.enable=true, else they reject the config ('Tiered Storage functionality is "
        "disabled in the broker') and Kestra cannot create or update the topic; Kafka's default is false and the "
        "brokers' setting is not declared: declare cluster.broker-defaults.remote.log.storage.system.enable to have "
        "it checked"
    )
    for off in ('"false"', "false"):
        declared_off = TIERED.replace("true", off)
        code, [error] = validate(tmp_path, layer(("topics.logentry", "remote.storage.enable: true"), head=declared_off))
        assert (code, error["level"]) == (1, "error")
        assert error["message"].startswith("Tiered Storage functionality is disabled in the broker.")
        assert "cluster.broker-defaults sets remote.log.storage.system.enable=false" in error["message"]
    assert validate(tmp_path, layer(("topics.logentry", "remote.storage.enable: true"), head=TIERED))[1] == []
    assert validate(tmp_path, layer(("topics.logentry", "remote.storage.enable: false")))[1] == []


# ------------------------------------------------------------------------------------- clean runs


@pytest.mark.parametrize("version", KNOWN_VERSIONS)
def test_kestras_bundled_defaults_are_clean_at_every_kafka_version(tmp_path: Path, version: str) -> None:
    _, found = validate(tmp_path, "kestra:\n  queue:\n    type: kafka\n", "--kafka-version", version)
    assert found == []


def test_the_example_conf_is_clean() -> None:
    run = kkc("validate", "--all", "--format", "json", cwd=REPO)
    assert [d for d in json.loads(run.out)["diagnostics"] if d["rule"] in FAMILY] == []
