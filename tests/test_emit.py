"""--emit strimzi and --emit kafka-topics: files Kubernetes and Kafka's own tools consume."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import yaml

from tests.conftest import REPO, kkc


def compile_with_emit(tmp_path: Path, *args: str) -> Path:
    run = kkc("compile", "env=prod", "instance=eu1", "--out", str(tmp_path / "out"), *args, cwd=REPO)
    assert run.code == 0, run.err
    return tmp_path / "out" / "prod" / "eu1"


def test_strimzi_one_kafka_topic_per_topic(tmp_path: Path) -> None:
    out = compile_with_emit(tmp_path, "--emit", "strimzi")
    docs = [d for d in yaml.safe_load_all((out / "strimzi-topics.yaml").read_text()) if d]
    assert len(docs) == 15
    by_name = {d["spec"]["topicName"]: d for d in docs}
    execution = by_name["eu1_kestra_execution"]
    assert execution["apiVersion"] == "kafka.strimzi.io/v1beta2" and execution["kind"] == "KafkaTopic"
    assert execution["metadata"]["labels"]["strimzi.io/cluster"] == "prod-eu"
    assert execution["spec"]["partitions"] == 16 and execution["spec"]["replicas"] == 3
    assert execution["spec"]["config"]["cleanup.policy"] == "compact"
    names = [d["metadata"]["name"] for d in docs]
    assert len(set(names)) == 15
    assert all(n == n.lower() and "_" not in n and len(n) <= 253 for n in names)


def test_strimzi_needs_a_cluster_name(tmp_path: Path) -> None:
    run = kkc(
        "compile", "env=prod", "instance=eu1", "~cluster.name", "--out", str(tmp_path), "--emit", "strimzi", cwd=REPO
    )
    assert run.code == 1 and "--emit strimzi needs cluster.name" in run.err


def test_kafka_topics_script_runs_idempotent_create_lines(tmp_path: Path) -> None:
    out = compile_with_emit(tmp_path, "--emit", "kafka-topics")
    script = out / "create-topics.sh"
    assert stat.S_IMODE(script.stat().st_mode) & 0o111
    log = tmp_path / "calls.log"
    fake = tmp_path / "kafka-topics.sh"
    fake.write_text(f'#!/bin/sh\nprintf "%s|" "$@" >> {log}\necho >> {log}\n')
    fake.chmod(0o755)
    env = {**os.environ, "KAFKA_TOPICS": str(fake)}
    subprocess.run(["sh", str(script)], check=True, env=env)
    calls = log.read_text().splitlines()
    assert len(calls) == 15
    first = calls[0].split("|")
    assert first[:6] == [
        "--bootstrap-server",
        "kafka-0.prod.internal:9093,kafka-1.prod.internal:9093,kafka-2.prod.internal:9093",
        "--command-config",
        str(out / "admin.properties"),
        "--create",
        "--if-not-exists",
    ]
    assert "--topic|eu1_kestra_execution|--partitions|16|--replication-factor|3" in calls[0]
    assert "--config|cleanup.policy=compact" in calls[0]
    assert all("--if-not-exists" in c for c in calls)


def test_emit_needs_out() -> None:
    run = kkc("compile", "env=dev", "--emit", "strimzi", cwd=REPO)
    assert run.code == 2 and "--emit adds files to --out DIR" in run.err


def test_minus_one_leaves_the_broker_default_to_the_broker(tmp_path: Path) -> None:
    # -1 asks the broker for num.partitions / default.replication.factor; kafka-topics.sh refuses
    # "--partitions -1" ("The partitions must be greater than 0") and Strimzi's KafkaTopic wants at least 1:
    # both take an absent option as the broker's default.
    defaults = ("+kestra.kafka.topics.logentry.partitions=-1", "+kestra.kafka.topics.trigger.replication-factor=-1")
    out = compile_with_emit(tmp_path, *defaults, "--emit", "kafka-topics", "--emit", "strimzi")
    script = (out / "create-topics.sh").read_text()
    logs = next(c for c in script.split('"$KAFKA_TOPICS"') if "--topic eu1_kestra_logs " in c)
    trigger = next(c for c in script.split('"$KAFKA_TOPICS"') if "--topic eu1_kestra_trigger " in c)
    assert "--partitions" not in logs and "--replication-factor 3" in logs
    assert "--replication-factor" not in trigger and "--partitions 16" in trigger
    assert not [line for line in script.splitlines() if " -1" in line and not line.startswith("#")]
    assert "# Where the config says -1, --partitions or --replication-factor is left out" in script
    resources = yaml.safe_load_all((out / "strimzi-topics.yaml").read_text())
    docs = {d["spec"]["topicName"]: d["spec"] for d in resources if d}
    assert "partitions" not in docs["eu1_kestra_logs"] and docs["eu1_kestra_logs"]["replicas"] == 3
    assert "replicas" not in docs["eu1_kestra_trigger"] and docs["eu1_kestra_trigger"]["partitions"] == 16
