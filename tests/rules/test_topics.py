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


def test_unknown_topic_key_suggests_the_close_one(tmp_path: Path) -> None:
    code, found = validate(tmp_path, "kestra:\n  kafka:\n    topics:\n      executions:\n        partitions: 32\n")
    assert code == 0
    [warning] = only(found, "unknown-topic-key")
    assert (warning["line"], warning["column"]) == (4, 7)
    assert "did you mean 'execution'?" in warning["message"]
    _, found = validate(tmp_path, "kestra:\n  kafka:\n    topics:\n      flow-last:\n        partitions: 4\n")
    assert "did you mean 'flowlast'?" in only(found, "unknown-topic-key")[0]["message"]


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
