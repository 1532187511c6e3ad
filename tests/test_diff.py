"""`kkc diff`: every risk class on real before/after pairs, both kinds of sides, exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, kkc

BASE = ["env=prod", "instance=eu1"]


def changes(*after: str, before: tuple[str, ...] = ()) -> list[dict]:
    run = kkc("diff", *BASE, *before, "--format", "json", "--", *BASE, *after, cwd=REPO)
    assert run.code in (0, 1), run.err
    return json.loads(run.out)["changes"]


def risk_of(found: list[dict], section: str, key: str) -> tuple[str, str]:
    match = [c for c in found if c["section"] == section and c["key"] == key]
    assert match, f"no change {section}/{key} in {found}"
    return match[0]["risk"], match[0]["reason"]


@pytest.mark.parametrize(
    ("after", "section", "key", "risk", "reason"),
    [
        # data-loss
        (
            ["kestra.kafka.topics.logentry.properties[retention.ms]=3600000"],
            "topics",
            "logentry.properties.retention.ms",
            "data-loss",
            "retention shortened",
        ),
        (
            ["kestra.kafka.topics.workerinstance.properties[cleanup.policy]=delete"],
            "topics",
            "workerinstance.properties.cleanup.policy",
            "data-loss",
            "stops being compacted",
        ),
        (
            ["kestra.kafka.defaults.topic-prefix=eu1_prod_", "kestra.kafka.defaults.consumer-prefix=eu1_prod_"],
            "prefixes",
            "topic-prefix",
            "data-loss",
            "Kestra creates new empty topics",
        ),
        (
            ["kestra.kafka.defaults.topic-prefix=eu1_prod_", "kestra.kafka.defaults.consumer-prefix=eu1_prod_"],
            "topics",
            "execution.name",
            "data-loss",
            "new empty topic",
        ),
        (["kestra.kafka.topics.flow.name=flows_v2"], "topics", "flow.name", "data-loss", "orphaned"),
        (
            [
                "kestra.kafka.defaults.consumer-prefix=eu1_kestra2_",
                "kestra.kafka.topics.executor.name=eu1_kestra2_executor_main-executor-changelog",
            ],
            "prefixes",
            "consumer-prefix",
            "data-loss",
            "offsets and Streams state are lost",
        ),
        # not-applied
        (
            ["kestra.kafka.defaults.topic.partitions=32"],
            "topics",
            "flow.partitions",
            "not-applied",
            "kafka-topics.sh --alter --partitions",
        ),
        (
            ["kestra.kafka.defaults.topic.partitions=8"],
            "topics",
            "flow.partitions",
            "not-applied",
            "a decrease is impossible",
        ),
        (
            [
                "kestra.kafka.defaults.topic.replication-factor=2",
                "+cluster.broker-defaults[min.insync.replicas]=1",
                "kestra.kafka.defaults.topic.properties[min.insync.replicas]=1",
            ],
            "topics",
            "trigger.replication-factor",
            "not-applied",
            "kafka-reassign-partitions.sh",
        ),
        # breaking
        (
            ["kestra.kafka.defaults.stream.properties[processing.guarantee]=at_least_once"],
            "streams",
            "processing.guarantee",
            "breaking",
            "Streams must be reset",
        ),
        (
            ["kestra.kafka.client.properties[security.protocol]=SSL"],
            "client",
            "security.protocol",
            "breaking",
            "new protocol",
        ),
        (
            ["kestra.kafka.client.properties[bootstrap.servers]=other:9093"],
            "client",
            "bootstrap.servers",
            "breaking",
            "another cluster",
        ),
        # safe
        (
            ["kestra.kafka.defaults.producer.properties[linger.ms]=20"],
            "producer",
            "linger.ms",
            "safe",
            "applied when Kestra restarts",
        ),
        (
            ["kestra.kafka.topics.logentry.properties[retention.ms]=2419200000"],
            "topics",
            "logentry.properties.retention.ms",
            "safe",
            "re-pushes topic properties",
        ),
    ],
)
def test_risk_classes(after: list[str], section: str, key: str, risk: str, reason: str) -> None:
    found_risk, found_reason = risk_of(changes(*after), section, key)
    assert found_risk == risk
    assert reason in found_reason


def test_a_renamed_topic_is_not_also_not_applied() -> None:
    found = changes("kestra.kafka.topics.flow.name=flows_v2", "+kestra.kafka.topics.flow.partitions=64")
    assert risk_of(found, "topics", "flow.partitions")[0] == "safe"


def test_broker_default_retention_change_reaches_unset_topics() -> None:
    found = changes("cluster.broker-defaults[log.retention.hours]=24")
    risk, reason = risk_of(found, "topics", "executor.retention.effective-ms")
    assert risk == "data-loss" and "604800000 -> 86400000" in reason


def test_identical_targets_exit_0_and_differences_exit_1() -> None:
    same = kkc("diff", *BASE, "--", *BASE, cwd=REPO)
    assert same.code == 0 and "no differences" in same.out
    other = kkc("diff", "env=staging", "instance=eu1", "--", *BASE, cwd=REPO)
    assert other.code == 1
    assert other.out.startswith("kkc diff staging/eu1 -> prod/eu1\n")
    assert "partitions: 8 -> 16 on 15 topics" in other.out
    # staging and prod are two clusters: prod's topics are not staging's, so nothing is not-applied
    assert other.out.splitlines()[-1] == "summary: 0 data-loss, 0 not-applied, 1 breaking, 17 safe"


def test_fail_on_chooses_what_fails() -> None:
    args = ["diff", *BASE, "--", *BASE, "kestra.kafka.defaults.topic.partitions=32"]
    assert kkc(*args[:3], "--fail-on", "data-loss", *args[3:], cwd=REPO).code == 0
    assert kkc(*args[:3], "--fail-on", "data-loss,not-applied", *args[3:], cwd=REPO).code == 1
    bad = kkc(*args[:3], "--fail-on", "dataloss", *args[3:], cwd=REPO)
    assert bad.code == 2 and "unknown risk 'dataloss'" in bad.err
    across = ["diff", "env=staging", "instance=eu1", "--", *BASE]
    assert kkc(*across[:3], "--fail-on", "data-loss,not-applied", *across[3:], cwd=REPO).code == 0
    assert kkc(*across[:3], "--fail-on", "breaking", *across[3:], cwd=REPO).code == 1


def test_another_cluster_is_one_change_and_renames_nothing() -> None:
    run = kkc("diff", "env=dev", "--", *BASE, cwd=REPO)
    assert run.code == 1
    lines = run.out.splitlines()
    assert lines[1:5] == [
        "prefixes:",
        "  consumer-prefix: kestra_ -> eu1_kestra_",
        "      [safe] on another cluster: its consumer groups and Streams state are its own; nothing is lost",
        "  topic-prefix: kestra_ -> eu1_kestra_",
    ]
    assert lines[5] == (
        "      [safe] on another cluster: Kestra creates its topics there under this prefix; nothing is renamed"
    )
    assert [line for line in lines if "another cluster (" in line] == [
        "      [breaking] clients connect to another cluster (cluster.name 'dev-local' -> 'prod-eu'): its topics, "
        "consumer offsets and Streams state are its own, so no prefix or topic difference renames or changes an "
        "existing topic"
    ]
    assert not [line for line in lines if line.startswith("  name: ")]  # the 15 names follow the prefix
    assert "[not-applied]" not in run.out
    assert lines[-1] == "summary: 0 data-loss, 0 not-applied, 3 breaking, 55 safe"


def _tree(tmp_path: Path, prod_servers: str, prod_name: str | None = None) -> Path:
    """dev on localhost; prod with its own prefixes, bootstrap servers and (maybe) cluster.name."""
    conf = tmp_path / "conf"
    (conf / "env").mkdir(parents=True)
    servers = 'kestra:\n  kafka:\n    client:\n      properties:\n        bootstrap.servers: "{0}"\n'
    (conf / "config.yaml").write_text(
        "defaults:\n  - _self_\n  - env: dev\ncluster:\n  name: local\n" + servers.format("localhost:9092")
    )
    (conf / "env" / "dev.yaml").write_text("# @package _global_\n")
    (conf / "env" / "prod.yaml").write_text(
        "# @package _global_\n"
        + (f"cluster:\n  name: {prod_name}\n" if prod_name else "")
        + servers.format(prod_servers)
        + "    defaults:\n      topic-prefix: prod_\n      consumer-prefix: prod_\n"
    )
    return conf


def test_an_inherited_cluster_name_over_other_servers_is_another_cluster(tmp_path: Path) -> None:
    conf = _tree(tmp_path, "kafka-0.prod:9092")
    doc = json.loads(kkc("diff", "--config-dir", str(conf), "--format", "json", "env=dev", "--", "env=prod").out)
    assert doc["summary"] == {"data-loss": 0, "not-applied": 0, "breaking": 1, "safe": 2}
    assert [(c["section"], c["key"], c["risk"]) for c in doc["changes"]] == [
        ("prefixes", "consumer-prefix", "safe"),
        ("prefixes", "topic-prefix", "safe"),
        ("client", "bootstrap.servers", "breaking"),
    ]


def test_clusters_told_apart_by_name_alone_are_one_cluster_change(tmp_path: Path) -> None:
    conf = _tree(tmp_path, "${KAFKA_BOOTSTRAP}", prod_name="prod-eu")
    (conf / "env" / "dev.yaml").write_text(
        "# @package _global_\nkestra:\n  kafka:\n    client:\n      properties:\n"
        '        bootstrap.servers: "${KAFKA_BOOTSTRAP}"\n'
    )
    run = kkc("diff", "--config-dir", str(conf), "env=dev", "--", "env=prod")
    assert run.out.splitlines()[1:3] == [
        "cluster:",
        "  name: local -> prod-eu",
    ]
    assert "[breaking] clients connect to another cluster (cluster.name 'local' -> 'prod-eu')" in run.out
    assert "data-loss]" not in run.out and "bootstrap.servers" not in run.out


def test_when_kkc_cannot_tell_the_clusters_apart_renames_stay_data_loss(tmp_path: Path) -> None:
    conf = _tree(tmp_path, "${KAFKA_BOOTSTRAP}")
    (conf / "config.yaml").write_text((conf / "config.yaml").read_text().replace("  name: local\n", "  brokers: 1\n"))
    doc = json.loads(kkc("diff", "--config-dir", str(conf), "--format", "json", "env=dev", "--", "env=prod").out)
    assert doc["summary"]["data-loss"] == 17  # both prefixes and 15 topic names


def test_a_broker_added_to_the_bootstrap_list_is_the_same_cluster() -> None:
    servers = (
        "kafka-0.prod.internal:9093,kafka-1.prod.internal:9093,kafka-2.prod.internal:9093,kafka-3.prod.internal:9093"
    )
    risk, reason = risk_of(
        changes(f"kestra.kafka.client.properties[bootstrap.servers]={servers}"), "client", "bootstrap.servers"
    )
    assert risk == "safe"
    assert reason.startswith("the same cluster (bootstrap servers kafka-0.prod.internal:9093, ")


def test_against_a_compiled_directory(tmp_path: Path) -> None:
    shutil.copytree(REPO / "conf", tmp_path / "conf")
    assert kkc("compile", "--all", "--out", "build", cwd=tmp_path).code == 0
    run = kkc("diff", *BASE, "--against", "build/prod/eu1", cwd=tmp_path)
    assert run.code == 0 and "no differences" in run.out
    run = kkc(
        "diff",
        *BASE,
        "--against",
        "build/prod/eu1",
        "kestra.kafka.defaults.topic.partitions=32",
        "--format",
        "json",
        cwd=tmp_path,
    )
    doc = json.loads(run.out)
    assert run.code == 1 and doc["from"] == "build/prod/eu1" and doc["to"] == "prod/eu1"
    assert doc["summary"]["not-applied"] == 15
    missing = kkc("diff", *BASE, "--against", "nowhere", cwd=tmp_path)
    assert missing.code == 2 and "no such directory of compiled outputs" in missing.err


def test_secrets_are_masked(tmp_path: Path) -> None:
    shutil.copytree(REPO / "conf", tmp_path / "conf")
    prod = tmp_path / "conf" / "env" / "prod.yaml"
    prod.write_text(prod.read_text().replace("${KAFKA_TRUSTSTORE_PASSWORD}", "literal-Old-Secret"))
    run = kkc(
        "diff", *BASE, "--", *BASE, "kestra.kafka.client.properties[ssl.truststore.password]=New-Secret", cwd=tmp_path
    )
    assert "literal-Old-Secret" not in run.out and "New-Secret" not in run.out
    assert "ssl.truststore.password: ******** -> ******** (changed)" in run.out
    shown = kkc(
        "diff",
        *BASE,
        "--show-secrets",
        "--",
        *BASE,
        "kestra.kafka.client.properties[ssl.truststore.password]=New-Secret",
        cwd=tmp_path,
    )
    assert "New-Secret" in shown.out


def test_usage_needs_two_sides() -> None:
    run = kkc("diff", *BASE, cwd=REPO)
    assert run.code == 2 and "give two targets (A -- B) or one target and --against DIR" in run.err


@pytest.mark.parametrize(
    ("after", "section", "key", "risk", "reason"),
    [
        (
            ["~kestra.kafka.topics.logentry.properties[retention.ms]"],
            "topics",
            "logentry.properties.retention.ms",
            "data-loss",
            "retention shortened (1209600000 -> 604800000 ms)",
        ),
        (
            ["++kestra.kafka.topics.workerinstance.properties[cleanup.policy]=compact,delete"],
            "topics",
            "workerinstance.properties.cleanup.policy",
            "data-loss",
            "now deleted",
        ),
        (
            ["kestra.kafka.defaults.topic.replication-factor=2"],
            "streams",
            "replication.factor",
            "not-applied",
            "internal topics",
        ),
        (
            [
                "kestra.kafka.client.properties[bootstrap.servers]="
                "kafka-2.prod.internal:9093,kafka-1.prod.internal:9093,kafka-0.prod.internal:9093"
            ],
            "client",
            "bootstrap.servers",
            "safe",
            "the same brokers in another order",
        ),
        (
            ["cluster.broker-defaults[log.retention.hours]=24"],
            "topics",
            "trigger.retention.effective-ms",
            "safe",
            "compact only",
        ),
    ],
)
def test_risk_classes_follow_what_kafka_does(after: list[str], section: str, key: str, risk: str, reason: str) -> None:
    found_risk, found_reason = risk_of(changes(*after), section, key)
    assert (found_risk, reason in found_reason) == (risk, True), found_reason


def test_partitions_of_a_renamed_topic_are_created_with_it() -> None:
    found = changes("kestra.kafka.topics.flow.name=flows_v2", "+kestra.kafka.topics.flow.partitions=64")
    assert risk_of(found, "topics", "flow.partitions") == ("safe", "the renamed topic is created with it")


def test_against_the_out_root_suggests_the_target_folder(tmp_path: Path) -> None:
    assert kkc("compile", "--all", "--out", str(tmp_path / "build"), cwd=REPO).code == 0
    run = kkc("diff", "env=prod", "instance=eu1", "--against", str(tmp_path / "build"), cwd=REPO)
    assert run.code == 2  # a usage error, not "differences"
    assert f"it holds the outputs of several targets: give the folder of one, --against {tmp_path}/build/prod/eu1" in (
        run.err
    )


def test_a_promotion_to_a_config_kafka_refuses_fails_whatever_the_risks() -> None:
    run = kkc(
        "diff",
        "env=prod",
        "instance=eu1",
        "--fail-on",
        "data-loss",
        "--",
        "env=prod",
        "instance=eu1",
        "kestra.kafka.defaults.producer.properties[acks]=ALL",
        cwd=REPO,
    )
    assert run.code == 1, run.out
    assert "[safe] applied when Kestra restarts" in run.out
    assert "prod/eu1 does not pass kkc validate (1 error: Kafka or Kestra would refuse it" in run.out
    assert "error [invalid-property-value] Invalid value ALL for configuration acks" in run.out
    doc = json.loads(
        kkc(
            "diff",
            "--format",
            "json",
            "env=prod",
            "instance=eu1",
            "--",
            "env=prod",
            "instance=eu1",
            "kestra.kafka.defaults.producer.properties[acks]=ALL",
            cwd=REPO,
        ).out
    )
    assert [e["rule"] for e in doc["errors"]] == ["invalid-property-value"]


def test_a_valid_promotion_lists_no_errors() -> None:
    run = kkc("diff", "--format", "json", "env=staging", "instance=eu1", "--", "env=prod", "instance=eu1", cwd=REPO)
    assert json.loads(run.out)["errors"] == []
