"""kkc plan, kkc apply and kkc validate --cluster against a real 3-broker KRaft cluster (no mocks).

Each test uses its own topic prefix, so the tests share one cluster started once per session. kkc
connects through the SASL/SCRAM listener with the password read from the environment, as Kestra
would; the tests' own set-up and checks use the PLAINTEXT listener.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import Run, kkc
from tests.kafka.broker import free_port
from tests.kafka.cluster import SCRAM_PASSWORD, Cluster

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

REPO = Path(__file__).resolve().parents[2]
TOPICS = 15  # Kestra's topic set


def conf(tmp: Path, prefix: str, *, rf: int = 3, partitions: int = 2, brokers: int = 3, extra: str = "") -> Path:
    """A config tree whose admin properties reach the cluster's SCRAM listener through run-time placeholders."""
    tree = tmp / "conf"
    tree.mkdir(parents=True, exist_ok=True)
    (tree / "config.yaml").write_text(
        f"""\
targets:
  - {{}}
cluster:
  brokers: {brokers}
  kafka-version: "4.3"
{extra}
kestra:
  queue:
    type: kafka
  kafka:
    client:
      properties:
        bootstrap.servers: "${{KAFKA_BOOTSTRAP}}"
        security.protocol: SASL_PLAINTEXT
        sasl.mechanism: SCRAM-SHA-512
        sasl.jaas.config: >-
          org.apache.kafka.common.security.scram.ScramLoginModule required
          username="kestra" password="${{KAFKA_PASSWORD}}";
    defaults:
      topic-prefix: "{prefix}"
      consumer-prefix: "{prefix}"
      topic:
        partitions: {partitions}
        replication-factor: {rf}
        properties:
          min.insync.replicas: "2"
""",
        encoding="utf-8",
    )
    return tree


