"""Hydra's resolvers as a user meets them on the command line: outputs, messages, positions, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import kkc

CONFIG = """\
defaults:
  - _self_
  - env: dev
cluster:
  brokers: 1
kestra:
  queue:
    type: kafka
  kafka:
    client:
      properties:
        bootstrap.servers: ${oc.env:KAFKA_BOOTSTRAP_SERVERS,'localhost:9092'}
    defaults:
      topic-prefix: ${oc.select:cluster.prefix,kestra_}
      topic:
        partitions: 4
        replication-factor: 1
        properties:
          max.message.bytes: "10485760"
"""
DEV = """\
# @package _global_
kestra:
  kafka:
    client:
      properties:
        security.protocol: SASL_SSL
        sasl.mechanism: PLAIN
        sasl.jaas.config: >-
          org.apache.kafka.common.security.plain.PlainLoginModule required
          username="${oc.env:KAFKA_USERNAME}" password="${oc.env:KAFKA_PASSWORD}";
    defaults:
      stream:
        properties:
          state.dir: /var/lib/kestra/${oc.env:HOSTNAME,kestra}
"""
RUNTIME_INFO = (
    "conf/config.yaml:12:9: info [runtime-placeholders] run-time placeholders Kestra resolves at start-up from its "
    "environment variables (or other Micronaut property sources); it fails to start if one without a default has no "
    "value: KAFKA_PASSWORD, KAFKA_USERNAME; with a default: HOSTNAME, KAFKA_BOOTSTRAP_SERVERS"
)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "conf" / "env").mkdir(parents=True)
    (tmp_path / "conf" / "config.yaml").write_text(CONFIG)
    (tmp_path / "conf" / "env" / "dev.yaml").write_text(DEV)
    return tmp_path


def test_oc_env_reaches_kestra_as_micronaut_placeholders(tree: Path) -> None:
    run = kkc("compile", "env=dev", "--out", "build", cwd=tree)

    assert (run.code, run.err) == (0, "kkc: wrote 6 files for 1 target under build\n")
    application = (tree / "build" / "dev" / "application-kafka.yml").read_text()
    assert "        bootstrap.servers: ${KAFKA_BOOTSTRAP_SERVERS:`localhost:9092`}\n" in application
    assert (
        "        sasl.jaas.config: org.apache.kafka.common.security.plain.PlainLoginModule required "
        'username="${KAFKA_USERNAME}" password="${KAFKA_PASSWORD}";\n'
    ) in application
    assert "          state.dir: /var/lib/kestra/${HOSTNAME:kestra}\n" in application
    assert "      topic-prefix: kestra_\n" in application
    assert "oc.env" not in "".join(p.read_text() for p in (tree / "build" / "dev").iterdir())


def test_validate_lists_the_variables_oc_env_reads(tree: Path) -> None:
    run = kkc("validate", "env=dev", cwd=tree)

    assert run.code == 0
    assert run.out.splitlines()[0].startswith("Checked as Kestra 1.3 Enterprise (assumed")
    assert run.out.splitlines()[2:] == [RUNTIME_INFO, "0 errors, 0 warnings, 2 infos in 1 target (dev)"]


def test_oc_env_in_an_override(tree: Path) -> None:
    run = kkc("compile", "env=dev", "+kestra.kafka.client.properties[client.id]=${oc.env:CLIENT_ID,kestra}", cwd=tree)

    assert run.code == 0, run.err
    assert "        client.id: ${CLIENT_ID:kestra}\n" in run.out


def test_an_unsupported_resolver_in_a_file_stops_compile_with_nothing_written(tree: Path) -> None:
    dev = tree / "conf" / "env" / "dev.yaml"
    dev.write_text(DEV.replace("${oc.env:HOSTNAME,kestra}", "${oc.env:HOSTNAME,null}"))

    run = kkc("compile", "env=dev", "--out", "build", cwd=tree)

    assert run.code == 1
    assert run.err.splitlines() == [
        "conf/env/dev.yaml:14:11: error [resolver-unsupported] kestra.kafka.defaults.stream.properties.state.dir: "
        "in '${oc.env:HOSTNAME,null}', oc.env's default is null: OmegaConf gives null when HOSTNAME is unset, and a "
        "Micronaut placeholder cannot (${HOSTNAME:} gives an empty string): drop the default so Kestra stops when "
        "HOSTNAME is missing, or give '' or a value",
        "1 error, 0 warnings, 0 infos in 1 target",
        "kkc: 1 error: nothing written (kkc validate shows the same findings)",
    ]
    assert not (tree / "build").exists()


def test_an_unsupported_resolver_in_an_override_is_reported_at_the_override(tree: Path) -> None:
    run = kkc("compile", "env=dev", "--out", "build", "kestra.kafka.defaults.topic-prefix=${now:%Y%m%d}_", cwd=tree)

    assert run.code == 1
    assert run.err.splitlines()[0] == (
        "<override #2 'kestra.kafka.defaults.topic-prefix=${now:%Y%m%d}_'>: error [resolver-unsupported] "
        "kestra.kafka.defaults.topic-prefix: in '${now:%Y%m%d}', now is the time Hydra resolves the config, when "
        "your app starts; kkc compiles ahead of time and writes the same output on every run, so Kestra would get "
        "the build's time, not its own: write the value itself"
    )
    assert not (tree / "build").exists()


def test_a_misspelt_resolver_in_json(tree: Path) -> None:
    config = tree / "conf" / "config.yaml"
    config.write_text(CONFIG.replace("oc.select:", "oc.selcet:"))

    run = kkc("validate", "env=dev", "--format", "json", cwd=tree)

    assert run.code == 1
    assert json.loads(run.out)["diagnostics"] == [
        {
            "file": "conf/config.yaml",
            "line": 14,
            "column": 7,
            "key": "kestra.kafka.defaults.topic-prefix",
            "level": "error",
            "rule": "resolver-invalid",
            "message": "kestra.kafka.defaults.topic-prefix: in '${oc.selcet:cluster.prefix,kestra_}', OmegaConf has "
            "no resolver oc.selcet; did you mean oc.select?",
            "target": "dev",
        }
    ]


def test_a_secret_keys_call_is_masked_in_the_override_and_the_message(tree: Path) -> None:
    override = "+kestra.kafka.client.properties[ssl.truststore.password]=${oc.env:TRUST,Planted-Oc-Secret-5V}"
    location = "+kestra.kafka.client.properties[ssl.truststore.location]=/etc/kafka/truststore.jks"
    ok = kkc("validate", "env=dev", override, location, cwd=tree)
    bad = kkc("validate", "env=dev", override.replace("TRUST,", "trust,"), location, cwd=tree)

    assert ok.code == 0
    assert bad.code == 1
    assert bad.out.splitlines()[0] == (
        "<override #2 '+kestra.kafka.client.properties[ssl.truststore.password]=********'>: error "
        "[resolver-unsupported] kestra.kafka.client.properties.ssl.truststore.password: in '${oc.env:...}', oc.env "
        "reads the variable 'trust', but Micronaut reads an environment variable in a placeholder only by an "
        "upper-case name (A-Z, 0-9, _): use such a name"
    )
    key = "kestra.kafka.client.properties.ssl.truststore.password"
    explain = kkc("explain", key, "env=dev", override, location, cwd=tree)
    assert explain.code == 0
    assert "${oc.env:...}: run-time placeholder, written for Kestra as ********" in explain.out
    for run in (ok, bad, explain):
        assert "Planted-Oc-Secret-5V" not in run.out + run.err


def test_a_resolver_call_in_a_file_kestra_reads_directly_is_a_misread(tmp_path: Path) -> None:
    (tmp_path / "application.yml").write_text(
        "kestra:\n  kafka:\n    client:\n      properties:\n        bootstrap.servers: kafka:9092\n"
        "        client.id: ${oc.env:CLIENT_ID,kestra}\n"
    )

    run = kkc("validate", "application.yml", cwd=tmp_path)

    assert run.code == 0
    assert (
        "application.yml:6:9: warning [placeholder-misread] kestra.kafka.client.properties.client.id: "
        "${oc.env:CLIENT_ID,kestra} is a Hydra resolver call, but Kestra reads this file with Micronaut, which looks "
        "for a property named 'oc.env' and otherwise uses 'CLIENT_ID,kestra' as the value; write ${CLIENT_ID} for an "
        "environment variable, or keep the call in a Hydra config tree that kkc compiles"
    ) in run.out.splitlines()


def test_an_escaped_resolver_call_reaches_kestra_as_written_and_is_a_misread(tree: Path) -> None:
    run = kkc(
        "validate", "env=dev", "+kestra.kafka.client.properties[client.id]=\\${oc.env:CLIENT_ID,kestra}", cwd=tree
    )

    assert run.code == 0
    assert (
        "<override #2 '+kestra.kafka.client.properties[client.id]=\\${oc.env:CLIENT_ID,kestra}'>: warning "
        "[placeholder-misread] kestra.kafka.client.properties.client.id: ${oc.env:CLIENT_ID,kestra} is escaped, so it "
        "reaches Kestra as written, and Micronaut looks for a property named 'oc.env' and otherwise uses "
        "'CLIENT_ID,kestra' as the value; write ${CLIENT_ID} for an environment variable, or drop the backslash"
    ) in run.out.splitlines()
