"""Topic names, prefixes, topic keys and instances sharing a cluster, as `kkc validate` reports them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from compiler.rules import REGISTRY
from tests.conftest import CASES, REPO, kkc

FAMILY = {r.id for r in REGISTRY.values() if r.family == "topics"}


def validate(tmp_path: Path, *texts: str, args: tuple[str, ...] = ()) -> tuple[int, list[dict[str, Any]]]:
    names = []
    for index, text in enumerate(texts):
        name = f"k{index}.yml"
        (tmp_path / name).write_text(text)
        names.append(name)
    run = kkc("validate", *names, "--format", "json", "--brokers", "1", *args, cwd=tmp_path)
    assert run.code in (0, 1), run.err
    return run.code, [d for d in json.loads(run.out)["diagnostics"] if d["rule"] in FAMILY]


def only(diagnostics: list[dict[str, Any]], rule: str) -> list[dict[str, Any]]:
    return [d for d in diagnostics if d["rule"] == rule]


def prefixes(topic: str, consumer: str | None = None) -> str:
    consumer = topic if consumer is None else consumer
    return f'kestra:\n  kafka:\n    defaults:\n      topic-prefix: "{topic}"\n      consumer-prefix: "{consumer}"\n'


def test_a_name_the_user_wrote_is_reported_at_that_name(tmp_path: Path) -> None:
    code, found = validate(tmp_path, "kestra:\n  kafka:\n    topics:\n      logentry:\n        name: kestra logs!\n")
    assert code == 1
    [error] = only(found, "topic-name-invalid")
    assert (error["line"], error["column"], error["key"]) == (5, 9, "kestra.kafka.topics.logentry.name")
    assert "' ', '!'" in error["message"]


@pytest.mark.parametrize("prefix", ["uat kestra_", "x" * 240])
def test_a_bad_prefix_is_reported_once_at_the_prefix(tmp_path: Path, prefix: str) -> None:
    _, found = validate(tmp_path, prefixes(prefix, "uat_kestra_"))
    [error] = only(found, "topic-name-invalid")
    assert error["key"] == "kestra.kafka.defaults.topic-prefix" and error["line"] == 4
    assert "invalid topic name(s)" in error["message"]


@pytest.mark.parametrize(
    ("name", "problem"),
    [(".", "reserved"), ("..", "reserved"), ("x" * 250, "limit of 249 characters")],
)
def test_reserved_and_long_names(tmp_path: Path, name: str, problem: str) -> None:
    _, found = validate(tmp_path, f'kestra:\n  kafka:\n    topics:\n      flow:\n        name: "{name}"\n')
    [error] = only(found, "topic-name-invalid")
    assert problem in error["message"]


def test_run_time_placeholders_are_checked_around(tmp_path: Path) -> None:
    good = 'kestra:\n  kafka:\n    topics:\n      flow:\n        name: "${ENV}_flow"\n'
    bad = 'kestra:\n  kafka:\n    topics:\n      flow:\n        name: "${ENV} flow"\n'
    assert only(validate(tmp_path, good)[1], "topic-name-invalid") == []
    assert len(only(validate(tmp_path, bad)[1], "topic-name-invalid")) == 1


def test_duplicate_names_are_reported_at_the_name_the_user_wrote(tmp_path: Path) -> None:
    _, found = validate(tmp_path, "kestra:\n  kafka:\n    topics:\n      logentry:\n        name: kestra_execution\n")
    [error] = only(found, "topic-name-duplicate")
    assert error["key"] == "kestra.kafka.topics.logentry.name"
    assert "is also the name of topic 'execution'" in error["message"]


def test_dot_and_underscore_collide(tmp_path: Path) -> None:
    _, found = validate(tmp_path, "kestra:\n  kafka:\n    topics:\n      logentry:\n        name: kestra.execution\n")
    [error] = only(found, "topic-name-duplicate")
    assert "'.' and '_' as the same character" in error["message"]


def test_prefix_without_separator(tmp_path: Path) -> None:
    code, found = validate(tmp_path, prefixes("uat_kestra"))
    assert code == 0
    warnings = only(found, "prefix-missing-separator")
    assert [(w["key"], w["line"]) for w in warnings] == [
        ("kestra.kafka.defaults.topic-prefix", 4),
        ("kestra.kafka.defaults.consumer-prefix", 5),
    ]
    assert "'uat_kestraexecution'" in warnings[0]["message"] and "('uat_kestra_')" in warnings[0]["message"]
    assert "'uat_kestraexecutor_main'" in warnings[1]["message"]


def test_prefix_ending_in_a_run_time_placeholder_is_not_judged(tmp_path: Path) -> None:
    _, found = validate(tmp_path, prefixes("kestra_${ENV}"))
    assert only(found, "prefix-missing-separator") == []


def test_different_prefixes_with_the_default_executor_name(tmp_path: Path) -> None:
    code, found = validate(tmp_path, prefixes("uat_", "kestra_"))
    assert code == 1
    [error] = only(found, "executor-topic-prefix-mismatch")
    assert error["key"] == "kestra.kafka.defaults.topic-prefix"
    assert "'kestra_executor_main-executor-changelog'" in error["message"]
    fixed = prefixes("uat_", "kestra_") + (
        "    topics:\n      executor:\n        name: kestra_executor_main-executor-changelog\n"
    )
    assert only(validate(tmp_path, fixed)[1], "executor-topic-prefix-mismatch") == []


def test_only_the_consumer_prefix_changed_points_at_it(tmp_path: Path) -> None:
    _, found = validate(tmp_path, 'kestra:\n  kafka:\n    defaults:\n      consumer-prefix: "uat_"\n')
    [error] = only(found, "executor-topic-prefix-mismatch")
    assert error["key"] == "kestra.kafka.defaults.consumer-prefix" and error["file"] == "k0.yml"


def _topic(key: str) -> str:
    return f"kestra:\n  kafka:\n    topics:\n      {key}:\n        partitions: 32\n"


def test_unknown_topic_key_up_to_0_6_is_a_warning_with_a_suggestion(tmp_path: Path) -> None:
    """The open-source runner bound exactly 15 keys: anything else is ignored."""
    code, found = validate(tmp_path, _topic("executions"), args=("--kestra-version", "0.6"))
    assert code == 0
    [warning] = only(found, "unknown-topic-key")
    assert (warning["level"], warning["line"], warning["column"]) == ("warning", 4, 7)
    assert warning["message"] == (
        "'executions' is not a topic key of Kestra 0.6: Kestra ignores its settings; did you mean 'execution'?"
    )
    _, found = validate(tmp_path, _topic("flow-last"), args=("--kestra-version", "0.6"))
    assert "did you mean 'flowlast'?" in only(found, "unknown-topic-key")[0]["message"]
    _, found = validate(tmp_path, _topic("workerjob"), args=("--kestra-version", "0.6"))
    [warning] = only(found, "unknown-topic-key")
    assert warning["level"] == "warning" and "(Kestra's topic keys: execution, flow, " in warning["message"]


@pytest.mark.parametrize(
    ("key", "meant", "why"),
    [
        ("executions", "execution", "is so close to 'execution' that it is most likely a typo"),
        ("flow_last", "flowlast", "is how topic 'flowlast' is named (<topic-prefix>flow_last), not its key"),
        ("logs", "logentry", "is how topic 'logentry' is named (<topic-prefix>logs), not its key"),
    ],
)
def test_enterprise_near_misses_stay_warnings(tmp_path: Path, key: str, meant: str, why: str) -> None:
    _, found = validate(tmp_path, _topic(key))  # the default: Kestra 1.3 Enterprise
    [warning] = only(found, "unknown-topic-key")
    assert warning["level"] == "warning"
    assert warning["message"] == (
        f"'{key}' {why}: Kestra ignores the settings under it and topic '{meant}' keeps its defaults; write '{meant}'"
    )


def test_an_enterprise_key_kkc_cannot_know_is_an_info(tmp_path: Path) -> None:
    code, found = validate(tmp_path, _topic("workerjob"), args=("--kestra-version", "0.7"))
    assert code == 0
    [info] = only(found, "unknown-topic-key")
    assert info["level"] == "info"
    assert info["message"] == (
        "'workerjob' is not one of the 15 topic keys of Kestra's last open-source Kafka runner (0.6); Kestra 0.7 "
        "Enterprise uses more topics, whose keys are not public, so kkc cannot verify it: if it is a typo, Kestra "
        "silently ignores its settings"
    )


CLS = "kestra:\n  kafka:\n    topics:\n      {0}:\n        cls: {1}\n"


@pytest.mark.parametrize(
    ("version", "cls", "why"),
    [
        (
            "1.3",
            "io.kestra.core.runners.WorkerTaskExecution",
            "io.kestra.core.runners.WorkerTaskExecution was removed in Kestra 0.14 (its last release with it: 0.13)",
        ),
        (
            "0.14",
            "io.kestra.core.runners.WorkerTaskExecution",
            "Kestra 0.14 has no class io.kestra.core.runners.WorkerTaskExecution (its last release with it: 0.13)",
        ),
        (
            "0.7",
            "io.kestra.runner.kafka.streams.ExecutorFlowTrigger",
            "io.kestra.runner.kafka.* is the open-source Kafka runner of Kestra 0.6 and earlier; from 0.7 the runner "
            "is Enterprise-only, in other packages",
        ),
        (
            "0.9",
            "io.kestra.core.runners.WorkerJob",
            "Kestra 0.9 has no class io.kestra.core.runners.WorkerJob (it arrives in 0.10)",
        ),
        (
            "1.3",
            "io.kestra.core.models.executions.Executon",
            "no Kestra release kkc has seen (0.4-0.20) has io.kestra.core.models.executions.Executon; did you mean "
            "io.kestra.core.models.executions.Execution?",
        ),
    ],
)
def test_a_cls_the_kestra_version_does_not_have(tmp_path: Path, version: str, cls: str, why: str) -> None:
    key = "executorworkertaskexecution"
    _, found = validate(tmp_path, CLS.format(key, cls), args=("--kestra-version", version))
    [warning] = only(found, "topic-cls-not-in-kestra-version")
    assert (warning["level"], warning["line"], warning["column"]) == ("warning", 5, 9)
    assert warning["message"] == (
        f"topic '{key}' cls: {why}; the entry names no class Kestra {version} uses: remove cls or name this "
        "release's class"
    )


@pytest.mark.parametrize(
    "cls",
    [
        "io.kestra.core.runners.WorkerTaskExecution",  # it exists in 0.6
        "io.kestra.ee.runner.kafka.SomeEnterpriseClass",  # the Enterprise Edition's classes are not public
        "com.example.kestra.MyMessage",  # a plug-in's own
    ],
)
def test_a_cls_kkc_cannot_judge_is_left_alone(tmp_path: Path, cls: str) -> None:
    version = "0.6" if cls.startswith("io.kestra.core") else "1.3"
    _, found = validate(tmp_path, CLS.format("executorworkertaskexecution", cls), args=("--kestra-version", version))
    assert only(found, "topic-cls-not-in-kestra-version") == []


def test_two_topics_with_one_cls(tmp_path: Path) -> None:
    text = CLS.format("execution", "io.kestra.core.models.executions.Execution") + (
        "      killed:\n        cls: io.kestra.core.models.executions.Execution\n"
    )
    _, found = validate(tmp_path, text)
    [warning] = only(found, "topic-cls-shared")
    assert (warning["key"], warning["line"]) == ("kestra.kafka.topics.killed.cls", 7)
    assert warning["message"].startswith(
        "topics 'execution' and 'killed' both have cls io.kestra.core.models.executions.Execution: "
    )


@pytest.mark.parametrize(
    ("prefixes", "name", "changelog"),
    [
        ("", "kestra_executor", "kestra_executor_main-executor-changelog"),
        # the same prefixes, still not the changelog: the name alone decides
        (
            "      topic-prefix: acme_\n      consumer-prefix: acme_\n",
            "acme_executor",
            "acme_executor_main-executor-changelog",
        ),
        # the topic prefix used, not the consumer prefix Streams names it with
        (
            "      topic-prefix: t_\n      consumer-prefix: c_\n",
            "t_executor_main-executor-changelog",
            "c_executor_main-executor-changelog",
        ),
    ],
)
def test_an_executor_topic_pinned_to_another_name_is_an_error(
    tmp_path: Path, prefixes: str, name: str, changelog: str
) -> None:
    defaults = f"    defaults:\n{prefixes}" if prefixes else ""
    text = f"kestra:\n  kafka:\n{defaults}    topics:\n      executor:\n        name: {name}\n"
    code, found = validate(tmp_path, text)
    assert code == 1
    [error] = only(found, "executor-topic-name-not-changelog")
    assert f"always '{changelog}': Kestra's executor reads a topic nothing writes" in error["message"]
    assert only(found, "executor-topic-prefix-mismatch") == []
    fixed = text.replace(f"name: {name}", f"name: {changelog}")
    assert only(validate(tmp_path, fixed)[1], "executor-topic-name-not-changelog") == []


SERVERS = 'kestra:\n  kafka:\n    client:\n      properties:\n        bootstrap.servers: "{0}"\n'


def test_two_files_on_one_cluster_with_the_same_prefixes(tmp_path: Path) -> None:
    code, found = validate(tmp_path, SERVERS.format("k1:9092,k2:9092"), SERVERS.format("K2:9092"))
    assert code == 1
    errors = only(found, "shared-cluster-prefix-collision")
    assert sorted((e["target"], e["message"].split(" ")[0]) for e in errors) == [
        ("k0.yml", "consumer-prefix"),
        ("k0.yml", "topic-prefix"),
        ("k1.yml", "consumer-prefix"),
        ("k1.yml", "topic-prefix"),
    ]
    first = next(e for e in errors if e["target"] == "k0.yml" and e["message"].startswith("topic-prefix"))
    assert "target 'k1.yml'" in first["message"] and "bootstrap server k2:9092" in first["message"]
    # Kestra's default prefix: pointed at what put both on one cluster, the user's bootstrap.servers
    assert (first["file"], first["line"]) == ("k0.yml", 5)


def test_different_clusters_or_run_time_servers_do_not_collide(tmp_path: Path) -> None:
    _, found = validate(tmp_path, SERVERS.format("k1:9092"), SERVERS.format("k2:9092"))
    assert only(found, "shared-cluster-prefix-collision") == []
    _, found = validate(tmp_path, SERVERS.format("${KAFKA}"), SERVERS.format("${KAFKA}"))
    assert only(found, "shared-cluster-prefix-collision") == []


def test_same_cluster_name_collides_at_the_users_prefix(tmp_path: Path) -> None:
    layer = "cluster:\n  name: prod\n" + prefixes("x_")
    _, found = validate(tmp_path, layer, layer)
    errors = only(found, "shared-cluster-prefix-collision")
    assert len(errors) == 4
    assert {e["key"] for e in errors} == {"kestra.kafka.defaults.topic-prefix", "kestra.kafka.defaults.consumer-prefix"}
    assert all("cluster.name 'prod'" in e["message"] for e in errors)


def test_the_same_cluster_name_over_other_bootstrap_servers_is_another_cluster(tmp_path: Path) -> None:
    named = "cluster:\n  name: prod\n"
    _, found = validate(tmp_path, named + SERVERS.format("k1:9092"), named + SERVERS.format("k2:9092"))
    assert only(found, "shared-cluster-prefix-collision") == []
    # a run-time server does not say otherwise: the name decides
    _, found = validate(tmp_path, named + SERVERS.format("k1:9092"), named + SERVERS.format("${KAFKA}"))
    [first, _, _, _] = errors = only(found, "shared-cluster-prefix-collision")
    assert all("on the same Kafka cluster (cluster.name 'prod')" in e["message"] for e in errors)
    assert (first["key"], first["line"]) == ("cluster.name", 2)


def test_an_inherited_cluster_name_is_no_collision_across_environments(tmp_path: Path) -> None:
    """config.yaml names the dev cluster; prod points its clients at other brokers but keeps the name."""
    conf = tmp_path / "conf"
    (conf / "env").mkdir(parents=True)
    (conf / "config.yaml").write_text(
        "defaults:\n  - _self_\n  - env: dev\ntargets:\n  - {env: dev}\n  - {env: prod}\n"
        "cluster:\n  name: local\n  brokers: 1\n" + SERVERS.format("localhost:9092")
    )
    (conf / "env" / "dev.yaml").write_text("# @package _global_\n")
    (conf / "env" / "prod.yaml").write_text("# @package _global_\n" + SERVERS.format("kafka-0.prod:9092"))
    run = kkc("validate", "--all", "--config-dir", str(conf), "--format", "json")
    assert [d for d in json.loads(run.out)["diagnostics"] if d["rule"] == "shared-cluster-prefix-collision"] == []
    assert run.code == 0
    # the same name and prod's servers known only at run time: nothing says they differ, so they collide
    (conf / "env" / "prod.yaml").write_text("# @package _global_\n" + SERVERS.format("${KAFKA_BOOTSTRAP}"))
    run = kkc("validate", "--all", "--config-dir", str(conf))
    assert run.code == 1
    assert "error [shared-cluster-prefix-collision] topic-prefix 'kestra_' is also the topic-prefix of target " in (
        run.out
    )
    assert "on the same Kafka cluster (cluster.name 'local')" in run.out


def test_bootstrap_servers_overlapping_through_a_third_target_are_one_cluster(tmp_path: Path) -> None:
    middle = SERVERS.format("k2:9092,k3:9092") + "    defaults:\n      topic-prefix: b_\n      consumer-prefix: b_\n"
    _, found = validate(tmp_path, SERVERS.format("k1:9092,k2:9092"), middle, SERVERS.format("k3:9092,k4:9092"))
    errors = only(found, "shared-cluster-prefix-collision")
    assert sorted({e["target"] for e in errors}) == ["k0.yml", "k2.yml"]
    assert all("(bootstrap servers that other targets share with both)" in e["message"] for e in errors)


def test_shared_cluster_case_is_clean_and_breaks_when_prefixes_match(tmp_path: Path) -> None:
    conf = tmp_path / "conf"
    shutil.copytree(CASES / "shared-cluster" / "conf", conf)
    run = kkc("validate", "--all", "--config-dir", str(conf), "--format", "json")
    assert not [d for d in json.loads(run.out)["diagnostics"] if d["rule"] in FAMILY]
    green = conf / "instance" / "green.yaml"
    green.write_text(green.read_text().replace("green_kestra_", "blue_kestra_"))
    run = kkc("validate", "--all", "--config-dir", str(conf), "--format", "json")
    errors = [d for d in json.loads(run.out)["diagnostics"] if d["rule"] == "shared-cluster-prefix-collision"]
    assert {(e["target"], e["file"].rsplit("/", 1)[-1]) for e in errors} == {
        ("prod/blue", "blue.yaml"),
        ("prod/green", "green.yaml"),
    }
    assert run.code == 1


def test_the_example_tree_is_clean() -> None:
    run = kkc("validate", "--all", "--format", "json", cwd=REPO)
    found = [d for d in json.loads(run.out)["diagnostics"] if d["rule"] in FAMILY]
    assert found == []
