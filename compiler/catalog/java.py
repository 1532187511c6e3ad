"""Java's own string and number behaviour, so values are parsed and printed exactly as Kafka does."""

from __future__ import annotations

from collections.abc import Iterable


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
