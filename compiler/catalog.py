"""The Kafka 3.0-4.3 configuration catalog: which client, Streams and topic keys exist, and which values
Kafka accepts for them.

Data comes from the committed ``compiler/data/kafka-catalog.json`` (built by ``tools/build_catalog.py``
from the shared reference files) and is read lazily on first use.

Public API::

    SECTIONS = ("admin", "consumer", "producer", "streams", "topic")
    LATEST = "4.3"; KNOWN_VERSIONS = ("3.0", ..., "4.3")
    lookup(section, key, kafka_version=None) -> KeyInfo | None
    sections_of(key, kafka_version=None) -> tuple[str, ...]
    suggest(section, key, kafka_version=None) -> str | None
    known_keys(section, kafka_version=None) -> tuple[str, ...]
    check_value(info, value, kafka_version=LATEST) -> Problem | None
    problems(info, value, kafka_version=LATEST) -> tuple[Problem, ...]
    key_status(info, kafka_version=LATEST) -> Problem | None
    streams_forced(key, kafka_version=LATEST) -> StreamsForced | None
    parse_validator(text) -> Validator; parse_version(text) -> tuple[int, int, int]

Semantics worth knowing:

* ``producer``/``consumer``/``admin`` know their own keys plus the shared ``common`` (SSL/SASL/security)
  keys. ``topic`` knows the broker's topic keys.
* ``streams`` knows StreamsConfig keys; un-prefixed producer/consumer/admin/common keys (Streams hands them
  to every embedded client whose ConfigDef declares them); and the prefixed forms ``producer.``,
  ``consumer.``, ``main.consumer.``, ``restore.consumer.``, ``global.consumer.``, ``admin.`` and
  ``topic.``, which resolve to the underlying client or topic key (``KeyInfo.name`` is the un-prefixed
  name, the one Kafka prints in its errors).
* Dynamic families are known too: ``config.providers.<name>.class``, ``config.providers.<name>.param.*``,
  ``metrics.context.*`` (clients and Streams) and ``client.tag.*`` (Streams).
* Lookups ignore versions unless one is given: a removed or not-yet-added key is still found, and
  :func:`key_status` says why it is a problem. When several definitions apply (a Streams key that moved,
  e.g. ``retries``), the one present in ``kafka_version`` (default: ``LATEST``) wins.
* Values are checked as a ``.properties`` string, exactly as ``ConfigDef.parseType`` and the key's
  validator in that Kafka version would; messages use Kafka's wording
  (``Invalid value ALL for configuration acks: String must be one of: all, -1, 0, 1``).
* An unknown key (``lookup`` returns None) is harmless to the Java clients, which only log it and hand it
  to plug-ins (serializers, interceptors, ...), but the broker rejects unknown topic keys, so for the
  ``topic`` section and Streams' ``topic.`` prefix it is a hard error.
* Problems on keys Kafka merely ignores (removed or not-yet-added client keys, deprecations) are
  warnings; on topic keys (the broker rejects unknown names) and on invalid values they are errors.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from importlib.resources import files
from types import MappingProxyType
from typing import Any, Literal, TypeVar

SECTIONS: tuple[str, ...] = ("admin", "consumer", "producer", "streams", "topic")
KNOWN_VERSIONS: tuple[str, ...] = (
    "3.0",
    "3.1",
    "3.2",
    "3.3",
    "3.4",
    "3.5",
    "3.6",
    "3.7",
    "3.8",
    "3.9",
    "4.0",
    "4.1",
    "4.2",
    "4.3",
)
LATEST = "4.3"

ProblemKind = Literal[
    "type",
    "enum",
    "range",
    "removed-value",
    "deprecated-value",
    "removed-key",
    "deprecated-key",
    "not-yet-added",
]
Level = Literal["error", "warning"]

_SECTION_SCOPES: dict[str, tuple[str, ...]] = {
    "admin": ("admin", "common"),
    "consumer": ("consumer", "common"),
    "producer": ("producer", "common"),
    "streams": ("streams", "consumer", "producer", "admin", "common"),
    "topic": ("topic",),
}
_JAVA_LIMITS: dict[str, tuple[int, int]] = {
    "short": (-(2**15), 2**15 - 1),
    "int": (-(2**31), 2**31 - 1),
    "long": (-(2**63), 2**63 - 1),
}
_JAVA_WHITESPACE = "".join(map(chr, range(33)))  # String.trim() strips every char <= U+0020
_LIST_SPLIT = re.compile(r"\s*,\s*", re.ASCII)
_INTEGER = re.compile(r"[+-]?\d+")
_DOUBLE = re.compile(
    r"[+-]?(?:NaN|Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fFdD]?"
    r"|0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?\d+[fFdD]?)",
    re.ASCII,
)
_CLASS_NAME = re.compile(r"(?:[^\W\d]|\$)[\w$]*(?:\.(?:[^\W\d]|\$)[\w$]*)*")
_DURATION = re.compile(
    r"([-+]?)P(?:([-+]?[0-9]+)D)?"
    r"(T(?:([-+]?[0-9]+)H)?(?:([-+]?[0-9]+)M)?(?:([-+]?[0-9]+)(?:[.,]([0-9]{0,9}))?S)?)?",
    re.IGNORECASE,
)
_METADATA_VERSION = re.compile(r"(?:0\.8\.[0-2]|0\.9\.0|0\.10\.[0-2]|0\.11\.0|1\.[01]|2\.[0-8]|3\.[0-9])(?:-IV\d+)?")
_TOPOLOGY_ERROR = (
    'Acceptable values are: "+NO_OPTIMIZATION+", "+OPTIMIZE+", or a comma separated list of specific '
    'optimizations: ("+REUSE_KTABLE_SOURCE_TOPICS+", "+MERGE_REPARTITION_TOPICS+" + "SINGLE_STORE_SELF_JOIN+").'
)
_CUSTOM_ENUM_MESSAGES = {
    "share.acknowledgement.mode": "Invalid value `{value}` for configuration {name}. "
    "The value must either be 'implicit' or 'explicit'.",
    "share.acquire.mode": "Invalid value `{value}` for configuration {name}. "
    "The value must either be 'batch_optimized' or 'record_limit'.",
}


# --------------------------------------------------------------------------------------------- versions


@lru_cache(maxsize=65536)
def parse_version(version: str) -> tuple[int, int, int]:
    """``"3.9"``, ``"4.0.0"`` or ``"4.3.1"`` -> a tuple that compares numerically."""
    if not re.fullmatch(r"\d+(?:\.\d+){0,2}", version.strip()):
        raise ValueError(f"not a Kafka version: {version!r}")
    major, minor, patch = ([int(p) for p in version.strip().split(".")] + [0, 0])[:3]
    return major, minor, patch


def _at_least(version: str, since: str | None) -> bool:
    return since is not None and parse_version(version) >= parse_version(since)


def _before(version: str, since: str | None) -> bool:
    return since is not None and parse_version(version) < parse_version(since)


def _previous(version: str) -> str | None:
    earlier = [v for v in KNOWN_VERSIONS if parse_version(v) < parse_version(version)]
    return earlier[-1] if earlier else None


# ---------------------------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Validator:
    """A parsed ``valid_values_or_range`` description.

    kind: ``none``, ``non-null``, ``non-empty-string``, ``range`` (``low``/``high``, plus ``also``
    values allowed outside it), ``enum`` (``values``, ``case_insensitive``), ``list`` (optional
    ``values`` per element, ``no_empty_elements``, ``non_empty``), ``list-size`` (``max_size``),
    ``throttled-replicas``, ``metadata-version``, ``auto-offset-reset``, ``topology-optimization``.
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


