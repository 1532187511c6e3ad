"""Secrets never leak: values of secret keys appear in no diagnostic, diff, explain or error line.

A config with planted secrets (literal *.password values, JAAS passwords, basic.auth.user.info, a
secret override, a secret that trips the YAML 1.1 warning, a secret with a broken placeholder) is
run through every command and output format; every line kkc prints is searched for the planted
strings. They may appear only with --show-secrets, or in the compiled files themselves, which are
then written with mode 0600. The shared corpus of real-world configs is validated the same way.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from compiler.pipeline import compile_files, compile_properties
from compiler.secrets import JAAS_SECRET_RE, is_literal_secret, is_secret_key
from tests.conftest import REPO, Run, kkc, shared_files

JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="kestra" password="Jaas-Secret-7Q1";'
SCRAM = "org.apache.kafka.common.security.scram.ScramLoginModule required username=k password=Plain-Jaas-2P5;"
CONFIG = f"""\
defaults:
  - _self_
  - env: a
  - instance: null
targets:
  - {{env: a}}
  - {{env: b}}
cluster:
  name: main
  brokers: 3
kestra:
  kafka:
    client:
      properties:
        bootstrap.servers: "b1:9093"
        security.protocol: SASL_SSL
        sasl.mechanism: PLAIN
        sasl.jaas.config: '{JAAS}'
        ssl.truststore.location: /etc/kafka/truststore.jks
        ssl.truststore.password: Trust-Secret-3W9
        ssl.keystore.location: /etc/kafka/keystore.jks
        ssl.keystore.password: Keystore-Secret-5E2
        ssl.key.password: Key-Secret-8R4
    defaults:
      topic:
        replication-factor: 3
"""
ENV_A = f"""\
# @package _global_
kestra:
  kafka:
    defaults:
      topic-prefix: a_
      consumer-prefix: a_
      producer:
        properties:
          basic.auth.user.info: "user:Basic-Secret-6T3"
          ssl.key.password: 0778899
      consumer:
        properties:
          sasl.jaas.config: {SCRAM}
"""
ENV_B = """\
# @package _global_
kestra:
  encryption:
    secret-key: Encryption-Secret-5K
  kafka:
    defaults:
      topic-prefix: b_
      consumer-prefix: b_
    client:
      properties:
        ssl.key.password: Other-Key-Secret-9Z
        sasl.oauthbearer.assertion.private.key.passphrase: Passphrase-Secret-2K
        ssl.truststore.password: ${KAFKA_TRUSTSTORE_PASSWORD}
"""
OVERRIDE = "++kestra.kafka.client.properties[ssl.keystore.key]=Override-Secret-9Y8"
SECRETS = (
    "Jaas-Secret-7Q1",
    "Trust-Secret-3W9",
    "Keystore-Secret-5E2",
    "Key-Secret-8R4",
    "Basic-Secret-6T3",
    "0778899",
    "Plain-Jaas-2P5",
    "Other-Key-Secret-9Z",
    "Override-Secret-9Y8",
    "Unclosed-Secret-4U6",
    "Bad=Override-Secret-1Q",
    "Encryption-Secret-5K",
    "Passphrase-Secret-2K",
)
APPLICATION = f"""\
kestra:
  kafka:
    client:
      properties:
        bootstrap.servers: b1:9093
        security.protocol: SASL_SSL
        sasl.mechanism: PLAIN
        sasl.jaas.config: '{JAAS}'
        ssl.key.password: Key-Secret-8R4
        ssl.keystore.password: [Keystore-Secret-5E2]
    defaults:
      topic:
        partitions: 0
"""
PROPERTIES = f"""\
bootstrap.servers=b1:9093
security.protocol=SASL_SSL
sasl.mechanism=PLAIN
sasl.jaas.config={JAAS[:40]}\\
    {JAAS[40:]}
