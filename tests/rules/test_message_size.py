"""Message-size rules as `kkc validate` reports them: message protection, max.request.size, max.message.bytes."""

from __future__ import annotations

import json
from pathlib import Path

from compiler.rules import REGISTRY
from tests.conftest import REPO, kkc
from tests.rules.helpers import family_validator, only

FAMILY = {r.id for r in REGISTRY.values() if r.family == "message-size"}
TOPIC_10MIB = (
    "kestra:\n  kafka:\n    defaults:\n      topic:\n        properties:\n          max.message.bytes: 10485760\n"
)


validate = family_validator("message-size", "--brokers", "1")


def protection(body: str) -> str:
    return TOPIC_10MIB + "    message-protection:\n" + body


def test_soft_limit_above_hard_limit_is_an_error(tmp_path: Path) -> None:
    code, found = validate(tmp_path, protection("      soft-limit: 10485760\n      hard-limit: 1048576\n"))
    assert code == 1
    [error] = only(found, "message-protection-soft-above-hard")
    assert (error["line"], error["column"]) == (8, 7)
    assert "soft-limit 10485760 is above hard-limit 1048576" in error["message"]


def test_the_doc_pages_limits_are_clean(tmp_path: Path) -> None:
    """The page's limits are consistent; only the documentation's doubt about 'enabled' is an info."""
    code, found = validate(tmp_path, protection("      soft-limit: 1048576\n      hard-limit: 10485760\n"))
    assert code == 0 and [f["rule"] for f in found] == ["message-protection-not-enabled"]
    code, found = validate(
        tmp_path, protection("      enabled: true\n      soft-limit: 1048576\n      hard-limit: 10485760\n")
    )
    assert (code, found) == (0, [])


def test_hard_limit_above_max_request_size_without_soft_limit(tmp_path: Path) -> None:
    _, found = validate(tmp_path, protection("      hard-limit: 20971520\n"))
    [warning] = only(found, "message-protection-above-max-request-size")
    assert warning["key"] == "kestra.kafka.message-protection.hard-limit"
    assert "RecordTooLargeException" in warning["message"]
    assert "at most 10485760" in warning["message"]
    assert "the producer's max.request.size 10485760 (Kestra's default)" in warning["message"]


def test_the_message_says_where_the_users_max_request_size_is_set(tmp_path: Path) -> None:
    text = (
        "kestra:\n"
        "  kafka:\n"
        "    defaults:\n"
        "      producer:\n"
        "        properties:\n"
        "          max.request.size: 1048576\n"
        "    message-protection:\n"
        "      hard-limit: 10485760\n"
    )
    _, found = validate(tmp_path, text)
    [warning] = only(found, "message-protection-above-max-request-size")
    assert "the producer's max.request.size 1048576 (kestra.yml:6:11)" in warning["message"]
    assert "Kafka Streams'" not in warning["message"]  # its 10485760 is enough


def test_a_soft_limit_keeps_big_messages_out_of_kafka(tmp_path: Path) -> None:
    _, found = validate(tmp_path, protection("      soft-limit: 1048576\n      hard-limit: 20971520\n"))
    assert only(found, "message-protection-above-max-request-size") == []


def test_kafkas_default_max_message_bytes_is_one_info_naming_the_broker_setting(tmp_path: Path) -> None:
    """Kestra's own 10 MiB max.request.size against brokers kkc cannot see: not a warning, but what to declare."""
    text = "kestra:\n  queue:\n    type: kafka\n  kafka.client.properties.bootstrap.servers: kafka:9092\n"
    code, found = validate(tmp_path, text)
    assert code == 0
    [info] = only(found, "max-request-size-above-max-message-bytes")
    assert info["level"] == "info"
    assert info["key"] == "kestra.kafka.defaults.producer.properties.max.request.size"
    assert info["message"] == (
        "the producer's max.request.size 10485760 (Kestra's default) and Kafka Streams' max.request.size 10485760 "
        "(Kestra's default) are above 1048588, Kafka's default message.max.bytes and the limit of all 15 topics "
        "unless the brokers set another: whether the brokers reject bigger records (RecordTooLargeException; "
        "Kestra's executor or worker then fails) depends on their message.max.bytes, which is not declared; "
        "declare cluster.broker-defaults.message.max.bytes to have it checked, or set "
        'max.message.bytes: "10485760" under kestra.kafka.defaults.topic.properties'
    )
    run = kkc("validate", "kestra.yml", "--brokers", "1", "--strict", cwd=tmp_path)
    assert run.code == 0 and run.out.splitlines()[-1].startswith("0 errors, 0 warnings, "), run.out