@dataclass(frozen=True)
class KeyInfo:
    """One Kafka configuration key definition.

    ``scopes`` are the sections that declare this definition (a ``common`` row: admin, consumer,
    producer); ``origin`` is the catalog scope it came from (``common``, ``producer``, ..., ``dynamic``).
    ``default`` is None for ``null`` and for required keys (``required``). Versions are ``"X.Y"``;
    ``added``/``removed`` are None when the key exists at the edge of 3.0-4.3.
    ``removed_values``/``deprecated_values``/``added_values`` map a value to the version of the change.
    ``valid`` is the 4.3 validator; :meth:`validator_at` gives the one of another version.
    """

    name: str
    scopes: tuple[str, ...]
    type: str
    default: str | None
    valid: Validator
    added: str | None = None
    deprecated: str | None = None
    deprecated_note: str | None = None
    removed: str | None = None
    removed_values: Mapping[str, str] = field(default_factory=dict, hash=False)
    deprecated_values: Mapping[str, str] = field(default_factory=dict, hash=False)
    added_values: Mapping[str, str] = field(default_factory=dict, hash=False)
    value_replacements: Mapping[str, str] = field(default_factory=dict, hash=False)
    note: str = ""
    origin: str = ""
    required: bool = False
    internal: bool = False
    accepted_before_added: bool = False
    default_text: str | None = None
    valid_history: tuple[tuple[str, str, bool], ...] = ()
    default_history: tuple[tuple[str, str | None], ...] = ()

    def present_in(self, kafka_version: str) -> bool:
        """Whether Kafka ``kafka_version`` accepts the key (declared, or honoured before declared)."""
        if _at_least(kafka_version, self.removed):
            return False
        return self.accepted_before_added or not _before(kafka_version, self.added)

    def validator_at(self, kafka_version: str = LATEST) -> Validator:
        """The validator in force in ``kafka_version``."""
        step = _in_force(self.valid_history, kafka_version)
        return self.valid if step is None else _parse_validator_cached(step[1])

    def checked_at_construction(self, kafka_version: str = LATEST) -> bool:
        """True when this version had no ConfigDef validator and the client checked the value itself."""
        step = _in_force(self.valid_history, kafka_version)
        return step is not None and step[2]

    def default_at(self, kafka_version: str = LATEST) -> str | None:
        """The default in ``kafka_version`` (None for null/required)."""
        step = _in_force(self.default_history, kafka_version)
        return self.default if step is None else step[1]