ssl.key.password=Key-Secret-8R4
ssl.truststore.password = Trust-Secret-3W9
basic.auth.user.info=user:Basic-Secret-6T3
acks=maybe
"""
FORMATS = ("text", "json", "github", "sarif")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    conf = tmp_path / "conf"
    (conf / "env").mkdir(parents=True)
    (conf / "config.yaml").write_text(CONFIG)
    (conf / "env" / "a.yaml").write_text(ENV_A)
    (conf / "env" / "b.yaml").write_text(ENV_B)
    (tmp_path / "application.yml").write_text(APPLICATION)
    (tmp_path / "client.properties").write_text(PROPERTIES)
    return tmp_path


def leaks(run: Run, secrets: tuple[str, ...] | list[str] = SECRETS) -> list[str]:
    shown = run.out + run.err
    return [secret for secret in secrets if secret in shown]


def everything(cwd: Path) -> dict[str, Run]:
    """Every command and format over the planted tree, except the outputs that are the compiled files."""
    conf = ("--config-dir", "conf")
    runs: dict[str, Run] = {}
    for fmt in FORMATS:
        runs[f"validate --all {fmt}"] = kkc("validate", *conf, "--all", "--format", fmt, cwd=cwd)
        runs[f"validate override {fmt}"] = kkc("validate", *conf, "env=a", OVERRIDE, "--format", fmt, cwd=cwd)
        runs[f"validate file {fmt}"] = kkc("validate", "application.yml", "--format", fmt, cwd=cwd)
        runs[f"validate properties {fmt}"] = kkc(
            "validate", "client.properties", "--as", "producer", "--format", fmt, cwd=cwd
        )
    for fmt in ("text", "json"):
        runs[f"diff {fmt}"] = kkc("diff", *conf, "env=a", OVERRIDE, "--format", fmt, "--", "env=b", cwd=cwd)
        runs[f"diff --against {fmt}"] = kkc("diff", *conf, "env=a", "--against", "build/b", "--format", fmt, cwd=cwd)
        for key in (
            "kestra.kafka.client.properties.ssl.key.password",
            "kestra.kafka.client.properties.sasl.jaas.config",
            "kestra.kafka.client.properties.ssl.keystore.key",
            "clients.producer.ssl.key.password",
            "clients.producer.basic.auth.user.info",
            "clients.consumer.sasl.jaas.config",
            "clients.admin.ssl.truststore.password",
        ):
            runs[f"explain {key} {fmt}"] = kkc("explain", *conf, key, "env=a", OVERRIDE, "--format", fmt, cwd=cwd)
    live = ("--timeout", "2", "--bootstrap", "127.0.0.1:9")  # refused before connecting (a JKS store path)
    for fmt in ("text", "json"):
        runs[f"plan {fmt}"] = kkc("plan", *conf, "env=a", OVERRIDE, *live, "--format", fmt, cwd=cwd)
        runs[f"apply {fmt}"] = kkc("apply", *conf, "env=a", OVERRIDE, *live, "--yes", "--format", fmt, cwd=cwd)
    runs["validate --cluster"] = kkc("validate", *conf, "env=a", OVERRIDE, "--cluster", *live, cwd=cwd)
    for name, args in {
        "compile yaml": ("env=a",),
        "compile json": ("env=a", "--format", "json"),
        "compile with override": ("env=a", OVERRIDE),
        "compile bad override": ("env=a", "kestra.kafka.client.properties[ssl.key.password]=Bad=Override-Secret-1Q"),
    }.items():
        run = kkc("compile", *conf, *args, cwd=cwd)
        runs[f"{name} (stderr)"] = Run(run.code, "", run.err)  # stdout is the compiled file itself
    return runs


def test_planted_secrets_appear_in_no_output(tree: Path) -> None:
    written = kkc("compile", "--config-dir", "conf", "--all", "--out", "build", cwd=tree)
    assert written.code == 0, written.err
    assert not leaks(written)
    # A secret changed since the last compile: --check says which files are stale, without the values.
    config = tree / "conf" / "config.yaml"
    config.write_text(config.read_text().replace("Key-Secret-8R4", "Key-Secret-8R5").replace("7Q1", "7Q2"))
    check = kkc("compile", "--config-dir", "conf", "--all", "--out", "build", "--check", cwd=tree)
    assert check.code == 1 and "stale: build/a/admin.properties" in check.err
    assert not leaks(check, [*SECRETS, "Key-Secret-8R5", "Jaas-Secret-7Q2"]), check.err
    runs = everything(tree)
    found = {name: leaks(run) for name, run in runs.items() if leaks(run)}
    assert found == {}
    for name, run in runs.items():
        expected = (2,) if name.startswith(("plan", "apply", "validate --cluster")) else (0, 1)
        assert run.code in expected, f"{name}: {run.err}"
        assert "Traceback" not in run.out + run.err, name
    assert "(value hidden)" in runs["validate --all text"].out
    assert "********" in runs["explain clients.producer.ssl.key.password text"].out


def test_a_secret_with_a_broken_placeholder_is_not_quoted(tree: Path) -> None:
    config = tree / "conf" / "config.yaml"
    config.write_text(config.read_text().replace("Trust-Secret-3W9", '"${TRUST:Unclosed-Secret-4U6"'))
    for argv in (("compile", "--config-dir", "conf"), ("validate", "--config-dir", "conf", "--format", "json")):
        run = kkc(*argv, cwd=tree)
        assert run.code == 1
        assert "[placeholder-syntax]" in run.out + run.err or '"placeholder-syntax"' in run.out
        assert "unclosed placeholder in the value (value hidden: a secret key)" in run.out + run.err
        assert not leaks(run)


def test_show_secrets_shows_them(tree: Path) -> None:
    run = kkc(
        "explain",
        "--config-dir",
        "conf",
        "clients.producer.ssl.key.password",
        "--show-secrets",
        "--format",
        "json",
        cwd=tree,
    )
    assert run.code == 0, run.err
    assert json.loads(run.out)["value"] == "0778899"
    run = kkc("diff", "--config-dir", "conf", "env=a", "--show-secrets", "--", "env=b", cwd=tree)
    assert "Other-Key-Secret-9Z" in run.out and "Key-Secret-8R4" in run.out


def test_files_holding_a_literal_secret_are_private(tree: Path) -> None:
    run = kkc("compile", "--config-dir", "conf", "--all", "--out", "build", "--emit", "kafka-topics", cwd=tree)
    assert run.code == 0, run.err
    for target in ("a", "b"):
        for path in sorted((tree / "build" / target).iterdir()):
            text = path.read_text()
            mode = stat.S_IMODE(path.stat().st_mode)
            holds_secret = any(secret in text for secret in SECRETS)
            if holds_secret:
                assert mode == 0o600, f"{path} holds a secret but has mode {oct(mode)}"
            if path.name in ("topics.yaml", "create-topics.sh"):
                assert not holds_secret and mode in (0o644, 0o755)
    assert "Key-Secret-8R4" in (tree / "build" / "a" / "admin.properties").read_text()
    assert stat.S_IMODE((tree / "build" / "a" / "producer.properties").stat().st_mode) == 0o600


def test_files_with_run_time_placeholders_only_stay_readable(tmp_path: Path) -> None:
    """The example tree's prod targets take their passwords from ${KAFKA_PASSWORD}: nothing to hide."""
    run = kkc("compile", "--config-dir", str(REPO / "conf"), "env=prod", "instance=eu1", "--out", str(tmp_path))
    assert run.code == 0, run.err
    text = (tmp_path / "prod" / "eu1" / "admin.properties").read_text()
    assert "${KAFKA_PASSWORD}" in text
    assert stat.S_IMODE((tmp_path / "prod" / "eu1" / "admin.properties").stat().st_mode) == 0o644


