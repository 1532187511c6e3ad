from __future__ import annotations

import contextlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CASES = REPO / "tests" / "cases"
GOLDEN = REPO / "golden"
UPDATE_COMMAND = "pytest tests/test_golden.py --update-golden"
# kkc's result cache stays off in tests (a test that patches kkc's internals must not get a replay);
# tests/test_cache.py turns it on with a cache directory of its own.
os.environ["KKC_NO_CACHE"] = "1"
# The project's shared material (reference facts, corpus) sits beside the repository, as in CI.
SHARED = REPO.parent / "shared"


def missing_shared(path: Path) -> str:
    """The skip reason when a piece of ../shared is absent: which path, and how to get it."""
    return (
        f"{path} is missing: the tests read the project's shared material from ../shared beside the "
        f"repository (clone or copy it to {SHARED}, as CI does)"
    )


def shared_files(sub: str) -> list[object]:
    """Parameters for a test over every file of ../shared/<sub>; one skipped parameter if it is absent."""
    folder = SHARED / sub
    if folder.is_dir():
        files = sorted(folder.iterdir())
        if files:
            return [pytest.param(f, id=f.name) for f in files]
    return [pytest.param(None, id="missing", marks=pytest.mark.skip(reason=missing_shared(folder)))]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite golden/ from the current outputs (review the diff before committing)",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@dataclass
class Run:
    code: int
    out: str
    err: str


def kkc(*args: str, cwd: Path | None = None) -> Run:
    """Run kkc's main() in-process, as the console script would, capturing its output."""
    from compiler.cli import main

    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:
                code = int(exc.code or 0)
    finally:
        os.chdir(old)
    return Run(code, out.getvalue(), err.getvalue())


def case_args(case: Path) -> list[str]:
    return [line.strip() for line in (case / "args.txt").read_text().splitlines() if line.strip()]


@pytest.fixture(scope="session")
def kafka_jars() -> Path:
    """The pinned Kafka jars (fetched by Maven on first use); skips with the reason when Java or Maven is missing."""
    from tests.kafka.harness import HarnessError, ensure_jars, missing_reason

    reason = missing_reason()
    if reason is not None:
        pytest.skip(f"the real Kafka cannot run here: {reason}")
    try:
        return ensure_jars()
    except HarnessError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def kafka_broker(kafka_jars: Path, tmp_path_factory: pytest.TempPathFactory) -> object:
    """A real single-node KRaft broker on 127.0.0.1, started once per test session."""
    from tests.kafka.broker import Broker

    broker = Broker(tmp_path_factory.mktemp("kafka-broker"))
    broker.start()
    print(
        f"\nKafka broker {broker.bootstrap}: started in {broker.started_in:.1f} s, RSS {broker.rss_kib() // 1024} MiB"
    )
    yield broker
    broker.stop()


@pytest.fixture(scope="session")
def kafka_cluster(kafka_jars: Path, tmp_path_factory: pytest.TempPathFactory) -> object:
    """A real KRaft cluster of 3 brokers (and one controller) on 127.0.0.1, with a SASL/SCRAM listener,
    started once per test session (tests/kafka/cluster.py)."""
    pytest.importorskip("confluent_kafka", reason="the live extra is not installed (pip install -e '.[test]')")
    from tests.kafka.cluster import Cluster

    cluster = Cluster(tmp_path_factory.mktemp("kafka-cluster"))
    cluster.start()
    rss = cluster.rss_mib()
    print(f"\nKafka cluster {cluster.sasl_bootstrap}: started in {cluster.started_in:.1f} s, RSS {sum(rss)} MiB {rss}")
    yield cluster
    cluster.stop()


def colliding_tree(conf: Path, n: int) -> Path:
    """bench's heavy tree of n targets, with two instances of one env on one prefix (the cross-target rule
    has findings to place)."""
    from bench.generate import generate

    generate(n, conf, "heavy")
    for name in ("dev-000.yaml", "dev-001.yaml"):
        path = conf / "instance" / name
        path.write_text(path.read_text().replace("dev000_kestra_", "same_").replace("dev001_kestra_", "same_"))
    return conf
