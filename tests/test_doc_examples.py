"""Every example of the documentation page kkc implements gets the verdict a Kestra expert gives.

tests/doc_examples/ holds the page's examples (kestra-kafka-doc.md), each validated as a Kestra
config file over Kestra's bundled defaults. The page's exactly_once, uat_kestra and
kestra_(executions|workertaskresult) examples are real mistakes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import kkc

EXAMPLES = Path(__file__).parent / "doc_examples"

# Warnings and errors only. Every example also gets infos for facts the page does not state: no broker
# count (brokers-not-declared) and the brokers' message.max.bytes, which decides whether Kestra's 10 MiB
# max.request.size fits (max-request-size-above-max-message-bytes); those are not verdicts on the page.
VERDICTS: dict[str, list[tuple[str, str]]] = {
    "minimal.yaml": [],
    # hostname verification off, three literal passwords in a committed file, and the page's "host:port"
    # left as written: Kafka cannot parse it (Invalid url in bootstrap.servers)
    "ssl.yaml": [
        ("error", "bootstrap-servers-malformed"),
        ("warning", "literal-secret"),
        ("warning", "literal-secret"),
        ("warning", "literal-secret"),
        ("warning", "ssl-hostname-verification-disabled"),
    ],
    # exactly_once is deprecated in Kafka 3.x and removed in 4.0 (Kafka Streams then refuses to start);
    # Kestra 1.3, the default, ships a client between 3.9 and 4.3: a warning that says what 4.x gives
    "defaults.yaml": [("warning", "deprecated-in-kafka-version")],
    # uat_kestra + executor_main: no separator; and with only one prefix changed, the executor reads a
    # changelog topic Streams never writes
    "consumer-prefix.yaml": [
        ("error", "executor-topic-prefix-mismatch"),
        ("warning", "prefix-missing-separator"),
    ],
    "topic-prefix.yaml": [("error", "executor-topic-prefix-mismatch"), ("warning", "prefix-missing-separator")],
    # 'executions' never matches the real topic kestra_execution (a regexp must match the whole name)
    "loggers.yaml": [("warning", "logger-topic-regexp-dead-alternative")],
    # the page's kestra.kafka.stream.properties.state.dir: Kestra binds defaults.stream.properties
    "state-dir.yaml": [("warning", "doc-variant-path")],
    "defaults-topics-variant.yaml": [("warning", "doc-variant-path")],
    # a finite retention on the compacted execution topic: Kafka ignores it (expires nothing), one
    # cleanup.policy change away from losing executions
    "topic-retention.yaml": [("warning", "referential-topic-retention")],
    # 1 MiB to internal storage, 10 MiB refused: consistent with the producer's max.request.size
    "message-protection.yaml": [],
}


def test_every_example_has_a_verdict() -> None:
    assert sorted(VERDICTS) == sorted(p.name for p in EXAMPLES.glob("*.yaml"))


@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_verdict(name: str) -> None:
    run = kkc("validate", str(EXAMPLES / name), "--format", "json")
    found = sorted((d["level"], d["rule"]) for d in json.loads(run.out)["diagnostics"] if d["level"] != "info")
    assert found == sorted(VERDICTS[name])
    assert run.code == (1 if any(level == "error" for level, _ in found) else 0)
    infos = {d["rule"] for d in json.loads(run.out)["diagnostics"] if d["level"] == "info"}
    assert "max-request-size-above-max-message-bytes" in infos
