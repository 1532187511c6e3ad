"""Logger rules as a user meets them: `kkc validate` on configs with kestra.kafka.client.loggers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compiler.rules import REGISTRY
from tests.conftest import REPO, kkc
from tests.rules.helpers import family_validator, only

FAMILY = {r.id for r in REGISTRY.values() if r.family == "loggers"}


validate = family_validator("loggers")


HEAD = 'kestra:\n  kafka:\n    client:\n      properties:\n        bootstrap.servers: "kafka:9092"\n      loggers:\n'

DOC_PAGE = HEAD + (
    "        - level: INFO\n"
    "          type: PRODUCER\n"
    '          topic-regexp: "kestra_(executions|workertaskresult)"\n'
    "          key-regexp: .*parallel.*\n"
    "          value-regexp: .*parallel.*\n"
)


def test_example_conf_has_no_loggers_findings() -> None:
    run = kkc("validate", "--all", "--format", "json", cwd=REPO)
    assert [d for d in json.loads(run.out)["diagnostics"] if d["rule"] in FAMILY] == []


def test_doc_page_logger_gets_the_performance_info_and_its_dead_alternative(tmp_path: Path) -> None:
    code, found = validate(tmp_path, DOC_PAGE)
    assert code == 0
    by_rule = {d["rule"]: d for d in found}
    assert set(by_rule) == {"loggers-performance", "logger-topic-regexp-dead-alternative"}
    info, dead = by_rule["loggers-performance"], by_rule["logger-topic-regexp-dead-alternative"]
    assert info["rule"] == "loggers-performance" and info["level"] == "info"
    assert (info["line"], info["column"]) == (6, 7)
    assert "1 Kafka logger is configured" in info["message"]
    assert "io.kestra.runner.kafka.AbstractInterceptor" in info["message"]
    # the page's kestra_(executions|workertaskresult): 'executions' never matches kestra_execution
    assert dead["rule"] == "logger-topic-regexp-dead-alternative" and dead["level"] == "warning"
    assert "the alternative 'executions' matches no topic" in dead["message"]
    assert "did you mean 'kestra_execution'?" in dead["message"]


def test_topic_regexp_matching_no_topic_shows_the_names_tried(tmp_path: Path) -> None:
    _, found = validate(tmp_path, HEAD + '        - level: DEBUG\n          topic-regexp: "kestra_executions"\n')
    [warning] = only(found, "logger-topic-regexp-matches-nothing")
    assert warning["level"] == "warning"
    assert warning["key"] == "kestra.kafka.client.loggers.0.topic-regexp"
    assert (warning["line"], warning["column"]) == (8, 11)
    assert "WHOLE topic name" in warning["message"]
    assert "tried on: kestra_execution, " in warning["message"]
    assert "Did you mean 'kestra_execution'?" in warning["message"]


def test_topic_regexp_is_tried_on_the_target_topic_names(tmp_path: Path) -> None:
    text = (
        HEAD
        + '        - level: DEBUG\n          topic-regexp: "uat_kestra_.*"\n'
        + '    defaults:\n      topic-prefix: "uat_kestra_"\n'
    )
    _, found = validate(tmp_path, text)
    assert only(found, "logger-topic-regexp-matches-nothing") == []


@pytest.mark.parametrize("level", ["INFO", "debug", "Trace", "WARN"])
def test_levels_micronaut_binds(tmp_path: Path, level: str) -> None:
    _, found = validate(tmp_path, HEAD + f"        - level: {level}\n")
    assert only(found, "logger-level-invalid") == []


def test_bad_and_missing_levels_are_errors(tmp_path: Path) -> None:
    text = HEAD + "        - level: WARNING\n        - type: CONSUMER\n"
    code, found = validate(tmp_path, text)
    assert code == 1
    bad, missing = only(found, "logger-level-invalid")
    assert bad["key"] == "kestra.kafka.client.loggers.0.level" and "did you mean WARN?" in bad["message"]
    assert missing["key"] == "kestra.kafka.client.loggers.1" and "has no level" in missing["message"]


def test_type_must_be_a_kestra_logger_type(tmp_path: Path) -> None:
    text = HEAD + "        - level: INFO\n          type: producer-ack\n        - level: INFO\n          type: COMMIT\n"
    _, found = validate(tmp_path, text)
    [error] = only(found, "logger-type-invalid")
    assert error["key"] == "kestra.kafka.client.loggers.1.type"
    assert "CONSUMER_COMMIT" in error["message"]


def test_unknown_logger_key_suggests_the_kebab_case_name(tmp_path: Path) -> None:
    _, found = validate(tmp_path, HEAD + "        - level: INFO\n          topic_regexp: kestra_logs\n")
    [warning] = only(found, "logger-unknown-key")
    assert "did you mean 'topic-regexp'?" in warning["message"]


def test_camel_case_logger_key_is_bound_and_checked(tmp_path: Path) -> None:
    _, found = validate(tmp_path, HEAD + '        - level: INFO\n          topicRegexp: "nope"\n')
    assert only(found, "logger-unknown-key") == []
    assert len(only(found, "logger-topic-regexp-matches-nothing")) == 1


def test_invalid_regexp_is_an_error(tmp_path: Path) -> None:
    code, found = validate(tmp_path, HEAD + '        - level: INFO\n          key-regexp: "exec(ution"\n')
    assert code == 1
    [error] = only(found, "logger-regexp-invalid")
    assert "missing ), unterminated subpattern" in error["message"]


def test_interceptor_classes_with_loggers_is_one_warning(tmp_path: Path) -> None:
    text = DOC_PAGE.replace("        bootstrap", "        interceptor.classes: com.acme.Audit\n        bootstrap")
    _, found = validate(tmp_path, text)
    [warning] = only(found, "loggers-interceptors-replaced")
    assert warning["key"] == "kestra.kafka.client.properties.interceptor.classes"
    assert "Kestra replaces it" in warning["message"]
