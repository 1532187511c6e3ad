"""`kkc compile` as a user runs it: outputs, overrides, exit codes and messages."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, kkc


@pytest.fixture
def conf(tmp_path: Path) -> Path:
    """A copy of the example tree to break."""
    shutil.copytree(REPO / "conf", tmp_path / "conf")
    return tmp_path / "conf"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def compile_json(conf: Path, *args: str) -> dict:
    run = kkc("compile", "--config-dir", str(conf), "--format", "json", *args)
    assert run.code == 0, run.err
    return json.loads(run.out)


def test_readme_run_command_writes_the_target(tmp_path: Path) -> None:
    shutil.copytree(REPO / "conf", tmp_path / "conf")
    run = kkc("compile", "env=prod", "instance=eu1", "--out", "build/", cwd=tmp_path)
    assert run.code == 0, run.err
    names = sorted(p.name for p in (tmp_path / "build" / "prod" / "eu1").iterdir())
    assert names == [
        "admin.properties",
        "application-kafka.yml",
        "consumer.properties",
        "producer.properties",
        "streams.properties",
        "topics.yaml",
    ]


def test_python_dash_m_is_the_same_program(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "compiler", "compile", "env=prod", "instance=eu2"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == kkc("compile", "env=prod", "instance=eu2", cwd=REPO).out
    assert "topic-prefix: eu2_kestra_" in proc.stdout


def test_precedence_defaults_env_instance_override(conf: Path) -> None:
    doc = compile_json(conf, "env=prod", "instance=eu2", "kestra.kafka.topics.execution.partitions=48")
    topics = {t["key"]: t for t in doc["topics"]}
    assert topics["execution"]["partitions"] == 48  # override beats instance (32)
    assert topics["workertask"]["partitions"] == 32  # instance beats env (16)
    assert topics["flow"]["partitions"] == 16  # env beats config.yaml (8)
    assert topics["flow"]["replication-factor"] == 3  # env beats Kestra's default (1)
    assert topics["execution"]["name"] == "eu2_kestra_execution"
    assert doc["clients"]["streams"]["replication.factor"] == "3"  # ${...replication-factor} resolved late


def test_bracketed_kafka_key_override_is_never_nested(conf: Path) -> None:
    doc = compile_json(
        conf,
        "env=prod",
        "instance=eu1",
        "kestra.kafka.client.properties[bootstrap.servers]=b1:9092,b2:9092",
        "+kestra.kafka.client.properties.linger.ms=7",
    )
    props = doc["kestra"]["kafka"]["client"]["properties"]
    assert props["bootstrap.servers"] == "b1:9092,b2:9092"
    assert props["linger.ms"] == "7"
    assert "bootstrap" not in props and "linger" not in props
    assert doc["clients"]["admin"]["bootstrap.servers"] == "b1:9092,b2:9092"


def test_client_precedence_follows_kestra(conf: Path) -> None:
    doc = compile_json(conf, "env=prod", "instance=eu1")
    clients = doc["clients"]
    assert "acks" not in clients["admin"]  # admin gets client.properties only
    assert clients["consumer"]["isolation.level"] == "read_committed"
    assert "isolation.level" not in clients["streams"]  # Streams never see consumer defaults
    assert clients["producer"]["delivery.timeout.ms"] == "180000"
    assert all(c["security.protocol"] == "SASL_SSL" for c in clients.values())


def test_runtime_placeholders_kept_verbatim_and_listed(conf: Path) -> None:
    doc = compile_json(conf, "env=prod", "instance=eu1")
    assert doc["runtime-placeholders"] == ["KAFKA_PASSWORD", "KAFKA_TRUSTSTORE_PASSWORD", "KAFKA_USERNAME"]
    assert 'password="${KAFKA_PASSWORD}"' in doc["clients"]["admin"]["sasl.jaas.config"]


def test_yaml_is_safe_for_a_yaml_1_1_reader(conf: Path) -> None:
    write(
        conf / "env" / "dev.yaml",
        "# @package _global_\nkestra:\n  kafka:\n    client:\n      properties:\n"
        "        a.b: 'yes'\n        c.d: 'on'\n        e.f: '12:30'\n        g.h: '010'\n        i.j: ''\n"
        "        sasl.jaas.config: '" + "x" * 300 + ' password="${P}";\'\n',
    )
    run = kkc("compile", "--config-dir", str(conf), "env=dev")
    assert run.code == 0, run.err
    props = yaml.safe_load(run.out)["kestra"]["kafka"]["client"]["properties"]  # PyYAML reads YAML 1.1
    assert props["a.b"] == "yes" and props["c.d"] == "on" and props["e.f"] == "12:30" and props["g.h"] == "010"
    assert props["i.j"] == ""
    assert any(line.strip().startswith("sasl.jaas.config: " + "x" * 300) for line in run.out.splitlines())


def test_yaml_1_1_lookalikes_follow_the_kafka_type(conf: Path) -> None:
    write(
        conf / "env" / "dev.yaml",
        "# @package _global_\nkestra:\n  kafka:\n    defaults:\n      consumer:\n"
        "        properties:\n          enable.auto.commit: no\n          client.rack: on\n"
        "          max.poll.records: 010\n",
    )
    consumer = compile_json(conf, "env=dev")["clients"]["consumer"]
    assert consumer["enable.auto.commit"] == "false"  # a boolean property: YAML 1.1's meaning, as Kestra reads it
    assert consumer["client.rack"] == "on"  # a string property: the string written
    assert consumer["max.poll.records"] == "010"  # Kafka parses "010" as 10; SnakeYAML would have said 8


def test_numbers_and_booleans_come_out_as_kafka_strings(conf: Path) -> None:
    write(
        conf / "env" / "dev.yaml",
        "# @package _global_\nkestra:\n  kafka:\n    defaults:\n      producer:\n"
        "        properties:\n          enable.idempotence: true\n          batch.size: 32768\n"
        "          retries: '5'\n",
    )
    producer = compile_json(conf, "env=dev")["clients"]["producer"]
    assert producer["enable.idempotence"] == "true"
    assert producer["batch.size"] == "32768"
    assert producer["retries"] == "5"


def test_literal_secret_files_are_private(conf: Path, tmp_path: Path) -> None:
    write(
        conf / "env" / "dev.yaml",
        "# @package _global_\nkestra:\n  kafka:\n    client:\n      properties:\n"
        "        ssl.keystore.password: hunter2\n",
    )
    run = kkc("compile", "--config-dir", str(conf), "env=dev", "--out", str(tmp_path / "out"))
    assert run.code == 0, run.err
    mode = stat.S_IMODE((tmp_path / "out" / "dev" / "admin.properties").stat().st_mode)
    assert mode == 0o600
    run = kkc("compile", "--config-dir", str(REPO / "conf"), "env=dev", "--out", str(tmp_path / "clean"))
    assert stat.S_IMODE((tmp_path / "clean" / "dev" / "admin.properties").stat().st_mode) == 0o644


# (files to write, arguments, exit code, expected message fragment)
BAD = {
    "malformed-yaml-tab": (
        {"env/dev.yaml": "kestra:\n  kafka:\n\tx: 1\n"},
        ["env=dev"],
        1,
        "env/dev.yaml:3:1: error [yaml-syntax] invalid YAML: found character '\\t'",
    ),
    "unclosed-quote": (
        {"env/dev.yaml": 'kestra:\n  kafka: "abc\n'},
        ["env=dev"],
        1,
        "env/dev.yaml:3:1: error [yaml-syntax] invalid YAML",
    ),
    "duplicate-key": (
        {"env/dev.yaml": "# @package _global_\ncluster:\n  brokers: 1\n  brokers: 2\n"},
        ["env=dev"],
        1,
        "env/dev.yaml:4:3: error [duplicate-key] duplicate key 'brokers' (first written at line 3, column 3)",
    ),
    "list-file": (
        {"env/dev.yaml": "- a\n- b\n"},
        ["env=dev"],
        1,
        "env/dev.yaml:1:1: error [not-a-mapping] a config layer must be a mapping of keys, but this file is a list",
    ),
    "scalar-file": ({"env/dev.yaml": "hello\n"}, ["env=dev"], 1, "but this file is a single value ('hello')"),
    "missing-reference": (
        {
            "env/dev.yaml": "# @package _global_\nkestra:\n  kafka:\n    defaults:\n      stream:\n"
            "        properties:\n          state.dir: '/x/${kestra.kafka.defaults.consumer-prefx}'\n"
        },
        ["env=dev"],
        1,
        "env/dev.yaml:7:11: error [reference-missing] '${kestra.kafka.defaults.consumer-prefx}' names no key "
        "of the merged config: "
        "kestra.kafka.defaults.stream.properties.state.dir (",
    ),
    "cycle": (
        {"env/dev.yaml": "# @package _global_\nkestra:\n  a: '${kestra.b}'\n  b: '${kestra.a}'\n"},
        ["env=dev"],
        1,
        "error [reference-cycle] reference cycle: kestra.a (",
    ),
    "nested-properties": (
        {
            "env/dev.yaml": "# @package _global_\nkestra:\n  kafka:\n    client:\n      properties:\n"
            "        bootstrap:\n          servers: x:9092\n"
        },
        ["env=dev"],
        1,
        "env/dev.yaml:6:9: error [properties-nested-map] 'bootstrap' under kestra.kafka.client.properties "
        "is a nested map",
    ),
    "bad-override-grammar": ({}, ["env=dev", "kestra.kafka==={"], 1, "error [bad-override] bad override"),
    "override-missing-key": (
        {},
        ["env=dev", "kestra.kafka.defaults.topic.partitons=3"],
        1,
        "Did you mean 'kestra.kafka.defaults.topic.partitions'?",
    ),
    "override-bad-dict": ({}, ["env=dev", "kestra.kafka.client.properties={a:"], 1, "bad override value"),
    "unknown-env": ({}, ["env=nope"], 2, "error: unknown env 'nope' (available: dev, prod, staging)"),
    "unknown-instance": ({}, ["env=prod", "instance=eu3"], 2, "unknown instance 'eu3' (available: eu1, eu2)"),
    "env-with-dotdot": ({}, ["env=../../etc/passwd"], 2, "invalid env name"),
    "env-with-slash": ({}, ["env=a/b"], 2, "invalid env name"),
    "unknown-option": ({}, ["--frobnicate"], 2, "unrecognized arguments: --frobnicate"),
    "all-with-choice": ({}, ["--all", "env=dev"], 2, "--all compiles every target"),
    "non-utf8": (
        {"env/dev.yaml": b"kestra:\n  x: \xff\xfe\n"},
        ["env=dev"],
        1,
        "env/dev.yaml:2:6: error [not-utf8] file is not valid UTF-8",
    ),
    "alias-bomb": (
        {
            "env/dev.yaml": "a: &a [x,x,x,x,x,x,x,x,x]\n"
            + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(9))
        },
        ["env=dev"],
        1,
        "once aliases are followed, over kkc's limit",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_is_one_clear_message(name: str, conf: Path, tmp_path: Path) -> None:
    files, args, code, message = BAD[name]
    for rel, content in files.items():
        path = conf / rel
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            write(path, content)
    out = tmp_path / "build"
    write(out / "dev" / "topics.yaml", "previous\n")
    run = kkc("compile", "--config-dir", str(conf), *args, "--out", str(out), cwd=conf.parent)
    assert run.code == code, run.err
    assert message in run.err
    assert "Traceback" not in run.err and run.out == ""
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == ["dev", "dev/topics.yaml"]
    assert (out / "dev" / "topics.yaml").read_text() == "previous\n"


def test_missing_config_dir_is_a_usage_error(tmp_path: Path) -> None:
    run = kkc("compile", cwd=tmp_path)
    assert run.code == 2
    assert "config directory conf does not exist" in run.err


def test_out_pointing_at_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    run = kkc("compile", "--out", str(tmp_path / "file"), cwd=REPO)
    assert run.code == 2 and "is a file, not a directory" in run.err


def test_one_failing_target_writes_nothing_for_any(conf: Path, tmp_path: Path) -> None:
    write(
        conf / "instance" / "eu2.yaml",
        "# @package _global_\nkestra:\n  kafka:\n    defaults:\n      topic-prefix: '${kestra.nope}'\n",
    )
    run = kkc("compile", "--config-dir", str(conf), "--all", "--out", str(tmp_path / "out"))
    assert run.code == 1
    assert "(target prod/eu2)" in run.err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_out_is_a_usage_error(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    run = kkc("compile", "--out", str(locked / "build"), cwd=REPO)
    assert run.code == 2 and "is not writable" in run.err


def test_targets_list_decides_all(conf: Path) -> None:
    run = kkc("compile", "--config-dir", str(conf), "--all", "--format", "json")
    assert run.code == 0, run.err
    decoder = json.JSONDecoder()
    targets, text = [], run.out
    while text.strip():
        doc, end = decoder.raw_decode(text.lstrip())
        targets.append(doc["target"])
        text = text.lstrip()[end:]
    assert targets == ["dev", "staging/eu1", "prod/eu1", "prod/eu2"]


def test_without_targets_list_every_env_times_every_instance(conf: Path) -> None:
    text = (conf / "config.yaml").read_text()
    start = text.index("targets:")
    end = text.index("cluster:")
    write(conf / "config.yaml", text[:start] + text[end:])
    run = kkc("compile", "--config-dir", str(conf), "--all", "--out", str(conf.parent / "out"))
    assert run.code == 0, run.err
    dirs = sorted(
        p.parent.relative_to(conf.parent / "out").as_posix() for p in (conf.parent / "out").rglob("topics.yaml")
    )
    assert dirs == ["dev/eu1", "dev/eu2", "prod/eu1", "prod/eu2", "staging/eu1", "staging/eu2"]


def test_a_group_choice_with_plus_is_refused_not_silently_added() -> None:
    run = kkc("compile", "+env=prod", cwd=REPO)
    assert run.code == 1
    assert "env is a config group; choose its option with 'env=prod'" in run.err
