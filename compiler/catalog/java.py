"""Java's own string and number behaviour, so values are parsed and printed exactly as Kafka does."""

from __future__ import annotations

from collections.abc import Iterable

_JAVA_WHITESPACE = "".join(map(chr, range(33)))  # String.trim() strips every char <= U+0020


def _java_trim(value: str) -> str:
    return value.strip(_JAVA_WHITESPACE)


def _java_equals_ignore_case(a: str, b: str) -> bool:
    """``String.equalsIgnoreCase``: per char, equal after toUpperCase or after toUpperCase+toLowerCase."""

    def up(c: str) -> str:
        u = c.upper()
        return u if len(u) == 1 else c

    def low(c: str) -> str:
        lo = c.lower()
        return lo if len(lo) == 1 else c

    return len(a) == len(b) and all(
        x == y or up(x) == up(y) or low(up(x)) == low(up(y)) for x, y in zip(a, b, strict=True)
    )


def _java_double_str(x: float) -> str:
    """``Double.toString``."""
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "-0.0" if str(x).startswith("-") else "0.0"
    if 1e-3 <= abs(x) < 1e7:
        text = repr(x)
        return text if "." in text or "e" in text else text + ".0"
    from decimal import Decimal

    sign, digits, exponent = Decimal(repr(x)).as_tuple()
    assert isinstance(exponent, int)
    ds = "".join(map(str, digits)).rstrip("0") or "0"
    exp10 = exponent + len(digits) - 1
    return ("-" if sign else "") + ds[0] + "." + (ds[1:] or "0") + "E" + str(exp10)


def _java_number_str(value: object) -> str:
    return _java_double_str(value) if isinstance(value, float) else str(value)


def _java_list_str(items: Iterable[str]) -> str:
    return "[" + ", ".join(items) + "]"


def _java_string_hash(s: str) -> int:
    h = 0
    data = s.encode("utf-16-be")
    for i in range(0, len(data), 2):
        h = (31 * h + int.from_bytes(data[i : i + 2], "big")) & 0xFFFFFFFF
    return h


def _java_hash_set_order(items: Iterable[str]) -> list[str]:
    """Iteration order of a ``java.util.HashSet<String>`` filled with ``items`` in order."""
    unique = list(dict.fromkeys(items))
    capacity = 16
    while len(unique) > capacity * 3 // 4:
        capacity *= 2

    def bucket(s: str) -> int:
        h = _java_string_hash(s)
        return (h ^ (h >> 16)) & (capacity - 1)

    return sorted(unique, key=lambda s: (bucket(s), unique.index(s)))