def test_a_declared_1mib_broker_limit_below_a_10mib_max_request_size_is_a_warning(tmp_path: Path) -> None:
    text = (
        "cluster:\n  broker-defaults:\n    message.max.bytes: 1048576\n"
        "kestra:\n  kafka:\n    defaults:\n      producer:\n        properties:\n"
        "          max.request.size: 10485760\n"
    )
    code, found = validate(tmp_path, text)
    assert code == 0
    [warning] = only(found, "max-request-size-above-max-message-bytes")
    assert (warning["level"], warning["key"], warning["line"]) == (
        "warning",
        "cluster.broker-defaults.message.max.bytes",
        3,
    )
    assert warning["message"].startswith(
        "the producer's max.request.size 10485760 (kestra.yml:9:11) and Kafka Streams' max.request.size 10485760 "
        "(Kestra's default) are above the broker's message.max.bytes 1048576 of all 15 topics: the broker rejects "
        "a record bigger than the topic accepts (RecordTooLargeException)"
    )
    assert kkc("validate", "kestra.yml", "--brokers", "1", "--strict", cwd=tmp_path).code == 1


def test_a_topic_limit_the_user_sets_is_known_without_the_broker(tmp_path: Path) -> None:
    text = "kestra:\n  kafka:\n    defaults:\n      topic:\n        properties:\n          max.message.bytes: 1048588\n"
    _, found = validate(tmp_path, text)
    [warning] = only(found, "max-request-size-above-max-message-bytes")
    assert (warning["level"], warning["key"]) == ("warning", "kestra.kafka.defaults.topic.properties.max.message.bytes")
    assert "above the max.message.bytes 1048588 of all 15 topics" in warning["message"]


def test_one_topic_with_a_smaller_limit_is_pointed_at(tmp_path: Path) -> None:
    text = TOPIC_10MIB + "    topics:\n      logentry:\n        properties:\n          max.message.bytes: 1000000\n"
    _, found = validate(tmp_path, text)
    [warning] = only(found, "max-request-size-above-max-message-bytes")
    assert warning["key"] == "kestra.kafka.topics.logentry.properties.max.message.bytes"
    assert warning["line"] == 10 and "topic 'logentry'" in warning["message"]


def test_the_brokers_message_max_bytes_is_used_when_declared(tmp_path: Path) -> None:
    text = "cluster:\n  broker-defaults:\n    message.max.bytes: 20971520\n"
    _, found = validate(tmp_path, text)
    assert only(found, "max-request-size-above-max-message-bytes") == []
    _, found = validate(tmp_path, text.replace("20971520", "5242880"))
    [warning] = only(found, "max-request-size-above-max-message-bytes")
    assert warning["key"] == "cluster.broker-defaults.message.max.bytes"


def test_the_single_limit_form_is_flagged_as_conflicting_documentation(tmp_path: Path) -> None:
    code, found = validate(tmp_path, protection("      enabled: true\n      limit: 1048576\n"))
    assert code == 0
    [warning] = only(found, "message-protection-single-limit")
    assert warning["key"] == "kestra.kafka.message-protection.limit"
    assert warning["message"].startswith("message-protection.limit comes from conflicting documentation")
    assert "did you mean 'hard-limit: 1048576'?" in warning["message"]
    assert only(found, "message-protection-not-enabled") == []  # 'enabled' is a Kafka queue key (0.19+)


def test_limits_without_enabled_are_an_info_naming_the_doubt(tmp_path: Path) -> None:
    _, found = validate(tmp_path, protection("      soft-limit: 1048576\n      hard-limit: 10485760\n"))
    [info] = only(found, "message-protection-not-enabled")
    assert info["level"] == "info" and info["key"] == "kestra.kafka.message-protection.soft-limit"
    assert "add 'enabled: true' to be sure it applies" in info["message"]
    _, found = validate(tmp_path, protection("      enabled: true\n      soft-limit: 1048576\n"))
    assert only(found, "message-protection-not-enabled") == []


def test_the_example_tree_is_clean() -> None:
    run = kkc("validate", "--all", "--format", "json", cwd=REPO)
    assert [d for d in json.loads(run.out)["diagnostics"] if d["rule"] in FAMILY] == []