@pytest.fixture
def live(kafka_cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> Cluster:
    monkeypatch.setenv("KAFKA_BOOTSTRAP", kafka_cluster.sasl_bootstrap)
    monkeypatch.setenv("KAFKA_PASSWORD", SCRAM_PASSWORD)
    return kafka_cluster


def run(tree: Path, *args: str) -> Run:
    result = kkc(*args, "--config-dir", str(tree))
    assert SCRAM_PASSWORD not in result.out + result.err
    return result


def describe(cluster: Cluster, name: str) -> tuple[int, int, dict[str, str]]:
    """Partitions, replication factor and the configs set on the topic itself, read with the test's own client."""
    from confluent_kafka.admin import ConfigResource, ConfigSource, ResourceType

    admin = cluster.admin()
    deadline = time.monotonic() + 5
    while (topic := admin.list_topics(timeout=10).topics.get(name)) is None and time.monotonic() < deadline:
        time.sleep(0.1)  # the broker that answered has not learnt of it yet
    assert topic is not None, name
    resource = ConfigResource(ResourceType.TOPIC, name)
    configs = next(iter(admin.describe_configs([resource]).values())).result(timeout=10)
    explicit = {k: v.value for k, v in configs.items() if v.source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value}
    return len(topic.partitions), len(topic.partitions[0].replicas), explicit


def topics(cluster: Cluster, prefix: str, expected: int | None = None) -> set[str]:
    """The topics under `prefix`; with `expected`, asked again for a few seconds until as many are listed
    (each broker learns a new topic from the controller a moment after another)."""
    deadline = time.monotonic() + 5
    while True:
        found = {t for t in cluster.admin().list_topics(timeout=10).topics if t.startswith(prefix)}
        if expected is None or len(found) == expected or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_plan_apply_replan(live: Cluster, tmp_path: Path) -> None:
    tree = conf(tmp_path, "a1_")
    empty = run(tree, "plan")
    assert empty.code == 1, empty.err
    assert empty.out.count("\n  + ") == TOPICS
    assert "3 brokers, Kafka 4.3" in empty.out
    assert not topics(live, "a1_")

    applied = run(tree, "apply", "--yes")
    assert applied.code == 0, applied.out + applied.err
    assert applied.out.count("done     created") == TOPICS
    assert len(topics(live, "a1_", TOPICS)) == TOPICS
    partitions, replicas, explicit = describe(live, "a1_execution")
    assert (partitions, replicas) == (2, 3)
    assert explicit["min.insync.replicas"] == "2"
    assert explicit["cleanup.policy"] == "compact"

    again = run(tree, "plan")
    assert again.code == 0, again.out
    assert f"\nin sync: {TOPICS} topics as planned" in again.out
    doc = json.loads(run(tree, "plan", "--format", "json").out)
    assert doc["in-sync"] is True and doc["changes"] == [] and doc["cluster"]["brokers"] == 3

    second = run(tree, "apply", "--yes")
    assert second.code == 0 and "nothing to do" in second.out


def test_drift_after_an_out_of_band_change(live: Cluster, tmp_path: Path) -> None:
    from confluent_kafka.admin import AlterConfigOpType, ConfigEntry, ConfigResource, NewPartitions, ResourceType

    tree = conf(tmp_path, "d1_")
    assert run(tree, "apply", "--yes").code == 0
    admin = live.admin()
    entries = [
        ConfigEntry("retention.ms", "3600000", incremental_operation=AlterConfigOpType.SET),
        ConfigEntry("cleanup.policy", "delete", incremental_operation=AlterConfigOpType.SET),
    ]
    resource = ConfigResource(ResourceType.TOPIC, "d1_flow", incremental_configs=entries)
    next(iter(admin.incremental_alter_configs([resource]).values())).result(timeout=10)
    next(iter(admin.create_partitions([NewPartitions("d1_logs", 4)]).values())).result(timeout=10)

    drift = run(tree, "plan", "--format", "json")
    assert drift.code == 1
    changes = {(c["topic"], c["key"]): c for c in json.loads(drift.out)["changes"]}
    assert changes["d1_flow", "retention.ms"]["actual"] == "3600000"
    assert changes["d1_flow", "retention.ms"]["action"] == "set-config"
    assert changes["d1_flow", "cleanup.policy"]["planned"] == "compact"
    assert changes["d1_logs", "partitions"]["action"] is None  # never decreased
    assert changes["d1_logs", "partitions"]["risk"] == "not-applied"

    fixed = run(tree, "apply", "--yes", "--format", "json")
    assert fixed.code == 0, fixed.out
    applied = json.loads(fixed.out)["applied"]
    assert applied["done"] == ["d1_flow: set cleanup.policy=compact, retention.ms=-1"]
    assert applied["failed"] == [] and applied["not-done"] == []
    _, _, explicit = describe(live, "d1_flow")
    assert explicit["retention.ms"] == "-1" and explicit["segment.bytes"] == "10485760"  # the others stayed
    left = run(tree, "plan")
    assert left.code == 1 and "d1_logs: 4 partitions, the plan says 2" in left.out
    assert "d1_flow" not in left.out


def test_partitions_increase_only_when_allowed(live: Cluster, tmp_path: Path) -> None:
    tree = conf(tmp_path, "g1_")
    assert run(tree, "apply", "--yes").code == 0
    more = conf(tmp_path, "g1_", partitions=3)
    skipped = run(more, "apply", "--yes")
    assert skipped.code == 0 and "needs --allow-partition-increase" in skipped.out
    assert describe(live, "g1_flow")[0] == 2
    grown = run(more, "apply", "--yes", "--allow-partition-increase")
    assert grown.code == 0, grown.out
    assert describe(live, "g1_flow")[0] == 3
    assert run(more, "plan").code == 0


def test_orphans_after_a_prefix_change(live: Cluster, tmp_path: Path) -> None:
    old = conf(tmp_path / "old", "o1_v2_")
    assert run(old, "apply", "--yes").code == 0
    new = conf(tmp_path / "new", "o1_")
    plan = run(new, "plan")
    assert plan.code == 1
    assert plan.out.count("\n  ? ") == TOPICS
    assert "14 orphans" in plan.out  # the executor's changelog is named like a Streams topic: listed, not drift
    assert "o1_v2_execution: under the prefix 'o1_' but not in the plan (kkc never deletes a topic)" in plan.out
    assert run(new, "apply", "--yes").code == 0
    assert "o1_v2_execution" in topics(live, "o1_")  # still there


def test_replication_factor_above_the_broker_count(live: Cluster, tmp_path: Path) -> None:
    tree = conf(tmp_path, "r4_", rf=4)
    plan = run(tree, "plan")
    assert plan.code == 1
    # one line for the 15 topics, not one each
    assert "  ! all 15 planned topics: replication factor 4 is above the 3 broker(s) the cluster lists" in plan.out
    assert plan.out.count("is above the 3 broker(s)") == 1
    applied = run(tree, "apply", "--yes")
    assert applied.code == 1
    assert "nothing applied: the plan cannot be created on this cluster" in applied.out
    assert not topics(live, "r4_")


def test_declared_facts_that_differ(live: Cluster, tmp_path: Path) -> None:
    tree = conf(tmp_path, "f1_", rf=1, brokers=5)
    plan = run(tree, "plan", "--format", "json")
    facts = [c for c in json.loads(plan.out)["changes"] if c["kind"] == "cluster"]
    assert facts[0]["key"] == "brokers" and facts[0]["planned"] == "5" and facts[0]["actual"] == "3"


def test_a_config_the_broker_refuses_is_its_own_error(live: Cluster, tmp_path: Path) -> None:
    tree = conf(tmp_path, "b1_")
    bad = run(tree, "plan", "+kestra.kafka.topics.logentry.properties[retention.ms]=soon")
    assert bad.code == 1
    assert "b1_logs: the brokers refuse to create it: INVALID_CONFIG" in bad.out


def test_a_wrong_bootstrap_address_fails_fast(live: Cluster, tmp_path: Path) -> None:
    tree = conf(tmp_path, "w1_")
    began = time.monotonic()
    # A refused connection is an answer: kkc stops at once instead of waiting out --timeout (a limit far above
    # the second it takes, far below the timeout, so a loaded machine cannot make this fail).
    wrong = run(tree, "plan", "--bootstrap", f"127.0.0.1:{free_port()}", "--timeout", "600")
    assert time.monotonic() - began < 120
    assert wrong.code == 2
    assert "kkc: error: 127.0.0.1:" in wrong.err and "Connection refused" in wrong.err, wrong.err


def test_a_wrong_password_is_the_brokers_answer(live: Cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_PASSWORD", "not-the-password")
    wrong = run(conf(tmp_path, "w2_"), "plan", "--timeout", "10")
    assert wrong.code == 2
    assert "Authentication failed" in wrong.err, wrong.err
    assert "not-the-password" not in wrong.out + wrong.err


def test_secrets_come_from_the_environment(live: Cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KAFKA_PASSWORD")
    missing = run(conf(tmp_path, "s1_"), "plan")
    assert missing.code == 2
    assert "environment variables that are not set: KAFKA_PASSWORD (sasl.jaas.config)" in missing.err
    # --command-config replaces the admin properties' user and password, as kafka-topics.sh takes them
    props = tmp_path / "admin.properties"
    props.write_text(
        "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
        f'username="kestra" password="{SCRAM_PASSWORD}";\n',
        encoding="utf-8",
    )
    given = run(conf(tmp_path, "s1_"), "plan", "--command-config", str(props))
    assert given.code == 1 and given.out.count("\n  + ") == TOPICS


def test_one_broker_stopped_during_apply(live: Cluster, tmp_path: Path) -> None:
    """Broker 3 stops (a controlled shutdown) as soon as apply has created its first topic: the topics
    still to create need 3 replicas. Apply says what it did and did not do; once the broker is back, a
    second apply completes the plan."""
    tree = conf(tmp_path, "x1_")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "compiler", "apply", "--yes", "--config-dir", str(tree), "--timeout", "10"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert process.stdout is not None
    lines: list[str] = []
    try:
        for line in process.stdout:
            lines.append(line)
            if "done     created" in line:
                live.broker(3).stop()
                break
        out, err = process.communicate(timeout=60)
        output = "".join(lines) + out
        assert SCRAM_PASSWORD not in output + err
        created = topics(live, "x1_")
        if process.returncode == 1:
            assert "  failed   x1_" in output
            assert "before the failure; not done:" in output
            assert output.count("done     created") == len(created)
            not_done = [line for line in output.splitlines() if line.startswith("  not done create ")]
            assert len(created) + len(not_done) + 1 == TOPICS
        else:
            assert process.returncode == 0, output + err
    finally:
        live.start_broker(3)
    replan = run(tree, "plan")
    assert replan.code == (0 if len(topics(live, "x1_")) == TOPICS else 1)
    assert run(tree, "apply", "--yes").code == 0
    assert run(tree, "plan").code == 0


def test_the_core_never_imports_the_client() -> None:
    code = "import sys, compiler.cli; compiler.cli.build_parser(); print('confluent_kafka' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip() == "False"


def test_validate_cluster_catches_a_fact_declared_wrongly(live: Cluster, tmp_path: Path) -> None:
    """cluster.brokers: 5 lets replication factor 4 pass; the cluster has 3 brokers and says so."""
    facts = "  broker-defaults:\n    message.max.bytes: 1048588\n"
    tree = conf(tmp_path, "v1_", rf=4, brokers=5, extra=facts)
    declared = run(tree, "validate")
    assert "replication-factor-exceeds-brokers" not in declared.out
    checked = run(tree, "validate", "--cluster", "--format", "json")
    assert checked.code == 1
    found = {(d["rule"], d["key"]): d for d in json.loads(checked.out)["diagnostics"]}
    brokers = found["cluster-fact-differs", "cluster.brokers"]
    assert brokers["line"] > 0 and "declared as 5, but the live cluster" in brokers["message"]
    assert "has 3 broker(s)" in brokers["message"]
    size = found["cluster-fact-differs", "cluster.broker-defaults.message.max.bytes"]
    assert "has 2097152" in size["message"]
    assert any(rule == "replication-factor-exceeds-brokers" for rule, _ in found)
    assert "3 brokers, Kafka 4.3, message.max.bytes=2097152" in checked.err
    assert "auto.create.topics.enable=false" in checked.err
    fixed = conf(tmp_path, "v1_", rf=3, brokers=3, extra="  broker-defaults:\n    message.max.bytes: 2097152\n")
    again = run(fixed, "validate", "--cluster", "--format", "json")
    assert not [d for d in json.loads(again.out)["diagnostics"] if d["rule"] == "cluster-fact-differs"]


def readme_transcript() -> list[tuple[list[str], str, int | None]]:
    """The README's live transcript: (argv after `kkc`, output, exit code) per command."""
    import shlex

    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- live transcript -->\n```console\n", 1)[1].split("\n```", 1)[0]
    steps: list[tuple[list[str], str, int | None]] = []
    lines = iter(block.splitlines())
    for line in lines:
        if line.startswith("$ kkc "):
            steps.append((shlex.split(line[len("$ kkc ") :]), "", None))
        elif line == "$ echo $?":
            argv, output, _ = steps[-1]
            steps[-1] = (argv, output, int(next(lines)))
        else:
            argv, output, code = steps[-1]
            steps[-1] = (argv, output + line + "\n", code)
    return steps


def _same_cluster(text: str) -> str:
    import re

    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)
    return re.sub(r"\(cluster [A-Za-z0-9_-]+,", "(cluster ID,", text)


def test_the_readme_transcript(live: Cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """README's plan, apply and re-plan of the example conf/ prod/eu1, replayed against this cluster."""
    import shutil

    shutil.copytree(REPO / "conf", tmp_path / "conf")
    (tmp_path / "admin.properties").write_text("security.protocol=SASL_PLAINTEXT\n", encoding="utf-8")
    monkeypatch.setenv("KAFKA_USERNAME", "kestra")
    steps = readme_transcript()
    assert [argv[0] for argv, _, _ in steps] == ["plan", "apply", "plan"]
    for argv, expected, code in steps:
        argv = [live.sasl_bootstrap if a.startswith("127.0.0.1:") else a for a in argv]
        result = kkc(*argv, cwd=tmp_path)
        assert SCRAM_PASSWORD not in result.out + result.err
        assert _same_cluster(result.out + result.err) == _same_cluster(expected), argv
        assert result.code == code


def test_the_brokers_defaults_asked_for_with_minus_one_are_in_sync_once_applied(live: Cluster, tmp_path: Path) -> None:
    tree = conf(tmp_path, "m1_", rf=-1, partitions=-1)
    empty = run(tree, "plan")
    assert "the brokers' default partitions (num.partitions), replication factor the brokers' default" in empty.out
    applied = run(tree, "apply", "--yes")
    assert applied.code == 0, applied.out + applied.err
    assert len(topics(live, "m1_", TOPICS)) == TOPICS
    again = run(tree, "plan")
    assert again.code == 0, again.out  # -1 is compared with what the brokers gave, not as the number -1
    assert f"in sync: {TOPICS} topics as planned" in again.out


def test_brokers_that_disagree_on_a_setting_are_said_so(live: Cluster, tmp_path: Path) -> None:
    from confluent_kafka.admin import AlterConfigOpType, ConfigEntry, ConfigResource, ResourceType

    admin = live.admin()
    last = str(max(int(n.id) for n in admin.describe_cluster().result(timeout=30).nodes))

    def alter(op: AlterConfigOpType, value: str | None) -> None:
        entry = ConfigEntry("message.max.bytes", value, incremental_operation=op)
        for future in admin.incremental_alter_configs(
            [ConfigResource(ResourceType.BROKER, last, incremental_configs=[entry])]
        ).values():
            future.result(timeout=30)

    alter(AlterConfigOpType.SET, "3000000")
    try:
        tree = conf(tmp_path, "d1_")
        plan = run(tree, "plan")
        assert "the brokers disagree on message.max.bytes (" in plan.out and f"broker {last} 3000000" in plan.out
        checked = run(tree, "validate", "--cluster", "--format", "json")
        found = [d for d in json.loads(checked.out)["diagnostics"] if d["rule"] == "cluster-brokers-differ"]
        assert found and found[0]["level"] == "warning", checked.out
        assert f"broker {last} 3000000" in found[0]["message"]
    finally:
        alter(AlterConfigOpType.DELETE, None)  # the session's cluster is shared by the other tests