_Step = TypeVar("_Step", tuple[str, str, bool], tuple[str, str | None])


def _in_force(steps: Sequence[_Step], kafka_version: str) -> _Step | None:
    """The history step in force in ``kafka_version``; the first one also covers earlier versions."""
    chosen = steps[0] if steps else None
    for step in steps:
        if _at_least(kafka_version, step[0]):
            chosen = step
    return chosen


@dataclass(frozen=True)
class Problem:
    """One finding about a key or value. ``message`` is Kafka's own text where Kafka has one."""

    kind: ProblemKind
    level: Level
    key: str
    message: str
    hint: str | None = None


@dataclass(frozen=True)
class StreamsForced:
    """A client setting Kafka Streams overrides; a user value is dropped and logged.

    ``when`` is ``always`` or ``exactly_once`` (processing.guarantee other than at_least_once).
    """

    client: str
    key: str
    value: str
    when: str
    since: str | None


# ------------------------------------------------------------------------------------------- validators


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
    if t == "MetadataVersionValidator":
        return Validator("metadata-version", text)
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


# --------------------------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class _Dynamic:
    pattern: re.Pattern[str]
    sections: tuple[str, ...]
    info: KeyInfo


@dataclass(frozen=True)
class _Catalog:
    rows: Mapping[str, Mapping[str, KeyInfo]]
    dynamic: tuple[_Dynamic, ...]
    prefixes: tuple[tuple[str, str], ...]
    forced: tuple[StreamsForced, ...]
    versions: tuple[str, ...]
    latest: str


