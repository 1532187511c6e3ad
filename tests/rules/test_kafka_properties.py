"""Kafka property rules as a user meets them: `kkc validate` on small Kestra configs and .properties files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from compiler.catalog import KNOWN_VERSIONS
from compiler.rules import REGISTRY
from compiler.rules.kafka_properties import _hide
from tests.conftest import REPO, kkc
from tests.rules.helpers import family_validator

FAMILY = {r.id for r in REGISTRY.values() if r.family == "kafka-properties"}


validate = family_validator("kafka-properties")


def props(section: str, *lines: str, version: str | None = None) -> str:
    """A Kestra config with `lines` under kestra.kafka.<section>.properties (section may be dotted)."""
    text = f'cluster:\n  kafka-version: "{version}"\n' if version else ""
    text += "kestra:\n  kafka:\n"
    indent = "    "
    for part in section.split("."):
        text += f"{indent}{part}:\n"
        indent += "  "
    text += f"{indent}properties:\n"
    return text + "".join(f"{indent}  {line}\n" for line in lines)


def where(d: dict[str, Any]) -> tuple[str, int, int]:
    return d["file"], d["line"], d["column"]


def test_a_client_key_typo_is_a_warning_with_a_suggestion(tmp_path: Path) -> None:
    code, found = validate(tmp_path, props("client", 'bootstrap.server: "localhost:9092"'))
    assert code == 0
    [warning] = found
    assert (warning["rule"], warning["level"]) == ("unknown-client-property", "warning")
    assert where(warning) == ("kestra.yml", 5, 9)
    assert warning["key"] == "kestra.kafka.client.properties.bootstrap.server"
    assert "Did you mean bootstrap.servers?" in warning["message"]


def test_a_plugin_key_without_close_match_is_a_warning_without_suggestion(tmp_path: Path) -> None:
    _, found = validate(tmp_path, props("defaults.producer", 'schema.registry.url: "http://registry:8081"'))
    [warning] = found
    assert warning["rule"] == "unknown-client-property"
    assert "not a Kafka producer setting" in warning["message"]
    assert "Did you mean" not in warning["message"]


def test_an_unknown_topic_key_is_an_error_because_the_broker_rejects_it(tmp_path: Path) -> None:
    code, found = validate(tmp_path, props("topics.execution", 'retention.msec: "86400000"'))
    assert code == 1
    [error] = found
    assert (error["rule"], error["level"]) == ("unknown-topic-property", "error")
    assert where(error) == ("kestra.yml", 6, 11)
    assert error["message"].startswith("Unknown topic config name: retention.msec.")
    assert "Did you mean retention.ms?" in error["message"]


def test_an_unknown_streams_topic_prefix_key_is_an_error(tmp_path: Path) -> None:
    _, found = validate(tmp_path, props("defaults.stream", "topic.retention.msx: 1000"))
    [error] = found
    assert (error["rule"], error["level"]) == ("unknown-topic-property", "error")
    assert "Did you mean topic.retention.ms?" in error["message"]


def test_a_consumer_key_under_the_producer_defaults_says_where_to_move_it(tmp_path: Path) -> None:
    code, found = validate(tmp_path, props("defaults.producer", "max.poll.records: 100"))
    assert code == 0
    [warning] = found
    assert (warning["rule"], warning["level"]) == ("property-in-wrong-section", "warning")
    assert "read by consumers and Kafka Streams; here producers ignore it" in warning["message"]
    assert "kestra.kafka.defaults.consumer.properties (consumers)" in warning["message"]


def test_a_topic_key_under_client_properties_points_to_the_topic_maps(tmp_path: Path) -> None:
    _, found = validate(tmp_path, props("client", 'retention.ms: "86400000"'))
    [warning] = found
    assert warning["rule"] == "property-in-wrong-section"
    assert "is a topic config, not a client setting" in warning["message"]
    assert "kestra.kafka.defaults.topic.properties" in warning["message"]
    assert "topic.retention.ms" in warning["message"]  # client.properties reach Kafka Streams too


def test_a_client_key_under_a_topic_is_an_error_since_the_broker_rejects_it(tmp_path: Path) -> None:
    code, found = validate(tmp_path, props("topics.execution", "acks: all"))
    assert code == 1
    [error] = found
    assert (error["rule"], error["level"]) == ("property-in-wrong-section", "error")
    assert "Unknown topic config name: acks" in error["message"]
    assert "kestra.kafka.defaults.producer.properties" in error["message"]


def test_a_streams_prefix_in_the_producer_defaults_suggests_the_bare_key(tmp_path: Path) -> None:
    _, found = validate(tmp_path, props("defaults.producer", "producer.linger.ms: 10"))
    [warning] = found
    assert warning["rule"] == "property-in-wrong-section"
    assert "write linger.ms" in warning["message"]


def test_an_upper_case_enum_value_gets_kafkas_own_message(tmp_path: Path) -> None:
    code, found = validate(tmp_path, props("defaults.producer", 'acks: "ALL"'))
    assert code == 1
    [error] = found
    assert (error["rule"], error["level"]) == ("invalid-property-value", "error")
    assert error["message"] == "Invalid value ALL for configuration acks: String must be one of: all, -1, 0, 1."


def test_kafkas_message_is_quoted_whole_even_when_it_ends_with_an_ellipsis(tmp_path: Path) -> None:
    # The broker: "... in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],..."
    _, [error] = validate(tmp_path, props("topics.logentry", 'leader.replication.throttled.replicas: "0:x"'))
    assert error["message"] == (
        "Invalid value [0:x] for configuration leader.replication.throttled.replicas: "
        "leader.replication.throttled.replicas must be the literal '*' or a list of replicas in the following "
        "format: [partitionId]:[brokerId],[partitionId]:[brokerId],..."
    )


def test_client_properties_values_are_checked_once_for_every_client_that_reads_them(tmp_path: Path) -> None:
    _, found = validate(tmp_path, props("client", "isolation.level: READ_COMMITTED", "request.timeout.ms: soon"))
    assert sorted((d["rule"], d["line"]) for d in found) == [
        ("invalid-property-value", 5),
        ("invalid-property-value", 6),
    ]
    assert "Not a number of type INT" in found[1]["message"]


def test_the_doc_pages_exactly_once_is_an_error_on_kafka_4_and_a_warning_on_kafka_3(tmp_path: Path) -> None:
    text = props("defaults.stream", 'processing.guarantee: "exactly_once"')
    code, found = validate(tmp_path, text, "--kafka-version", "4.3")
    assert code == 1
    [error] = found
    assert (error["rule"], error["level"]) == ("removed-in-kafka-version", "error")
    assert "exactly_once was removed in Kafka 4.0; use exactly_once_v2" in error["message"]
    assert "checked as Kafka 4.3" in error["message"]

    code, found = validate(tmp_path, text, "--kafka-version", "3.9")
    assert code == 0
    [warning] = found
    assert (warning["rule"], warning["level"]) == ("deprecated-in-kafka-version", "warning")
    assert "deprecated since Kafka 3.0 (removed in Kafka 4.0); use exactly_once_v2" in warning["message"]

    # Kestra 1.3 (the default) ships a client between 3.9 and 4.3: the sure verdict, saying what 4.x gives
    code, found = validate(tmp_path, text)
    assert code == 0
    [warning] = found
    assert (warning["rule"], warning["level"]) == ("deprecated-in-kafka-version", "warning")
    assert warning["message"].endswith(
        "(with Kafka 4.3 clients: error [removed-in-kafka-version]; Kestra 1.3 ships a Kafka client between 3.9 "
        "and 4.3, which one is not public; declare cluster.kafka-version to have it checked)"
    )
    # a Kestra whose client is public decides it
    assert validate(tmp_path, text, "--kestra-version", "2.0")[0] == 1


def test_the_declared_cluster_version_is_used(tmp_path: Path) -> None:
    _, found = validate(tmp_path, props("defaults.stream", "processing.guarantee: exactly_once_beta", version="3.5"))
    assert [d["rule"] for d in found] == ["deprecated-in-kafka-version"]


def test_a_removed_client_key_is_a_warning_and_a_removed_topic_key_an_error(tmp_path: Path) -> None:
    _, found = validate(tmp_path, props("client", 'auto.include.jmx.reporter: "false"'), "--kafka-version", "4.3")
    [warning] = found
    assert (warning["rule"], warning["level"]) == ("removed-in-kafka-version", "warning")
    assert "ignores it as an unknown configuration. Remove it." in warning["message"]

    code, found = validate(tmp_path, props("defaults.topic", 'message.format.version: "3.0"'), "--kafka-version", "4.3")
    assert code == 1
    [error] = found
    assert (error["rule"], error["level"]) == ("removed-in-kafka-version", "error")
    assert error["message"].startswith("Unknown topic config name: message.format.version;")


def test_a_key_newer_than_the_declared_version(tmp_path: Path) -> None:
    _, found = validate(tmp_path, props("defaults.consumer", "group.protocol: classic"), "--kafka-version", "3.6")
    [warning] = found
    assert (warning["rule"], warning["level"]) == ("added-after-kafka-version", "warning")
    assert "added in Kafka 3.7" in warning["message"]

    code, found = validate(
        tmp_path, props("defaults.topic", "remote.log.copy.disable: false"), "--kafka-version", "3.8"
    )
    assert code == 1
    [error] = found
    assert (error["rule"], error["level"]) == ("added-after-kafka-version", "error")


def test_run_time_placeholders_are_not_checked_but_their_keys_are(tmp_path: Path) -> None:
    text = props("defaults.producer", "acks: ${KAFKA_ACKS}", "lingr.ms: ${LINGER:5}")
    _, found = validate(tmp_path, text)
    assert [(d["rule"], d["key"].rsplit(".", 2)[-2:]) for d in found] == [("unknown-client-property", ["lingr", "ms"])]


def test_yaml_lists_are_read_as_kafkas_comma_separated_lists(tmp_path: Path) -> None:
    _, found = validate(tmp_path, props("defaults.topic", "cleanup.policy: [compact, delete]"))
    assert found == []
    _, found = validate(tmp_path, props("defaults.topic", "cleanup.policy: [compact, erase]"))
    assert [d["rule"] for d in found] == ["invalid-property-value"]


def test_secret_values_are_never_shown() -> None:
    message = "Invalid value hunter2 for configuration ssl.key.password: oops"
    assert _hide(message, "ssl.key.password", " hunter2 ") == (
        "Invalid value (value hidden) for configuration ssl.key.password: oops"
    )
    assert _hide(message, "acks", "hunter2") == message


def test_a_producer_properties_file_gets_no_kestra_paths(tmp_path: Path) -> None:
    text = "acks=all\nmax.poll.records=5\nretention.ms=5\nlinger.mss=5\n"
    code, found = validate(tmp_path, text, "--as", "producer", name="producer.properties")
    assert code == 0
    assert [(d["rule"], d["line"], d["column"]) for d in found] == [
        ("property-in-wrong-section", 2, 1),
        ("property-in-wrong-section", 3, 1),
        ("unknown-client-property", 4, 1),
    ]
    assert all("kestra.kafka" not in d["message"] for d in found)
    assert "Did you mean linger.ms?" in found[2]["message"]


@pytest.mark.parametrize("version", KNOWN_VERSIONS)
def test_kestras_bundled_defaults_are_clean_at_every_kafka_version(tmp_path: Path, version: str) -> None:
    _, found = validate(tmp_path, "kestra:\n  queue:\n    type: kafka\n", "--kafka-version", version)
    assert found == []


def test_the_example_conf_is_clean() -> None:
    run = kkc("validate", "--all", "--format", "json", cwd=REPO)
    assert [d for d in json.loads(run.out)["diagnostics"] if d["rule"] in FAMILY] == []
