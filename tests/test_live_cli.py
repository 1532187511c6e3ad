"""kkc plan / apply as a user mistypes them: refused before anything is sent (no cluster needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO, kkc


@pytest.mark.parametrize(
    ("bootstrap", "said"),
    [
        ("localhost:99999", "Invalid port: localhost:99999; the port must be at most 65535"),
        ("localhost", "Invalid url: localhost; the port is missing"),
        ("a:1;b:2", "Invalid url: a:1;b:2; separate entries with commas, not ';'"),
        ("a:1,,b:2", "an empty entry (two commas in a row)"),
    ],
)
def test_a_bootstrap_kafka_would_refuse_is_a_usage_error(bootstrap: str, said: str) -> None:
    run = kkc("plan", "env=dev", "--bootstrap", bootstrap, cwd=REPO)
    assert run.code == 2
    assert f"argument --bootstrap: {said}" in run.err


def test_a_timeout_of_zero_is_refused_in_words_that_exclude_it() -> None:
    run = kkc("plan", "env=dev", "--timeout", "0", cwd=REPO)
    assert run.code == 2 and "give more than 0 and at most 600 seconds" in run.err


def test_a_target_that_does_not_compile_is_exit_1_and_nothing_is_sent() -> None:
    pytest.importorskip("confluent_kafka")
    run = kkc("plan", "env=dev", "kestra.kafka.defaults.topic.partitons=3", "--bootstrap", "127.0.0.1:9", cwd=REPO)
    assert run.code == 1
    assert "error [bad-override]" in run.err
    assert "the target does not compile (above): nothing was sent to the cluster" in run.err


def test_a_broken_placeholder_in_a_command_config_secret_is_not_quoted(tmp_path: Path) -> None:
    pytest.importorskip("confluent_kafka")
    config = tmp_path / "admin.properties"
    config.write_text(
        "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=org.apache.kafka.common."
        'security.scram.ScramLoginModule required username="kestra" password="Q7${Zx9pLm4Tq";\n'
    )
    run = kkc("plan", "env=dev", "--bootstrap", "127.0.0.1:9", "--command-config", str(config), cwd=REPO)
    assert run.code == 2
    assert "a '${' without its '}' (value hidden: a secret key)" in run.err
    assert "Zx9pLm4Tq" not in run.out + run.err


def test_a_mechanism_kestra_could_not_log_in_with_is_refused_not_corrected() -> None:
    pytest.importorskip("confluent_kafka")
    run = kkc(
        "plan",
        "env=prod",
        "instance=eu1",
        "+kestra.kafka.client.properties.x=1",
        "kestra.kafka.client.properties[sasl.mechanism]=scram-sha-512",
        "--bootstrap",
        "127.0.0.1:9",
        cwd=REPO,
    )
    assert run.code == 2, run.out + run.err
    assert "sasl.mechanism 'scram-sha-512'" in run.err and "must be written 'SCRAM-SHA-512'" in run.err