def _info(name: str, origin: str, raw: Mapping[str, Any]) -> KeyInfo:
    scopes = ("admin", "consumer", "producer") if origin == "common" else (origin,)
    return KeyInfo(
        name=name,
        scopes=tuple(raw.get("sections", scopes)),
        type=raw["type"],
        default=raw.get("default"),
        valid=_parse_validator_cached(raw.get("valid", "")),
        added=raw.get("added"),
        deprecated=raw.get("deprecated"),
        deprecated_note=raw.get("deprecated_note"),
        removed=raw.get("removed"),
        removed_values=MappingProxyType(dict(raw.get("removed_values", {}))),
        deprecated_values=MappingProxyType(dict(raw.get("deprecated_values", {}))),
        added_values=MappingProxyType(dict(raw.get("added_values", {}))),
        value_replacements=MappingProxyType(dict(raw.get("value_replacements", {}))),
        note=raw.get("note", ""),
        origin=origin,
        required=bool(raw.get("required", False)),
        internal=bool(raw.get("internal", False)),
        accepted_before_added=bool(raw.get("accepted_before_added", False)),
        default_text=raw.get("default_text"),
        valid_history=tuple((s[0], s[1], len(s) > 2) for s in raw.get("valid_history", [])),
        default_history=tuple((s[0], s[1]) for s in raw.get("default_history", [])),
    )


@cache
def _catalog() -> _Catalog:
    resource = files("compiler") / "data" / "kafka-catalog.json"
    raw = json.loads(resource.read_text(encoding="utf-8"))
    rows = {
        scope: {name: _info(name, scope, entry) for name, entry in entries.items()}
        for scope, entries in raw["keys"].items()
    }
    dynamic = tuple(
        _Dynamic(re.compile(d["pattern"]), tuple(d["sections"]), _info(d["name"], "dynamic", d)) for d in raw["dynamic"]
    )
    prefixes = tuple(sorted(raw["streams_prefixes"].items(), key=lambda kv: (-len(kv[0]), kv[0])))
    forced = tuple(StreamsForced(**f) for f in raw["streams_forced"])
    return _Catalog(rows, dynamic, prefixes, forced, tuple(raw["versions"]), raw["latest"])


# ---------------------------------------------------------------------------------------------- lookups


def _check_section(section: str) -> None:
    if section not in SECTIONS:
        raise ValueError(f"unknown section {section!r}; expected one of {', '.join(SECTIONS)}")


def _split_streams_prefix(key: str) -> tuple[str, str, str] | None:
    """``producer.linger.ms`` -> ("producer.", "producer", "linger.ms")."""
    for prefix, target in _catalog().prefixes:
        if key.startswith(prefix):
            return prefix, target, key[len(prefix) :]
    return None


def _candidates(section: str, key: str) -> list[KeyInfo]:
    _check_section(section)
    cat = _catalog()
    if section == "streams" and (split := _split_streams_prefix(key)):
        return _candidates(split[1], split[2])
    found = [cat.rows[scope][key] for scope in _SECTION_SCOPES[section] if key in cat.rows[scope]]
    if not found:
        found = [replace(d.info, name=key) for d in cat.dynamic if section in d.sections and d.pattern.fullmatch(key)]
    return found


@lru_cache(maxsize=65536)
def lookup(section: str, key: str, kafka_version: str | None = None) -> KeyInfo | None:
    """The definition of ``key`` in ``section`` (see the module docstring), or None if unknown."""
    found = _candidates(section, key)
    version = kafka_version or LATEST
    for info in found:
        if info.present_in(version):
            return info
    return found[0] if found else None


@lru_cache(maxsize=65536)
def sections_of(key: str, kafka_version: str | None = None) -> tuple[str, ...]:
    """Sections that know ``key`` (in ``kafka_version`` if given), in ``SECTIONS`` order."""
    out = []
    for section in SECTIONS:
        info = lookup(section, key, kafka_version)
        if info is not None and (kafka_version is None or info.present_in(kafka_version)):
            out.append(section)
    return tuple(out)


