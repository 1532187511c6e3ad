"""Tests of the harness itself: does it report what Kafka's Java config classes and clients say?"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from .harness import (
    HarnessError,
    Result,
    check_properties,
    compiled_classes,
    config_dump,
    kafka_config_names,
    version_jars,
)

SERIALIZER = "org.apache.kafka.common.serialization.ByteArraySerializer"


@pytest.fixture(scope="module")
def kafka_java(kafka_jars: Path) -> None:
    """The pinned jars (tests/kafka/pom.xml), fetched by Maven when missing."""


@dataclass(frozen=True)
class Expected:
    role: str
    content: str
    status: str
    message: str | None = None
    unknown: tuple[str, ...] = ()
    injected: tuple[str, ...] | None = None  # None: not checked
    exception: str | None = None


CASES: dict[str, Expected] = {
    "producer:acks_upper_case_rejected": Expected(
        role="producer",
        content="acks=ALL\n",
        status="error",
        message="Invalid value ALL for configuration acks: String must be one of: all, -1, 0, 1",
        exception="org.apache.kafka.common.config.ConfigException",
    ),
    "producer:acks_all_accepted": Expected(
        role="producer",
        content="acks=all\n",
        status="ok",
        injected=("bootstrap.servers", "key.serializer", "value.serializer"),
    ),
    "streams:exactly_once_removed_in_4": Expected(
        role="streams",
        content="processing.guarantee=exactly_once\n",
        status="error",
        message=(
            "Invalid value exactly_once for configuration processing.guarantee: String must be one of: "
            "at_least_once, exactly_once_v2"
        ),
    ),
    "streams:prefixed_client_keys_are_known": Expected(
        role="streams",
        content="producer.linger.ms=5\nmain.consumer.max.poll.records=10\nacks=all\ntopic.retention.ms=1\n",
        status="ok",
        injected=("bootstrap.servers", "application.id"),
    ),
    "streams:typo_is_unknown": Expected(
        role="streams",
        content="num.stream.thread=2\n",
        status="ok",
        unknown=("num.stream.thread",),
    ),
    "producer:consumer_key_is_unknown": Expected(
        role="producer",
        content="acks=all\nmax.poll.records=10\n",
        status="ok",
        unknown=("max.poll.records",),
    ),
    "producer:own_settings_not_overridden": Expected(
        role="producer",
        content=f"bootstrap.servers=b1:9092\nkey.serializer={SERIALIZER}\n",
        status="ok",
        injected=("value.serializer",),
    ),
    "producer:bad_serializer_class_rejected": Expected(
        role="producer",
        content="key.serializer=com.example.NoSuchSerializer\n",
        status="error",
        message=(
            "Invalid value com.example.NoSuchSerializer for configuration key.serializer: "
            "Class com.example.NoSuchSerializer could not be found."
        ),
    ),
    "producer:negative_linger_rejected": Expected(
        role="producer",
        content="linger.ms=-1\n",
        status="error",
        message="Invalid value -1 for configuration linger.ms: Value must be at least 0",
    ),
    "consumer:enable_auto_commit_maybe_rejected": Expected(
        role="consumer",
        content="enable.auto.commit=maybe\n",
        status="error",
        message=("Invalid value maybe for configuration enable.auto.commit: Expected value to be either true or false"),
    ),
    "consumer:typical_accepted": Expected(
        role="consumer",
        content="group.id=g1\nauto.offset.reset=earliest\nmax.poll.records=100\n",
        status="ok",
        injected=("bootstrap.servers", "key.deserializer", "value.deserializer"),
    ),
    "admin:security_protocol_ssl_accepted": Expected(
        role="admin",
        content="security.protocol=SSL\n",
        status="ok",
        injected=("bootstrap.servers",),
    ),
    "admin:bootstrap_controllers_alone_accepted": Expected(
        role="admin",
        content="bootstrap.controllers=localhost:9093\n",
        status="ok",
        injected=(),
    ),
    "admin:bad_security_protocol_rejected": Expected(
        role="admin",
        content="security.protocol=TLS\n",
        status="error",
        message=(
            "Invalid value TLS for configuration security.protocol: "
            "String must be one of (case insensitive): SASL_SSL, PLAINTEXT, SSL, SASL_PLAINTEXT"
        ),
    ),
    "admin:security_protocol_is_case_insensitive": Expected(
        role="admin",
        content="security.protocol=sasl_ssl\nsasl.mechanism=PLAIN\n",
        status="ok",
    ),
    "admin:producer_key_is_unknown": Expected(
        role="admin",
        content="acks=all\nrequest.timeout.ms=1000\n",
        status="ok",
        unknown=("acks",),
    ),
}


@pytest.fixture(scope="module")
def results(kafka_java: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Result]:
    """All CASES judged in a single JVM run."""
    folder = tmp_path_factory.mktemp("props")
    jobs: list[tuple[str, str, Path]] = []
    for index, (case_id, case) in enumerate(CASES.items()):
        path = folder / f"case{index}.properties"
        path.write_text(case.content, encoding="utf-8")
        jobs.append((case_id, case.role, path))
    return check_properties(jobs)


@pytest.mark.parametrize("case_id", list(CASES))
def test_kafka_verdict(results: dict[str, Result], case_id: str) -> None:
    case = CASES[case_id]
    got = results[case_id]
    assert got.id == case_id
    assert got.status == case.status, got
    assert got.ok == (case.status == "ok")
    if case.status == "ok":
        assert got.message is None
    else:
        assert got.message == case.message
    if case.exception is not None:
        assert got.exception == case.exception
    assert got.unknown == case.unknown
    if case.injected is not None:
        assert got.injected == case.injected


def test_results_keep_job_order(results: dict[str, Result]) -> None:
    assert list(results) == list(CASES)


def test_missing_file_is_a_failure_not_a_kafka_error(kafka_java: None, tmp_path: Path) -> None:
    got = check_properties([("gone", "producer", tmp_path / "nope.properties")])["gone"]
    assert got.status == "fail"
    assert got.exception == "java.nio.file.NoSuchFileException"


def test_many_files_in_one_jvm(kafka_java: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from . import harness

    jobs: list[tuple[str, str, Path]] = []
    for i in range(20):
        path = tmp_path / f"p{i}.properties"
        path.write_text(f"acks=all\nlinger.ms={i}\ncompression.type=zstd\n", encoding="utf-8")
        jobs.append((f"p{i}", ("producer", "consumer", "admin")[i % 3], path))
    check_properties(jobs[:1])  # compile outside the count
    launched: list[list[str]] = []
    real_run = harness.subprocess.run

    def counting_run(argv: list[str], **kwargs: object) -> object:
        launched.append(argv)
        return real_run(argv, **kwargs)

    monkeypatch.setattr(harness.subprocess, "run", counting_run)
    got = check_properties(jobs)
    assert [r.status for r in got.values()] == ["ok"] * 20
    assert got["p1"].unknown == ("acks", "compression.type", "linger.ms")  # consumer
    assert len(launched) == 1, f"{len(launched)} JVMs for 20 files"


def test_config_names(kafka_java: None) -> None:
    producer = kafka_config_names("producer")
    consumer = kafka_config_names("consumer")
    admin = kafka_config_names("admin")
    assert {"acks", "bootstrap.servers", "key.serializer", "linger.ms"} <= producer
    assert "max.poll.records" not in producer
    assert {"group.id", "max.poll.records", "enable.auto.commit"} <= consumer
    assert "acks" not in consumer
    assert {"bootstrap.servers", "bootstrap.controllers", "security.protocol"} <= admin
    assert "acks" not in admin


@pytest.mark.parametrize(
    ("jobs", "error"),
    [
        pytest.param([("a", "broker", Path("x"))], "role must be", id="unknown_role"),
        pytest.param(
            [("a", "producer", Path("x")), ("a", "admin", Path("y"))],
            "duplicate job id",
            id="duplicate_id",
        ),
        pytest.param([("a\tb", "producer", Path("x"))], "without tabs", id="tab_in_id"),
    ],
)
def test_bad_jobs_rejected_before_java(jobs: list[tuple[str, str, Path]], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        check_properties(jobs)


def test_bad_role_for_names() -> None:
    with pytest.raises(ValueError, match="role must be"):
        kafka_config_names("broker")


def test_no_jobs_starts_no_jvm() -> None:
    assert check_properties([]) == {}


def test_constructors_run_the_cross_field_checks(kafka_java: None, tmp_path: Path) -> None:
    """ProducerConfig accepts delivery.timeout.ms below linger.ms + request.timeout.ms; KafkaProducer does not."""
    path = tmp_path / "p.properties"
    path.write_text("delivery.timeout.ms=1000\nlinger.ms=500\nrequest.timeout.ms=1000\n", encoding="utf-8")
    config = check_properties([("c", "producer", path)])["c"]
    built = check_properties([("c", "producer", path)], construct=True)["c"]
    assert config.ok
    assert built.status == "error"
    assert "delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms" in (
        built.message or ""
    )


def test_streams_construct_runs_with_a_state_dir_of_its_own(kafka_java: None, tmp_path: Path) -> None:
    path = tmp_path / "s.properties"
    path.write_text("state.dir=/nonexistent/kkc\nprocessing.guarantee=exactly_once_v2\n", encoding="utf-8")
    got = check_properties([("s", "streams", path)], construct=True)["s"]
    assert got.ok, got
    assert "state.dir" in got.injected


def test_streams_construct_leaves_no_state_dir_behind(
    kafka_java: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each Streams constructor run gets a temporary state dir; a CI run makes hundreds of them. The JVM
    # gets a temp dir of this test's own (other judges may run at the same time in the shared one).
    compiled_classes()
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    path = tmp_path / "s.properties"
    path.write_text("processing.guarantee=exactly_once_v2\n", encoding="utf-8")
    got = check_properties([(f"s{i}", "streams", path) for i in range(3)], construct=True)
    assert all(r.ok for r in got.values()), got
    assert list(private.iterdir()) == []


def test_config_dump_of_the_oldest_and_newest_versions(kafka_java: None) -> None:
    old = {(k.section, k.name): k for k in config_dump("3.0")}
    new = {(k.section, k.name): k for k in config_dump("4.3")}
    assert old["producer", "acks"].default == "all" and old["producer", "acks"].validator == "[all, -1, 0, 1]"
    assert ("streams", "processing.guarantee") in old and ("streams", "retries") in old
    assert ("streams", "retries") not in new  # removed in 4.0
    assert old["topic", "retention.ms"].type == "long"  # the Scala broker's kafka.log.LogConfig
    assert old["topic", "segment.index.bytes"].validator == "[0,...]"  # 4.x: [4,...]
    assert new["topic", "retention.ms"].type == "long"


def test_every_catalog_version_has_its_jars(kafka_java: None) -> None:
    from compiler.catalog import KNOWN_VERSIONS

    for version in KNOWN_VERSIONS:
        names = {jar.name for jar in version_jars(version)}
        assert any(n.startswith("kafka-clients-") for n in names), version


def test_harness_error_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    from . import harness

    monkeypatch.setattr(harness, "jdk_tool", lambda name: None)
    harness.ensure_jars.cache_clear()
    try:
        with pytest.raises(HarnessError, match="java and javac and mvn not found"):
            harness.ensure_jars()
    finally:
        harness.ensure_jars.cache_clear()


def test_class_list_matches_the_jars(kafka_java: None) -> None:
    """compiler/data/kafka-classes.json.gz is what tools/build_class_list.py reads from the jars."""
    import subprocess
    import sys

    from tests.conftest import REPO

    proc = subprocess.run(
        [sys.executable, str(REPO / "tools" / "build_class_list.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr


def test_class_list_knows_what_kafka_removed() -> None:
    from compiler.catalog.classes import missing_class

    removed = "org.apache.kafka.clients.producer.internals.DefaultPartitioner"
    assert missing_class(removed, "3.9") is None
    assert missing_class(removed, "4.0") == "it is not in Kafka 4.0 (its last version with it: 3.9)"
    assert missing_class("com.acme.Mine", "4.3") is None  # the user's own
    typo = missing_class("org.apache.kafka.common.serialization.StringSerialiser", "4.3")
    assert typo == ("no such class in Kafka 4.3; did you mean org.apache.kafka.common.serialization.StringSerializer?")
