"""Replication rules as a user meets them: `kkc validate file.yml` on small Kestra configs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compiler.rules import REGISTRY
from tests.conftest import REPO, kkc
from tests.rules.helpers import family_validator, only

FAMILY = {r.id for r in REGISTRY.values() if r.family == "replication"}


validate = family_validator("replication")


RF3_ONE_BROKER = """\
cluster:
  name: laptop
  brokers: 1
kestra:
  kafka:
    defaults:
      topic:
        replication-factor: 3
"""


def test_replication_factor_above_brokers_is_one_error_at_the_defaults_key(tmp_path: Path) -> None:
    code, found = validate(tmp_path, RF3_ONE_BROKER)
    assert code == 1
    [error] = only(found, "replication-factor-exceeds-brokers")
    assert error["level"] == "error"
    assert (error["file"], error["line"], error["column"]) == ("kestra.yml", 8, 9)
    assert error["key"] == "kestra.kafka.defaults.topic.replication-factor"
    assert "the 1 broker of cluster 'laptop'" in error["message"]
    assert "used by 15 topics" in error["message"]
    assert "at most 1" in error["message"]


def test_topics_with_their_own_factor_get_their_own_finding_and_references_do_not(tmp_path: Path) -> None:
    text = RF3_ONE_BROKER + (
        "    topics:\n"
        "      execution:\n"
        "        replication-factor: 2\n"
        "      flow:\n"
        '        replication-factor: "${kestra.kafka.defaults.topic.replication-factor}"\n'
    )
    _, found = validate(tmp_path, text)
    errors = only(found, "replication-factor-exceeds-brokers")
    assert sorted(d["key"] for d in errors) == [
        "kestra.kafka.defaults.topic.replication-factor",
        "kestra.kafka.topics.execution.replication-factor",
    ]
    topic = next(d for d in errors if "execution" in d["key"])
    assert topic["line"] == 11 and "topic 'execution' replication factor 2" in topic["message"]
    default = next(d for d in errors if "defaults" in d["key"])
    assert "used by 14 topics" in default["message"]  # flow's reference counts as the default


def test_factor_below_brokers_warns_with_the_risk(tmp_path: Path) -> None:
    text = "cluster:\n  brokers: 3\nkestra:\n  kafka:\n    defaults:\n      topic:\n        replication-factor: 1\n"
    code, found = validate(tmp_path, text)
    assert code == 0
    [warning] = only(found, "replication-factor-below-brokers")
    assert warning["level"] == "warning" and warning["line"] == 7
    assert "no redundancy" in warning["message"] and "set it to 3" in warning["message"]
    (tmp_path / "kestra.yml").write_text(text)
    assert kkc("validate", "kestra.yml", "--strict", cwd=tmp_path).code == 1


def test_kestra_default_factor_is_named_as_such(tmp_path: Path) -> None:
    _, found = validate(tmp_path, "kestra:\n  queue:\n    type: kafka\n", "--brokers", "3")
    [warning] = only(found, "replication-factor-below-brokers")
    # Reported where the user made it a problem, naming the default it is about.
    assert warning["file"] == "<option --brokers>"
    assert warning["message"].startswith("Kestra's default topic replication factor 1")
    assert warning["message"].endswith("(the value is Kestra's default, <kestra-defaults>:13:9)")


def test_a_default_made_a_problem_by_a_declared_broker_count_points_at_it(tmp_path: Path) -> None:
    _, found = validate(tmp_path, "cluster:\n  brokers: 3\nkestra:\n  queue:\n    type: kafka\n")
    [warning] = only(found, "replication-factor-below-brokers")
    assert (warning["line"], warning["column"]) == (2, 3)
    assert warning["file"].endswith("kestra.yml")


def test_no_broker_count_skips_the_broker_checks_and_says_so(tmp_path: Path) -> None:
    text = "kestra:\n  kafka:\n    defaults:\n      topic:\n        replication-factor: 3\n"
    code, found = validate(tmp_path, text)
    assert code == 0
    [info] = found
    assert info["rule"] == "brokers-not-declared" and info["level"] == "info"
    assert "replication-factor-exceeds-brokers" in info["message"]
    assert "at least 3 brokers" in info["message"]
    assert "--brokers N" in info["message"]
    _, declared = validate(tmp_path, text, "--brokers", "3")
    assert only(declared, "brokers-not-declared") == []


def test_streams_replication_factor_mismatch(tmp_path: Path) -> None:
    text = (
        "cluster:\n  brokers: 3\nkestra:\n  kafka:\n    defaults:\n      topic:\n        replication-factor: 3\n"
        "      stream:\n        properties:\n          replication.factor: 1\n"
    )
    _, found = validate(tmp_path, text)
    [warning] = only(found, "streams-replication-factor-mismatch")
    assert warning["key"] == "kestra.kafka.defaults.stream.properties.replication.factor"
    assert warning["line"] == 10
    assert "differs from the topic default replication factor 3" in warning["message"]


def test_streams_replication_factor_minus_one_is_the_brokers_default(tmp_path: Path) -> None:
    text = (
        "cluster:\n  brokers: 3\n{0}kestra:\n  kafka:\n    defaults:\n      topic:\n        replication-factor: 3\n"
        "      stream:\n        properties:\n          replication.factor: -1\n"
    )
    _, found = validate(tmp_path, text.format(""))
    [info] = only(found, "streams-replication-factor-mismatch")
    assert (info["level"], info["line"]) == ("info", 10)
    assert info["message"] == (
        "Streams replication.factor -1 differs from the topic default replication factor 3: Streams creates its "
        "changelog and repartition topics with the broker's default.replication.factor, Kestra's own topics get 3; "
        "whether the two differ depends on the brokers' default.replication.factor, which is not declared: declare "
        "cluster.broker-defaults.default.replication.factor to have it checked"
    )
    declared = "  broker-defaults:\n    default.replication.factor: {0}\n"
    _, found = validate(tmp_path, text.format(declared.format(3)))
    assert only(found, "streams-replication-factor-mismatch") == []
    _, found = validate(tmp_path, text.format(declared.format(1)))
    [warning] = only(found, "streams-replication-factor-mismatch")
    assert warning["level"] == "warning"
    assert "with the broker's default.replication.factor (1), Kestra's own topics get 3" in warning["message"]


@pytest.mark.parametrize(
    ("insync", "level", "wanted"),
    [
        (2, None, None),
        (3, "warning", "is equal to the replication factor 3 of all 15 topics"),
        (4, "error", "is above the replication factor 3 of all 15 topics"),
    ],
)
def test_min_insync_replicas_against_the_factor(tmp_path: Path, insync: int, level: str | None, wanted: str) -> None:
    """Equal: writes stop while a replica is down (a warning); above: no write ever succeeds (an error)."""
    text = (
        "cluster:\n  brokers: 3\nkestra:\n  kafka:\n    defaults:\n      topic:\n        replication-factor: 3\n"
        f"        properties:\n          min.insync.replicas: {insync}\n"
    )
    code, found = validate(tmp_path, text)
    findings = only(found, "min-insync-replicas-not-below-replication-factor")
    if level is None:
        assert findings == [] and code == 0
        return
    [finding] = findings  # one finding for the shared cause, not one per topic
    assert finding["level"] == level and code == (1 if level == "error" else 0)
    assert finding["line"] == 9 and wanted in finding["message"]
    assert "kestra.yml:7:9" in finding["message"]  # where the replication factor was set


def test_min_insync_from_the_broker_defaults(tmp_path: Path) -> None:
    text = (
        "cluster:\n  brokers: 2\n  broker-defaults:\n    min.insync.replicas: 2\n"
        "kestra:\n  kafka:\n    defaults:\n      topic:\n        replication-factor: 2\n"
    )
    _, found = validate(tmp_path, text)
    [error] = only(found, "min-insync-replicas-not-below-replication-factor")
    assert error["key"] == "cluster.broker-defaults.min.insync.replicas"


def test_single_replica_with_min_insync_one_is_not_an_error(tmp_path: Path) -> None:
    text = "kestra:\n  kafka:\n    defaults:\n      topic:\n        properties:\n          min.insync.replicas: 1\n"
    _, found = validate(tmp_path, text, "--brokers", "1")
    assert only(found, "min-insync-replicas-not-below-replication-factor") == []


def test_exactly_once_with_a_declared_transaction_log_factor(tmp_path: Path) -> None:
    text = "cluster:\n  brokers: 2\n  broker-defaults:\n    transaction.state.log.replication.factor: 3\n"
    _, found = validate(tmp_path, text)
    [warning] = only(found, "exactly-once-few-brokers")
    assert warning["level"] == "warning"
    assert "processing.guarantee exactly_once_v2" in warning["message"]
    assert "at_least_once" in warning["message"]
    lowered = text.replace("factor: 3", "factor: 2")
    _, found = validate(tmp_path, lowered)
    assert only(found, "exactly-once-few-brokers") == []


def test_exactly_once_on_a_small_cluster_states_the_assumption(tmp_path: Path) -> None:
    _, found = validate(tmp_path, "cluster:\n  brokers: 1\n")
    [info] = only(found, "exactly-once-few-brokers")
    assert info["level"] == "info" and "kkc assumes the broker lowered" in info["message"]
    at_least_once = (
        "cluster:\n  brokers: 1\nkestra:\n  kafka:\n    defaults:\n      stream:\n        properties:\n"
        "          processing.guarantee: at_least_once\n"
    )
    _, found = validate(tmp_path, at_least_once)
    assert only(found, "exactly-once-few-brokers") == []


def test_the_example_tree_is_clean() -> None:
    run = kkc("validate", "--all", "--format", "json", cwd=REPO)
    found = [d for d in json.loads(run.out)["diagnostics"] if d["rule"] in FAMILY and d["level"] != "info"]
    assert found == []
