"""A cluster's Kafka release from the API versions its brokers answer."""

from __future__ import annotations

from compiler.catalog import KNOWN_VERSIONS
from compiler.live.apiversions import cluster_release, parse_log, release_of, tables


def test_each_release_is_told_by_its_own_table() -> None:
    for version in KNOWN_VERSIONS:
        found = release_of(tables()[version])
        assert found is not None and found.covers(version), (version, found)


def test_a_newer_broker_and_a_rolling_upgrade() -> None:
    latest = tables()[KNOWN_VERSIONS[-1]]
    newer = release_of({**latest, 0: latest[0] + 1})
    assert newer is not None and newer.newer and newer.text().endswith("or later")
    old, new = tables()["3.6"], tables()["4.0"]
    mixed = cluster_release({"b1": old, "b2": new})
    assert mixed is not None and mixed.covers("3.6")
    assert release_of({}) is None


def test_librdkafka_feature_log_lines() -> None:
    lines = [
        "[thrd:sasl_plaintext://127.0.0.1:1/bootstrap]: sasl_plaintext://127.0.0.1:1/1:   ApiKey Produce (0) "
        "Versions 0..13",
        "sasl_plaintext://127.0.0.1:1/1:   ApiKey Fetch (1) Versions 4..18",
        "unrelated",
    ]
    assert parse_log(lines) == {"sasl_plaintext://127.0.0.1:1/1": {0: 13, 1: 18}}
