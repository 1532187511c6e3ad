"""The referential topics keep every record: what `kkc validate` says when a config would delete them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compiler.rules import REGISTRY
from tests.conftest import CASES, REPO, kkc
from tests.rules.helpers import family_validator

FAMILY = {r.id for r in REGISTRY.values() if r.family == "data-safety"}


validate = family_validator("data-safety", "--brokers", "1")


def topic(key: str, **properties: str) -> str:
    lines = "".join(f'          {k.replace("_", ".")}: "{v}"\n' for k, v in properties.items())
    return f"kestra:\n  kafka:\n    topics:\n      {key}:\n        properties:\n{lines}"


@pytest.mark.parametrize(("key", "lost"), [("trigger", "triggers"), ("flowlast", "flows"), ("template", "templates")])
def test_a_delete_policy_with_the_default_retention_is_an_error(tmp_path: Path, key: str, lost: str) -> None:
    text = topic(key, cleanup_policy="compact,delete", retention_ms="604800000")
    code, found = validate(tmp_path, text)
    assert code == 1
    [error] = found
    assert error["level"] == "error"
    assert (error["line"], error["column"]) == (6, 11)  # the cleanup.policy the user wrote
    assert f"Kestra loses {lost}" in error["message"] and "7 days" in error["message"]


def test_a_delete_policy_on_trigger_with_the_declared_broker_retention_is_an_error(tmp_path: Path) -> None:
    head = "cluster:\n  broker-defaults:\n    log.retention.hours: 168\n"
    code, found = validate(tmp_path, head + topic("trigger", cleanup_policy="delete"))
    [error] = found
    assert (code, error["level"]) == (1, "error")
    assert error["message"].startswith(
        "cleanup.policy 'delete' with retention.ms 604800000 (7 days, the broker's log.retention.hours from "
        "cluster.broker-defaults): Kafka deletes old records, and Kestra loses triggers"
    )


def test_a_delete_policy_on_trigger_with_an_undeclared_broker_retention_names_it(tmp_path: Path) -> None:
    """Records are deleted unless the brokers keep them forever: a real risk, whatever they run with."""
    code, found = validate(tmp_path, topic("trigger", cleanup_policy="delete"))
    [warning] = found
    assert (code, warning["level"], warning["line"]) == (0, "warning", 6)
    assert warning["message"] == (
        "cleanup.policy 'delete' with no retention of its own: the brokers' log.retention.* decides what Kafka "
        "deletes, and it is not declared; with Kafka's default (7 days) or any finite retention, Kestra loses "
        "triggers; declare cluster.broker-defaults.log.retention.hours to have it checked (topic 'trigger': "
        "referential data Kestra must keep forever); keep Kestra's cleanup.policy 'compact' and retention.ms -1 on "
        "flow, flowlast, template, trigger and execution: remove this setting"
    )
    # a finite retention.bytes deletes whatever the brokers' retention is
    code, found = validate(tmp_path, topic("trigger", cleanup_policy="delete", retention_bytes="1073741824"))
    [error] = found
    assert (code, error["level"]) == (1, "error")
    assert error["message"].startswith("cleanup.policy 'delete' with retention.bytes 1073741824: Kafka deletes")


def test_the_doc_pages_execution_retention_is_a_warning_that_it_expires_nothing(tmp_path: Path) -> None:
    """Kafka applies retention only under 'delete': nothing is lost, and nothing is expired either."""
    code, found = validate(tmp_path, topic("execution", retention_ms="86400000"))
    assert code == 0
    [warning] = found
    assert warning["level"] == "warning"
    assert warning["key"] == "kestra.kafka.topics.execution.properties.retention.ms"
    assert warning["message"].startswith(
        "retention.ms 86400000 does not limit topic 'execution': Kafka applies retention only under cleanup.policy "
        "'delete', and the policy is 'compact', so executions are kept forever; if 'delete' is ever added to the "
        "policy, Kestra loses executions older than that"
    )


def test_a_delete_policy_with_unlimited_retention_is_a_warning(tmp_path: Path) -> None:
    code, found = validate(tmp_path, topic("flow", cleanup_policy="delete"))
    [warning] = found
    assert code == 0 and warning["level"] == "warning" and "retention is unlimited" in warning["message"]


def test_a_topic_defaults_retention_is_reported_once_at_the_defaults(tmp_path: Path) -> None:
    text = (
        "kestra:\n  kafka:\n    defaults:\n      topic:\n        properties:\n"
        '          retention.ms: "86400000"\n          cleanup.policy: "delete"\n'
    )
    _, found = validate(tmp_path, text)
    # flow, flowlast, template and execution set retention.ms=-1 themselves; every referential topic
    # keeps its own cleanup.policy compact, so only trigger inherits (a retention it ignores)
    [warning] = found
    assert warning["level"] == "warning"
    assert warning["key"] == "kestra.kafka.defaults.topic.properties.retention.ms"
    assert "does not limit topic 'trigger'" in warning["message"]
    # and what it does limit: the topics with a delete policy that inherit it
    assert (
        "(it does limit 8 topics with a delete policy: executor, killed, executorflowtrigger, "
        "executorworkertaskexecution, workertask, workertaskresult, workertaskrunning, logentry)"
    ) in warning["message"]


def test_other_topics_and_run_time_values_are_left_alone(tmp_path: Path) -> None:
    assert validate(tmp_path, topic("logentry", retention_ms="86400000"))[1] == []
    assert validate(tmp_path, topic("execution", retention_ms="${RETENTION}"))[1] == []


def test_a_delete_policy_with_a_run_time_retention_is_a_warning(tmp_path: Path) -> None:
    code, found = validate(tmp_path, topic("execution", cleanup_policy="delete", retention_ms="${RETENTION}"))
    [warning] = found
    assert code == 0 and warning["level"] == "warning"
    assert "'${RETENTION}', known only at run time" in warning["message"]


def test_the_doc_variant_case_is_clean() -> None:
    # its execution topic sets retention.ms "-1" through the doc page's defaults.topics path
    run = kkc("validate", "--config-dir", str(CASES / "doc-variant" / "conf"), "env=dev", "--format", "json")
    assert [d for d in json.loads(run.out)["diagnostics"] if d["rule"] in FAMILY] == []


def test_the_example_tree_is_clean() -> None:
    run = kkc("validate", "--all", "--format", "json", cwd=REPO)
    assert [d for d in json.loads(run.out)["diagnostics"] if d["rule"] in FAMILY] == []
