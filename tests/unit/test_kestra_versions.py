"""compiler.kestra_versions: what each Kestra release binds and ships, band by band."""

from __future__ import annotations

import pytest

from compiler.kestra_versions import DEFAULT, Checked, parse, problem


@pytest.mark.parametrize(
    ("version", "edition", "kafka"),
    [
        ("0.4", "open source", ("3.0", "3.0")),
        ("0.5", "open source", ("3.1", "3.1")),
        ("0.6.0", "open source", ("3.1", "3.1")),
        ("0.7", "Enterprise", ("3.1", "3.7")),
        ("0.17", "Enterprise", ("3.1", "3.7")),
        ("0.18", "Enterprise", ("3.7", "3.7")),
        ("0.19.4", "Enterprise", ("3.7", "3.7")),
        ("0.20", "Enterprise", ("3.9", "3.9")),
        ("0.21", "Enterprise", ("3.9", "4.3")),
        ("1.0.1", "Enterprise", ("3.9", "4.3")),
        ("1.3", "Enterprise", ("3.9", "4.3")),
        ("2.0", "Enterprise", ("4.3", "4.3")),
        ("v2.1", "Enterprise", ("4.3", "4.3")),
    ],
)
def test_each_band(version: str, edition: str, kafka: tuple[str, str]) -> None:
    release = parse(version)
    assert release is not None and release.edition == edition and release.band.kafka == kafka
    assert not release.newer_than_known


def test_the_default_is_the_long_term_enterprise_release() -> None:
    assert DEFAULT == "1.3"


def test_a_release_newer_than_kkc_knows_is_judged_as_the_newest() -> None:
    release = parse("3.0")
    assert release is not None and release.newer_than_known and release.band.kafka == ("4.3", "4.3")
    assert "newer than kkc knows: judged as 2.x" in Checked(release, "", ("4.3", "4.3"), "").describe()


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("0.3", "kkc knows Kestra from 0.4 (earlier releases named their topics differently)"),
        ("1", "write a Kestra release as X.Y or X.Y.Z, for example 1.3 or 0.20"),
        ("1.3-SNAPSHOT", "write a Kestra release as X.Y or X.Y.Z, for example 1.3 or 0.20"),
    ],
)
def test_what_is_not_a_release(text: str, why: str) -> None:
    assert parse(text) is None and problem(text) == why


@pytest.mark.parametrize(
    ("checked", "line"),
    [
        (
            Checked(parse("1.3"), "", ("3.9", "4.3"), ""),
            "Checked as Kestra 1.3 Enterprise (assumed: the current long-term release; set cluster.kestra-version "
            "or --kestra-version) with Kafka clients 3.9 to 4.3 (Kestra 1.3 ships one of them, which is not public; "
            "set cluster.kafka-version or --kafka-version)",
        ),
        (
            Checked(parse("0.6"), "cluster.kestra-version", ("3.1", "3.1"), ""),
            "Checked as Kestra 0.6 open source (cluster.kestra-version) with Kafka 3.1 (the client Kestra 0.6 ships)",
        ),
        (
            Checked(parse("1.3"), "--kestra-version", ("4.1", "4.1"), "cluster.kafka-version"),
            "Checked as Kestra 1.3 Enterprise (--kestra-version) with Kafka 4.1 (cluster.kafka-version)",
        ),
        (
            Checked(None, "", ("4.3", "4.3"), ""),
            "Checked as Kafka 4.3 (assumed: the latest kkc knows; set --kafka-version)",
        ),
    ],
)
def test_the_header_line(checked: Checked, line: str) -> None:
    assert checked.describe() == line