def known_keys(section: str, kafka_version: str | None = None) -> tuple[str, ...]:
    """Sorted un-prefixed, non-internal key names a section accepts (in ``kafka_version`` if given)."""
    _check_section(section)
    cat = _catalog()
    names = {
        info.name
        for scope in _SECTION_SCOPES[section]
        for info in cat.rows[scope].values()
        if not info.internal and (kafka_version is None or info.present_in(kafka_version))
    }
    return tuple(sorted(names))


def _osa_distance(a: str, b: str) -> int:
    """Optimal string alignment distance (Levenshtein plus adjacent transpositions)."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def _closest(key: str, names: Iterable[str]) -> str | None:
    import difflib

    wanted = key.lower()
    pool = sorted(set(names))
    limit = 1 if len(wanted) <= 5 else 2
    scored = [(d, n) for n in pool if (d := _osa_distance(wanted, n)) <= limit]
    if scored:
        best = min(d for d, _ in scored)
        tied = [n for d, n in scored if d == best]
        return max(tied, key=lambda n: (difflib.SequenceMatcher(None, wanted, n).ratio(), [-ord(c) for c in n]))
    close = difflib.get_close_matches(wanted, pool, n=1, cutoff=0.8)
    return close[0] if close else None


@lru_cache(maxsize=65536)
def suggest(section: str, key: str, kafka_version: str | None = None) -> str | None:
    """The closest known key for a "did you mean" hint; None if ``key`` is known or nothing is close.

    Streams prefixes are kept: ``producer.lingr.ms`` -> ``producer.linger.ms``.
    """
    if lookup(section, key, kafka_version) is not None:
        return None
    if section == "streams" and (split := _split_streams_prefix(key)):
        inner = suggest(split[1], split[2], kafka_version)
        return split[0] + inner if inner else None
    return _closest(key, known_keys(section, kafka_version))


def streams_forced(key: str, kafka_version: str = LATEST) -> StreamsForced | None:
    """If Kafka Streams overrides this (possibly prefixed) client key, say how; else None."""
    clients: tuple[str, ...]
    split = _split_streams_prefix(key)
    if split is not None:
        clients, bare = (split[1],), split[2]
    else:
        own = _catalog().rows["streams"].get(key)
        if own is not None and own.present_in(kafka_version):
            return None
        clients, bare = ("consumer", "producer", "admin"), key
    for forced in _catalog().forced:
        if forced.client in clients and forced.key == bare and not _before(kafka_version, forced.since):
            return forced
    return None


# ------------------------------------------------------------------------------------------ key status


def _prefer_error(info: KeyInfo) -> Level:
    return "error" if info.origin == "topic" else "warning"


@lru_cache(maxsize=65536)
def key_status(info: KeyInfo, kafka_version: str = LATEST) -> Problem | None:
    """``removed-key``, ``not-yet-added`` or ``deprecated-key`` relative to ``kafka_version``, else None."""
    name, level = info.name, _prefer_error(info)
    if _at_least(kafka_version, info.removed):
        last = _previous(info.removed or "")
        gone = f"{name} was removed in Kafka {info.removed}" + (f" (last present in {last})" if last else "")
        if info.origin == "topic":
            return Problem("removed-key", level, name, f"Unknown topic config name: {name}", gone)
        return Problem(
            "removed-key", level, name, f"{gone}; Kafka {kafka_version} ignores it as an unknown configuration"
        )
    if not info.accepted_before_added and _before(kafka_version, info.added):
        since = f"{name} was added in Kafka {info.added}; the declared Kafka version is {kafka_version}"
        if info.origin == "topic":
            return Problem("not-yet-added", level, name, f"Unknown topic config name: {name}", since)
        return Problem(
            "not-yet-added",
            level,
            name,
            f"{name} was added in Kafka {info.added}; Kafka {kafka_version} ignores it as an unknown configuration",
        )
    if _at_least(kafka_version, info.deprecated):
        message = f"{name} is deprecated since Kafka {info.deprecated}"
        note = info.deprecated_note or ""
        if note:
            message += (": " if note[0].islower() or note[0] == "(" else ". ") + note
        return Problem("deprecated-key", "warning", name, message)
    return None


# ------------------------------------------------------------------------------------------ value checks


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


def _invalid(name: str, shown: str, reason: str) -> str:
    return f"Invalid value {shown} for configuration {name}: {reason}"


def _type_problem(info: KeyInfo, raw: str, reason: str) -> Problem:
    return Problem("type", "error", info.name, _invalid(info.name, raw, reason))


def _parse_typed(info: KeyInfo, raw: str, kafka_version: str) -> tuple[object, Problem | None]:
    """``ConfigDef.parseType`` for a string value."""
    trimmed = _java_trim(raw)
    kind = info.type
    if kind == "boolean":
        for word, result in (("true", True), ("false", False)):
            if _java_equals_ignore_case(trimmed, word):
                return result, None
        return None, _type_problem(info, raw, "Expected value to be either true or false")
    if kind in _JAVA_LIMITS:
        low, high = _JAVA_LIMITS[kind]
        if _INTEGER.fullmatch(trimmed) and low <= int(trimmed) <= high:
            return int(trimmed), None
        return None, _type_problem(info, raw, f"Not a number of type {kind.upper()}")
    if kind == "double":
        if not _DOUBLE.fullmatch(trimmed):
            return None, _type_problem(info, raw, "Not a number of type DOUBLE")
        body = trimmed[:-1] if trimmed[-1] in "fFdD" and "x" not in trimmed.lower() else trimmed
        if "x" in body.lower():
            body = body[:-1] if body[-1] in "fFdD" else body
            return float.fromhex(body), None
        return float(body.replace("Infinity", "inf")), None
    if kind == "list":
        items = [] if trimmed == "" else _LIST_SPLIT.split(trimmed)
        if parse_version(kafka_version) >= (4, 2, 0):
            items = list(dict.fromkeys(items))  # KIP-1161: duplicates dropped (with a WARN) before validation
        return items, None
    if kind == "class":
        if _CLASS_NAME.fullmatch(trimmed):
            return trimmed, None
        return None, _type_problem(info, raw, f"Class {raw} could not be found.")
    return trimmed, None  # string, password


def _enum_values(info: KeyInfo, validator: Validator, kafka_version: str) -> list[str]:
    values = list(validator.values)
    restored = [v for v, gone in info.removed_values.items() if _before(kafka_version, gone) and v not in values]
    if restored:
        values = values[:1] + restored + values[1:] if values[:1] == ["null"] else restored + values
    return [v for v in values if not _before(kafka_version, info.added_values.get(v))]


def _enum_problem(info: KeyInfo, validator: Validator, value: str, kafka_version: str) -> Problem | None:
    values = _enum_values(info, validator, kafka_version)
    accepted = [v for v in values if v != "null"]  # ValidString's "null" entry is Java null, not the string
    if validator.case_insensitive:
        if value.upper() in {v.upper() for v in accepted}:
            return None
        # ConfigDef.CaseInsensitiveValidString keeps upper-cased values in a HashSet (and prints them so).
        real_ci = all(v == v.upper() for v in values)
        shown = _java_hash_set_order(v.upper() for v in values) if real_ci else values
        reason = "String must be one of (case insensitive): " + ", ".join(shown)
    else:
        if value in accepted:
            return None
        reason = "String must be one of: " + ", ".join(values)
    template = _CUSTOM_ENUM_MESSAGES.get(info.name)
    message = template.format(value=value, name=info.name) if template else reason
    return Problem("enum", "error", info.name, _invalid(info.name, value, message))


def _range_problem(info: KeyInfo, validator: Validator, number: object) -> Problem | None:
    assert isinstance(number, int | float)
    n = float(number)
    shown = _java_number_str(number)
    if validator.also:
        level = int(number)
        low, high = int(validator.low or 0), int(validator.high or 0)
        if level > high or (level < low and str(level) not in validator.also):
            reason = f"Value must be between {low} and {high} or equal to {' or '.join(validator.also)}"
            return Problem("range", "error", info.name, _invalid(info.name, shown, reason))
        return None
    if validator.low is not None and n < float(validator.low):
        return Problem(
            "range", "error", info.name, _invalid(info.name, shown, f"Value must be at least {validator.low}")
        )
    if validator.high is not None and n > float(validator.high):
        return Problem(
            "range", "error", info.name, _invalid(info.name, shown, f"Value must be no more than {validator.high}")
        )
    return None


def _duration_ok(text: str) -> bool:
    """``java.time.Duration.parse`` succeeds and the duration is not negative."""
    m = _DURATION.fullmatch(text)
    if not m or m.group(3) == "T" or m.group(3) == "t" or not any(m.group(i) for i in (2, 4, 5, 6)):
        return False
    days, hours, minutes, seconds = (int(m.group(i) or 0) for i in (2, 4, 5, 6))
    fraction = m.group(7) or ""
    nanos = int((fraction + "000000000")[:9]) * (-1 if (m.group(6) or "").startswith("-") else 1)
    total_seconds = days * 86400 + hours * 3600 + minutes * 60 + seconds
    if not -(2**63) <= total_seconds < 2**63:
        return False
    total = total_seconds * 1_000_000_000 + nanos
    if m.group(1) == "-":
        total = -total
    return total >= 0


def _auto_offset_reset_ok(value: str) -> bool:
    if value in ("latest", "earliest", "none"):
        return True
    return value.startswith("by_duration:") and _duration_ok(value[len("by_duration:") :])


def _java_split_drop_trailing(text: str) -> list[str]:
    parts = _LIST_SPLIT.split(text)
    if len(parts) > 1:
        while parts and parts[-1] == "":
            parts.pop()
    return parts


def _throttled_ok(items: list[str]) -> bool:
    proposed = [_java_trim(i) for i in items]
    if proposed == ["*"]:
        return True
    seen_empty = False
    for replica in proposed:
        if replica == "":
            seen_empty = True
            continue
        if seen_empty or not re.fullmatch(r"[0-9]+:[0-9]+", replica, re.ASCII):
            return False
        if any(int(part) > 2**31 - 1 for part in replica.split(":")):
            return False
    return True


def _validate(info: KeyInfo, validator: Validator, parsed: object, kafka_version: str) -> Problem | None:
    name, kind = info.name, validator.kind
    if kind in ("none", "non-null"):
        return None
    if kind == "range":
        return _range_problem(info, validator, parsed)
    if kind == "enum":
        return _enum_problem(info, validator, str(parsed), kafka_version)
    if kind == "non-empty-string":
        if parsed == "":
            return Problem("range", "error", name, _invalid(name, "", "String must be non-empty"))
        return None
    if kind == "metadata-version":
        text = str(parsed)
        segments = text.split(".")
        keep = 3 if text.startswith("0.") else 2
        key = text if keep >= len(segments) else ".".join(segments[:keep])
        if _METADATA_VERSION.fullmatch(key):
            return None
        return Problem("enum", "error", name, _invalid(name, text, f"Version {text} is not a valid version"))
    if kind == "auto-offset-reset":
        text = str(parsed)
        if _auto_offset_reset_ok(text):
            return None
        reason = (
            f"Invalid value `{text}` for configuration {name}. The value must be either 'earliest', 'latest', "
            "'none' or of the format 'by_duration:<PnDTnHnMn.nS.>'."
        )
        return Problem("enum", "error", name, _invalid(name, text, reason))
    if kind == "topology-optimization":
        text = str(parsed)
        configs = _java_split_drop_trailing(text)
        if ("none" in configs or "all" in configs) and len(configs) > 1:
            return Problem("enum", "error", name, f'"{text}" is not a valid optimization config. {_TOPOLOGY_ERROR}')
        if any(c not in validator.values for c in configs):
            return Problem("enum", "error", name, f"Unrecognized config. {_TOPOLOGY_ERROR}")
        return None
    assert isinstance(parsed, list)
    items: list[str] = parsed
    if kind == "list-size":
        if validator.max_size is not None and len(items) > validator.max_size:
            reason = f"exceeds maximum list size of [{validator.max_size}]."
            return Problem("range", "error", name, _invalid(name, _java_list_str(items), reason))
        return None
    if kind == "throttled-replicas":
        if _throttled_ok(items):
            return None
        reason = (
            f"{name} must be the literal '*' or a list of replicas in the following format: "
            "[partitionId]:[brokerId],[partitionId]:[brokerId],..."
        )
        return Problem("type", "error", name, _invalid(name, _java_list_str(items), reason))
    if kind == "list":
        if validator.non_empty and not items:
            include = _java_list_str(validator.values) if validator.values else "any non-empty value"
            return Problem(
                "range", "error", name, f"Configuration '{name}' must not be empty. Valid values include: {include}"
            )
        for item in items:
            if validator.no_empty_elements and item == "":
                return Problem("type", "error", name, f"Configuration '{name}' values must not be empty.")
            if validator.values and item not in validator.values:
                reason = "String must be one of: " + ", ".join(validator.values)
                return Problem("enum", "error", name, _invalid(name, item, reason))
        return None
    raise AssertionError(f"unhandled validator kind {kind!r}")


def _value_problem(info: KeyInfo, value: str, kafka_version: str) -> Problem | None:
    parsed, problem = _parse_typed(info, value, kafka_version)
    if problem is None:
        problem = _validate(info, info.validator_at(kafka_version), parsed, kafka_version)
    trimmed = _java_trim(value)
    gone = info.removed_values.get(trimmed)
    if problem is None and info.type == "class" and _at_least(kafka_version, gone):
        problem = _type_problem(info, value, f"Class {value} could not be found.")
    if problem is not None and _at_least(kafka_version, gone):
        replacement = info.value_replacements.get(trimmed)
        hint = f"{trimmed} was removed in Kafka {gone}" + (f"; use {replacement}" if replacement else "")
        problem = replace(problem, kind="removed-value", hint=hint)
    elif problem is not None and info.checked_at_construction(kafka_version):
        problem = replace(problem, hint=f"Kafka {kafka_version} checks this value when the client is created")
    return problem


def _deprecated_value(info: KeyInfo, value: str, kafka_version: str) -> Problem | None:
    trimmed = _java_trim(value)
    since = info.deprecated_values.get(trimmed)
    if not _at_least(kafka_version, since):
        return None
    message = f"Value {trimmed} for configuration {info.name} is deprecated since Kafka {since}"
    gone = info.removed_values.get(trimmed)
    if gone:
        message += f" (removed in Kafka {gone})"
    replacement = info.value_replacements.get(trimmed)
    return Problem("deprecated-value", "warning", info.name, message, f"use {replacement}" if replacement else None)


@lru_cache(maxsize=65536)
def problems(info: KeyInfo, value: str, kafka_version: str = LATEST) -> tuple[Problem, ...]:
    """Every finding for ``key=value`` in ``kafka_version``: errors first, then warnings.

    A removed or not-yet-added key is reported alone (its value does not matter to Kafka).
    """
    parse_version(kafka_version)
    status = key_status(info, kafka_version)
    if status is not None and status.kind != "deprecated-key":
        return (status,)
    found: list[Problem] = []
    problem = _value_problem(info, value, kafka_version)
    if problem is not None:
        found.append(problem)
    elif (deprecated := _deprecated_value(info, value, kafka_version)) is not None:
        found.append(deprecated)
    if status is not None:
        found.append(status)
    return tuple(found)


def check_value(info: KeyInfo, value: str, kafka_version: str = LATEST) -> Problem | None:
    """The most important finding for ``key=value`` in ``kafka_version`` (see :func:`problems`), or None."""
    found = problems(info, value, kafka_version)
    return found[0] if found else None