# --- the shared corpus of real-world configs ---------------------------------------------------------

PLANTED_YAML = "---\nkestra:\n  kafka:\n    client:\n      properties:\n        ssl.key.password: Planted-Corpus-7Y\n"
PLANTED_PROPERTIES = "\nssl.key.password=Planted-Corpus-7Y\n"


def literal_secrets(path: Path) -> list[str]:
    """The literal secret values a file holds, read the way kkc reads it (JAAS passwords included)."""
    try:
        compiled = compile_properties(path, "producer") if path.suffix == ".properties" else compile_files([path], [])
    except Exception:  # noqa: BLE001 - a file kkc refuses holds nothing kkc could print
        return []
    found = set()
    for key_path, chain in compiled.merged.settings.items():
        key = str(key_path[-1]) if key_path else ""
        for setting in chain:
            if is_secret_key(key) and isinstance(setting.value, str) and is_literal_secret(key, setting.value):
                found.add(setting.value)
                for match in JAAS_SECRET_RE.finditer(setting.value):
                    found.add(next((g for g in match.group(3, 4, 5) if g is not None), ""))
    return sorted(s for s in found if len(s) >= 4)


@pytest.mark.parametrize("path", shared_files("corpus"))
def test_the_corpus_validates_without_crash_or_leak(path: Path, tmp_path: Path) -> None:
    copy = tmp_path / path.name
    planted = PLANTED_PROPERTIES if path.suffix == ".properties" else PLANTED_YAML
    copy.write_bytes(path.read_bytes() + planted.encode())
    role = ("--as", "producer") if path.suffix == ".properties" else ()
    secrets = [*literal_secrets(path), "Planted-Corpus-7Y"]
    verdict = ""
    for fmt in FORMATS:
        for target in (path, copy):
            run = kkc("validate", str(target), *role, "--format", fmt, cwd=tmp_path)
            assert run.code in (0, 1), run.out + run.err
            assert "Traceback" not in run.out + run.err
            assert not leaks(run, secrets), (fmt, leaks(run, secrets))
            if fmt == "text" and target == path:
                verdict = run.out.splitlines()[-1] if run.out else run.err.strip()
    print(f"\n{path.name}: {verdict}")


def test_kubernetes_outputs_keep_every_secret_in_the_secret(tree: Path) -> None:
    run = kkc(
        "compile", "--config-dir", "conf", "--all", "--out", "k8s", "--emit", "configmap", "--emit", "secret", cwd=tree
    )
    assert run.code == 0, run.err
    configmaps = list((tree / "k8s").rglob("kestra-configmap.yaml"))
    secrets = list((tree / "k8s").rglob("kestra-secret.yaml"))
    assert configmaps and secrets
    for path in configmaps:
        assert not [s for s in SECRETS if s in path.read_text()], path
    held = "".join(p.read_text() for p in secrets)
    assert "Passphrase-Secret-2K" in held and "Encryption-Secret-5K" in held
    assert all(p.stat().st_mode & 0o077 == 0 for p in secrets)
