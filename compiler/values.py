"""How a setting's value is read: one parser per value kind, each as Kafka's ConfigDef parses it.

A value reaches kkc as YAML gave it (int, bool, str, list) or as text (a .properties file, a
derived client property set). Every stage and rule reads numbers, booleans and lists through these
functions, so one input means the same thing to every check:

- integer (`parse_int`, ConfigDef INT/LONG/SHORT; sizes in bytes and durations in ms are LONGs):
  an int as is; a string Java-trimmed (every char <= U+0020), then an optional sign and digits,
  within the type's range. A bool, a float, `3.7`, `1_000`, `10MB` or a placeholder is not one.
- boolean (`parse_bool`, ConfigDef BOOLEAN): a bool as is; a string Java-trimmed and equal,
  ignoring case, to `true` or `false`. Nothing else (`yes`, `1`).
- list (`parse_list`, ConfigDef LIST): a list as is (each item as text); a string Java-trimmed,
  empty for "", else split at commas with the blanks around them.
- ISO-8601 duration (`parse_duration_nanos`, java.time.Duration.parse), as in
  `auto.offset.reset=by_duration:P1D`.
`as_text` is the string Kafka reads for a YAML value (`true`, `500`, `` for null).
"""

from __future__ import annotations

import re
from typing import Any

from compiler.patterns import lazy

JAVA_WHITESPACE = "".join(map(chr, range(33)))  # String.trim() strips every char <= U+0020
INTEGER_RANGES: dict[str, tuple[int, int]] = {
    "short": (-(2**15), 2**15 - 1),
    "int": (-(2**31), 2**31 - 1),
    "long": (-(2**63), 2**63 - 1),
}
_INTEGER = re.compile(r"[+-]?\d+")  # Integer.parseInt takes any Unicode digit, as \d does
_LIST_SPLIT = re.compile(r"\s*,\s*", re.ASCII)
_DURATION = lazy(
    r"([-+]?)P(?:([-+]?[0-9]+)D)?"
    r"(T(?:([-+]?[0-9]+)H)?(?:([-+]?[0-9]+)M)?(?:([-+]?[0-9]+)(?:[.,]([0-9]{0,9}))?S)?)?",
    re.IGNORECASE,
)


def java_trim(text: str) -> str:
    return text.strip(JAVA_WHITESPACE)


def java_equals_ignore_case(a: str, b: str) -> bool:
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


def as_text(value: Any) -> str:
    """The string Kafka (and a .properties file) reads for a YAML value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def parse_int(value: Any, kind: str = "long") -> int | None:
    """A whole number of ConfigDef type `kind` (short, int, long); None when Kafka would refuse it."""
    low, high = INTEGER_RANGES[kind]
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        trimmed = java_trim(value)
        if not _INTEGER.fullmatch(trimmed):
            return None
        number = int(trimmed)
    else:
        return None
    return number if low <= number <= high else None


def parse_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if not isinstance(value, str):
        return None
    trimmed = java_trim(value)
    for word, result in (("true", True), ("false", False)):
        if java_equals_ignore_case(trimmed, word):
            return result
    return None


def parse_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [as_text(item) for item in value]
    trimmed = java_trim(as_text(value))
    return [] if trimmed == "" else _LIST_SPLIT.split(trimmed)


def parse_duration_nanos(text: str) -> int | None:
    """``java.time.Duration.parse``: the duration in nanoseconds, None when Java refuses the text."""
    m = _DURATION().fullmatch(text)
    if not m or m.group(3) in ("T", "t") or not any(m.group(i) for i in (2, 4, 5, 6)):
        return None
    days, hours, minutes, seconds = (int(m.group(i) or 0) for i in (2, 4, 5, 6))
    fraction = m.group(7) or ""
    nanos = int((fraction + "000000000")[:9]) * (-1 if (m.group(6) or "").startswith("-") else 1)
    total_seconds = days * 86400 + hours * 3600 + minutes * 60 + seconds
    if not -(2**63) <= total_seconds < 2**63:
        return None
    total = total_seconds * 1_000_000_000 + nanos
    return -total if m.group(1) == "-" else total
