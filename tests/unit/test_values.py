"""compiler/values.py: one reading of each value kind, the way Kafka's ConfigDef reads it."""

from __future__ import annotations

from typing import Any

import pytest

from compiler.values import as_text, parse_bool, parse_duration_nanos, parse_int, parse_list


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        pytest.param(3, "long", 3, id="yaml-int"),
        pytest.param("3", "long", 3, id="text"),
        pytest.param(" \t3\n", "long", 3, id="java-trim"),
        pytest.param("+3", "long", 3, id="plus-sign"),
        pytest.param("-1", "long", -1, id="minus-one"),
        pytest.param("1_000", "long", None, id="underscores-are-not-java"),
        pytest.param("3.7", "long", None, id="decimal"),
        pytest.param(3.7, "long", None, id="yaml-float"),
        pytest.param(True, "long", None, id="bool"),
        pytest.param(None, "long", None, id="null"),
        pytest.param("10MB", "long", None, id="unit"),
        pytest.param("${PARTITIONS}", "long", None, id="placeholder"),
        pytest.param("\u00a03", "long", None, id="nbsp-is-not-trimmed-by-java"),
        pytest.param(str(2**31), "int", None, id="above-int"),
        pytest.param(str(2**31 - 1), "int", 2**31 - 1, id="int-max"),
        pytest.param(str(2**31), "long", 2**31, id="long-takes-it"),
        pytest.param(str(2**63), "long", None, id="above-long"),
        pytest.param("40000", "short", None, id="above-short"),
    ],
)
def test_parse_int(value: Any, kind: str, expected: int | None) -> None:
    assert parse_int(value, kind) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(True, True, id="yaml-true"),
        pytest.param("true", True, id="text-true"),
        pytest.param(" FALSE ", False, id="case-and-trim"),
        pytest.param("TrUe", True, id="mixed-case"),
        pytest.param("yes", None, id="yaml11-yes-is-not-kafka"),
        pytest.param("1", None, id="one"),
        pytest.param(1, None, id="int"),
        pytest.param(None, None, id="null"),
    ],
)
def test_parse_bool(value: Any, expected: bool | None) -> None:
    assert parse_bool(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("a,b", ["a", "b"], id="plain"),
        pytest.param(" a , b ", ["a", "b"], id="blanks"),
        pytest.param("", [], id="empty"),
        pytest.param("  ", [], id="blank"),
        pytest.param("a,,b", ["a", "", "b"], id="empty-item-kept"),
        pytest.param(["a", 1, True], ["a", "1", "true"], id="yaml-list"),
    ],
)
def test_parse_list(value: Any, expected: list[str]) -> None:
    assert parse_list(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("PT1S", 1_000_000_000, id="one-second"),
        pytest.param("P1D", 86_400_000_000_000, id="one-day"),
        pytest.param("PT0.5S", 500_000_000, id="fraction"),
        pytest.param("-PT1S", -1_000_000_000, id="negative"),
        pytest.param("pt1m", 60_000_000_000, id="lower-case"),
        pytest.param("PT", None, id="empty-time"),
        pytest.param("P", None, id="nothing"),
        pytest.param("1s", None, id="not-iso"),
    ],
)
def test_parse_duration_nanos(text: str, expected: int | None) -> None:
    assert parse_duration_nanos(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [(True, "true"), (False, "false"), (None, ""), (500, "500"), ("x", "x")]
)
def test_as_text(value: Any, expected: str) -> None:
    assert as_text(value) == expected
