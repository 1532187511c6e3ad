"""`kkc explain KEY TARGET`: the winning value and every layer and interpolation behind it."""

from __future__ import annotations

import json

import pytest

from tests.conftest import REPO, kkc


def explain(*args: str) -> dict:
    run = kkc("explain", *args, "--format", "json", cwd=REPO)
    assert run.code == 0, run.err
    return json.loads(run.out)


def chain(doc: dict) -> list[tuple[str, str, object]]:
    return [(s["layer"], f"{s['file']}:{s['line']}", s["value"]) for s in doc["set-by"]]


def test_key_only_in_kestra_defaults() -> None:
    doc = explain("kestra.kafka.defaults.producer.properties.compression.type", "env=prod", "instance=eu1")
    assert doc["value"] == "lz4"
    assert chain(doc) == [("kestra defaults", "<kestra-defaults>:22", "lz4")]


def test_key_set_in_config_env_and_instance() -> None:
    doc = explain("kestra.kafka.defaults.topic.partitions", "env=prod", "instance=eu1")
    assert doc["value"] == 16
    assert chain(doc) == [
        ("kestra defaults", "<kestra-defaults>:12", 16),
        ("config.yaml", "conf/config.yaml:32", 8),
        ("env prod", "conf/env/prod.yaml:31", 16),
    ]
    assert [s["winning"] for s in doc["set-by"]] == [False, False, True]
    doc = explain("kestra.kafka.defaults.topic-prefix", "env=prod", "instance=eu2")
    assert chain(doc)[-1] == ("instance eu2", "conf/instance/eu2.yaml:6", "eu2_kestra_")


def test_override_wins_and_is_named() -> None:
    doc = explain(
        "topics.execution.partitions", "env=prod", "instance=eu2", "kestra.kafka.topics.execution.partitions=40"
    )
    assert doc["value"] == 40
    assert doc["derived-from"].startswith("kestra.kafka.topics.execution.partitions")
    assert chain(doc) == [
        ("instance eu2", "conf/instance/eu2.yaml:10", 32),
        ("override", "<override #3 'kestra.kafka.topics.execution.partitions=40'>:0", 40),
    ]


def test_interpolated_key_shows_the_reference_chain() -> None:
    doc = explain("kestra.kafka.defaults.stream.properties.replication.factor", "env=prod", "instance=eu1")
    assert doc["value"] == 3
    assert chain(doc) == [
        ("kestra defaults", "<kestra-defaults>:27", "${kestra.kafka.defaults.topic.replication-factor}")
    ]
    (ref,) = doc["interpolations"]
    assert ref["placeholder"] == "${kestra.kafka.defaults.topic.replication-factor}"
    assert ref["key"] == "kestra.kafka.defaults.topic.replication-factor"
    assert chain(ref)[-1] == ("env prod", "conf/env/prod.yaml:32", 3)


def test_dotted_kafka_key_and_derived_client_value() -> None:
    doc = explain("kestra.kafka.client.properties.bootstrap.servers", "env=staging", "instance=eu1")
    assert doc["value"].startswith("kafka-0.staging.internal:9093")
    assert [layer for layer, _, _ in chain(doc)] == ["config.yaml", "env staging"]
    doc = explain("clients.consumer.bootstrap.servers", "env=dev")
    assert doc["value"] == "localhost:9092"
    assert "kestra.kafka.client.properties.bootstrap.servers" in doc["derived-from"]


def test_secrets_masked_unless_asked() -> None:
    doc = explain("kestra.kafka.client.properties.sasl.jaas.config", "env=prod", "instance=eu1")
    assert doc["value"] == "********" and doc["set-by"][0]["value"] == "********"
    assert {r["placeholder"] for r in doc["interpolations"]} == {"${KAFKA_USERNAME}", "${KAFKA_PASSWORD}"}
    doc = explain("kestra.kafka.client.properties.sasl.jaas.config", "env=prod", "instance=eu1", "--show-secrets")
    assert "ScramLoginModule" in doc["value"]


def test_text_output() -> None:
    run = kkc(
        "explain", "kestra.kafka.defaults.stream.properties.replication.factor", "env=prod", "instance=eu1", cwd=REPO
    )
    assert run.out.splitlines()[0] == (
        "kestra.kafka.defaults.stream.properties.replication.factor = 3    [target prod/eu1]"
    )
    assert "conf/env/prod.yaml:32:9" in run.out and "<- wins" in run.out


@pytest.mark.parametrize("key", ["kestra.kafka.nope", "clients.producer.nope.nope"])
def test_unknown_key_is_an_input_error(key: str) -> None:
    run = kkc("explain", key, "env=dev", cwd=REPO)
    assert run.code == 1 and "error [unknown-key]" in run.err


def test_a_mistyped_key_gets_a_did_you_mean() -> None:
    from tests.conftest import REPO, kkc

    run = kkc("explain", "kestra.kafka.defaults.topic.partiton", "env=prod", "instance=eu1", cwd=REPO)
    assert run.code == 1
    assert "did you mean 'kestra.kafka.defaults.topic.partitions'?" in run.err + run.out
