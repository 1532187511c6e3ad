"""Policies: what an environment requires, declared in its layer, enforced by kkc validate."""

from __future__ import annotations

import json

from tests.conftest import REPO, kkc


def diagnostics(*args: str) -> list[dict]:
    run = kkc("validate", *args, "--format", "json", cwd=REPO)
    return json.loads(run.out)["diagnostics"]


def test_prod_policies_hold_on_the_example() -> None:
    assert [d for d in diagnostics("env=prod", "instance=eu1") if d["rule"].startswith("policy")] == []


def test_violation_names_the_policy_and_the_layer_that_declared_it() -> None:
    found = [
        d
        for d in diagnostics(
            "env=prod", "instance=eu2", "+kestra.kafka.topics.execution.replication-factor=2", "--brokers", "3"
        )
        if d["rule"] == "policy-min-replication-factor"
    ]
    assert len(found) == 1
    assert found[0]["level"] == "error"
    assert found[0]["key"] == "kestra.kafka.topics.execution.replication-factor"
    assert found[0]["message"].startswith("policy min-replication-factor: 3 (declared at conf/env/prod.yaml:")
    assert "topic execution set replication-factor 2, below 3" in found[0]["message"]


def test_encryption_and_literal_secret_policies() -> None:
    found = diagnostics(
        "env=prod",
        "instance=eu1",
        "kestra.kafka.client.properties[security.protocol]=SASL_PLAINTEXT",
        "kestra.kafka.client.properties[ssl.truststore.password]=hunter2",
    )
    rules = {d["rule"] for d in found}
    assert {"policy-require-encryption", "policy-forbid-literal-secrets"} <= rules
    assert all("hunter2" not in d["message"] for d in found)


def test_policies_only_apply_where_declared() -> None:
    found = diagnostics("env=dev", "kestra.kafka.client.properties[ssl.truststore.password]=hunter2")
    assert not [d for d in found if d["rule"].startswith("policy")]


def test_validate_fails_on_a_policy_violation() -> None:
    run = kkc(
        "validate",
        "env=prod",
        "instance=eu1",
        "kestra.kafka.defaults.topic.partitions=128",
        "+policy.max-partitions=64",
        cwd=REPO,
    )
    assert run.code == 1
    assert (
        "error [policy-max-partitions] policy max-partitions: 64 "
        "(declared at <override #4 '+policy.max-partitions=64'>): "
        "topic execution set partitions 128, above 64" in run.out
    )


def test_min_insync_replicas_left_to_undeclared_brokers_is_an_info_naming_the_broker_setting() -> None:
    args = ("env=prod", "instance=eu1", "~kestra.kafka.defaults.topic.properties[min.insync.replicas]")
    found = [d for d in diagnostics(*args) if d["rule"] == "policy-min-insync-replicas"]
    assert [(d["level"], d["file"], d["line"]) for d in found] == [("info", "conf/env/prod.yaml", 13)]
    assert found[0]["message"] == (
        "policy min-insync-replicas: 2 (declared at conf/env/prod.yaml:13:3): all 15 topics set no "
        "min.insync.replicas, so they get the brokers' min.insync.replicas, which is not declared (Kafka's default 1 "
        "is below 2); declare cluster.broker-defaults.min.insync.replicas to have it checked, or set "
        "min.insync.replicas under kestra.kafka.defaults.topic.properties"
    )
    run = kkc("validate", *args, "+cluster.broker-defaults[min.insync.replicas]=1", cwd=REPO)
    assert run.code == 1
    assert (
        "error [policy-min-insync-replicas] policy min-insync-replicas: 2 (declared at conf/env/prod.yaml:13:3): "
        "topic execution gets min.insync.replicas 1, below 2" in run.out
    )
