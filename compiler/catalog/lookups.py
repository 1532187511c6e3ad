"""Finding a key's definition in a section, and the closest known key when there is none."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache

from compiler.catalog.load import _catalog
from compiler.catalog.records import KeyInfo, StreamsForced
from compiler.catalog.versions import LATEST, SECTIONS, _before

_SECTION_SCOPES: dict[str, tuple[str, ...]] = {
    "admin": ("admin", "common"),
    "consumer": ("consumer", "common"),
    "producer": ("producer", "common"),
    "streams": ("streams", "consumer", "producer", "admin", "common"),
    "topic": ("topic",),
}


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
