"""compiler/cluster.py: the one definition of two targets sharing a Kafka cluster."""

from __future__ import annotations

from typing import Any

import pytest

from compiler.cluster import bootstrap_entries, cluster_of, linked, relation


@pytest.mark.parametrize(
    ("value", "servers", "complete"),
    [
        pytest.param("K1:9092, k2:9092", {"k1:9092", "k2:9092"}, True, id="trimmed-lower-cased"),
        pytest.param(["k1:9092", "k2:9092"], {"k1:9092", "k2:9092"}, True, id="yaml-list"),
        pytest.param("k1:9092,${EXTRA}", {"k1:9092"}, False, id="one-entry-at-run-time"),
        pytest.param("${HOST}:9092", set(), False, id="host-at-run-time"),
        pytest.param("${KAFKA:`a:1,b:2`}", set(), False, id="a-default-with-commas-is-one-entry"),
        pytest.param("${KAFKA", set(), False, id="broken-placeholder"),
        pytest.param(None, set(), False, id="unset"),
    ],
)
def test_bootstrap_entries(value: Any, servers: set[str], complete: bool) -> None:
    assert bootstrap_entries(value) == (frozenset(servers), complete)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        pytest.param(("x", "k1:9092,k2:9092"), ("y", "k2:9092"), "same", id="servers-overlap-whatever-the-names"),
        pytest.param(("prod", "k1:9092"), ("prod", "k2:9092"), "different", id="same-name-other-servers"),
        pytest.param(("prod", "k1:9092"), ("prod", "${KAFKA}"), "same", id="same-name-servers-unknown"),
        pytest.param(("prod", "k1:9092,${X}"), ("prod", "k2:9092"), "same", id="a-hidden-entry-may-be-common"),
        pytest.param((None, "k1:9092"), (None, "k2:9092"), "different", id="no-names-other-servers"),
        pytest.param(("dev", "${KAFKA}"), ("prod", "${KAFKA}"), "different", id="other-names-servers-unknown"),
        pytest.param((None, "${KAFKA}"), ("prod", "${KAFKA}"), "unknown", id="nothing-to-tell"),
    ],
)
def test_relation(a: tuple[str | None, str], b: tuple[str | None, str], expected: str) -> None:
    assert relation(cluster_of(*a), cluster_of(*b))[0] == expected


def test_servers_overlapping_through_a_third_cluster_link_the_first_and_last() -> None:
    first, _, last = linked(
        [cluster_of(None, "k1:9092"), cluster_of(None, "k1:9092,k2:9092"), cluster_of(None, "k2:9092")]
    )
    assert relation(first, last) == ("same", "bootstrap servers that other targets share with both")
