"""The ``valid_values_or_range`` descriptions of the catalog, parsed."""

from __future__ import annotations

import re
from functools import cache

from compiler.records import record


@record
class Validator:
    """A parsed ``valid_values_or_range`` description.

    kind: ``none``, ``non-null``, ``non-empty-string``, ``range`` (``low``/``high``, plus ``also``
    values allowed outside it), ``enum`` (``values``, ``case_insensitive``), ``list`` (optional
    ``values`` per element, ``no_empty_elements``, ``non_empty``), ``list-size`` (``max_size``),
    ``throttled-replicas``, ``metadata-version`` (``values``: the versions the release knows, as its
    validator lists them), ``auto-offset-reset``, ``topology-optimization``.
    """

    kind: str
    text: str
    values: tuple[str, ...] = ()
    case_insensitive: bool = False
    low: str | None = None
    high: str | None = None
    also: tuple[str, ...] = ()
    no_empty_elements: bool = False
    non_empty: bool = False
    max_size: int | None = None


def parse_validator(text: str) -> Validator:
    """Parse a ``valid_values_or_range`` description as written in the catalog."""
    return _parse_validator_cached(text)


def _split_values(body: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in body.split(",")) if body.strip() else ()


@cache
def _parse_validator_cached(text: str) -> Validator:
    t = text.strip()
    if t in ("", "(none)"):
        return Validator("none", text)
    if t == "non-null":
        return Validator("non-null", text)
    if t == "non-empty string":
        return Validator("non-empty-string", text)
    if m := re.fullmatch(r"(?:MetadataVersionValidator|ApiVersionValidator) \[([^\]]*)\]", t):
        return Validator("metadata-version", text, values=_split_values(m.group(1)))
    if t.startswith("list of [partitionId]:[brokerId] pairs"):
        return Validator("throttled-replicas", text)
    if m := re.fullmatch(r"list of at most (\d+) elements", t):
        return Validator("list-size", text, max_size=int(m.group(1)))
    if m := re.fullmatch(
        r"list(?:, each element in \[(?P<values>[^\]]*)\])?(?P<strict>; empty elements rejected, duplicates "
        r"dropped with WARN)?(?P<nonempty>; must not be empty)?",
        t,
    ):
        return Validator(
            "list",
            text,
            values=_split_values(m.group("values") or ""),
            no_empty_elements=bool(m.group("strict")),
            non_empty=bool(m.group("nonempty")),
        )
    if m := re.fullmatch(r"\(case insensitive\) \[([^\]]*)\]", t):
        return Validator("enum", text, values=_split_values(m.group(1)), case_insensitive=True)
    if m := re.fullmatch(r"\[(-?[\d.]+),\.\.\.(?:,(-?[\d.]+))?\](?: or (-?\d+))?", t):
        return Validator("range", text, low=m.group(1), high=m.group(2), also=(m.group(3),) if m.group(3) else ())
    if m := re.fullmatch(r"\[(latest, earliest, none), by_duration:[^\]]*\].*", t):
        return Validator("auto-offset-reset", text, values=_split_values(m.group(1)))
    if m := re.fullmatch(r"\[([^\]]*)\] \(comma-separated list allowed; 'all'/'none' only alone\)", t):
        return Validator("topology-optimization", text, values=_split_values(m.group(1)))
    if m := re.fullmatch(r"\[([^\]]*)\]", t):
        return Validator("enum", text, values=_split_values(m.group(1)))
    raise ValueError(f"unknown validator description: {text!r}")
