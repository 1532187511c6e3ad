"""kkc's Kafka catalog against the ConfigDef of every Kafka version it covers.

For each version of ``compiler.catalog.KNOWN_VERSIONS``, ``config_dump(version)`` reads ProducerConfig,
ConsumerConfig, AdminClientConfig, StreamsConfig and the broker's topic LogConfig (3.0-3.4: the Scala
``kafka.log.LogConfig``) from that release's own jars, in one JVM per version (cached). The jars are the
truth for what they declare; per section the catalog must agree with them on:

* Names, both ways. Every public (non-internal) key the jars declare is in the catalog and declared in
  that version (``added <= version < removed``), and every catalog key declared in that version is
  declared by the jars (internal or not). ``KeyInfo.present_in`` is not used for this: it also counts
  ``accepted_before_added`` keys, which Kafka honoured before declaring them (``config.providers``,
  read by AbstractConfig before 4.2 put it in the ConfigDefs).
* What the catalog's sections are. producer, consumer and admin: the section's rows plus the ``common``
  rows (the SSL/SASL/security keys every client's ConfigDef declares itself). topic: the topic rows.
  streams: StreamsConfig's own rows only. ``known_keys("streams", v)`` also lists every producer,
  consumer, admin and common key, because Streams hands un-prefixed client keys to the clients whose
  ConfigDef declares them (notes §4 and §6); :func:`test_streams_knows_every_client_key` checks that
  part against the client ConfigDefs instead.
* Type, default, validator and the internal flag: equal, after the normalizations of notation in
  ``_jar_default``, ``_catalog_default`` and ``_jar_validator``, each justified where it is made.
* Deprecation. ConfigDef has no deprecation flag and the documentation mentions it only sometimes, but
  the public String constants naming a key (``StreamsConfig.CACHE_MAX_BYTES_BUFFERING_CONFIG``,
  ``TopicConfig.MESSAGE_FORMAT_VERSION_CONFIG``, ...) carry ``@Deprecated`` at run time. ConfigDump
  reads them (the section's own config class first), so "deprecated in this version" is compared both
  ways, version by version. What cannot be checked, and why:

  - keys no public constant names (the internal consumer keys ``internal.leave.group.on.close`` and
    ``internal.throw.on.fetch.stable.offset.unsupported``, spelled out in ``define``): no annotation;
  - deprecated *values* (``processing.guarantee`` ``exactly_once``/``exactly_once_beta`` since 3.0,
    ``partitioner.class``'s ``DefaultPartitioner``/``UniformStickyPartitioner`` since 3.3): a
    ConfigDef does not tie a value to a deprecation (only the removal shows, as a smaller value set
    or a class that no longer loads, and the value set is compared);
  - the catalog's deprecation notes (the replacement key, a planned removal): free text.

Validators whose toString says nothing (a lambda printed as ``StreamsConfig$$Lambda$21/0x...@1b2c3d``:
``topology.optimization`` in 3.4-3.8) cannot be compared; they are counted as such in the summary.

Disagreements that stay are listed in ``ALLOWED`` with the reason; an entry fails once the two agree.
``pytest -s tests/kafka/test_catalog_matches_jars.py`` prints one summary line per version.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from compiler import catalog
from compiler.catalog import KNOWN_VERSIONS, KeyInfo, key_status, known_keys, lookup, parse_version
from compiler.catalog.java import _java_hash_set_order
from compiler.catalog.values import _enum_values

from .harness import DumpedKey, config_dump

SECTIONS = ("producer", "consumer", "admin", "streams", "topic")
CATALOG_SCOPES = {
    "producer": ("producer", "common"),
    "consumer": ("consumer", "common"),
    "admin": ("admin", "common"),
    "streams": ("streams",),
    "topic": ("topic",),
}
FIELDS = ("type", "default", "validator", "internal", "deprecated")

_TIERED_REASON = (
    "3.1-3.5 declare it with defineInternal (tiered storage, KIP-405, was not ready); the catalog has one "
    "internal flag for all versions and keeps it public. kkc's verdicts are still Kafka's: the broker "
    "checks topic config names against all of its ConfigDef's names, internal ones included "
    "(LogConfig.validateNames of 3.1, 3.4 and 3.5 accept remote.storage.enable), so only kkc's "
    "suggestions differ"
)
# (section, key, field) -> (versions, reason): disagreements the catalog keeps on purpose.
ALLOWED: dict[tuple[str, str, str], tuple[tuple[str, ...], str]] = {
    ("topic", key, "internal"): (("3.1", "3.2", "3.3", "3.4", "3.5"), _TIERED_REASON)
    for key in ("remote.storage.enable", "local.retention.ms", "local.retention.bytes")
}


@dataclass(frozen=True)
class Disagreement:
    version: str
    section: str
    key: str
    field: str  # name, type, default, validator, internal, deprecated
    catalog: object
    jars: object

    def __str__(self) -> str:
        return f"{self.version} {self.section} {self.key} {self.field}: catalog {self.catalog!r}, jars {self.jars!r}"


@dataclass(frozen=True)
class Comparison:
    version: str
    declared: int  # keys the jars declare, all sections
    compared: int  # keys both declare, whose fields were compared
    agreeing: int  # of those, keys without any disagreement
    unprintable: tuple[tuple[str, str], ...]  # (section, key) whose jar validator says nothing
    disagreements: tuple[Disagreement, ...]


def _declared(info: KeyInfo, version: str) -> bool:
    """The catalog says the version's ConfigDef declares the key (``present_in`` also counts honoured keys)."""
    v = parse_version(version)
    if info.removed is not None and v >= parse_version(info.removed):
        return False
    return info.added is None or v >= parse_version(info.added)


def _catalog_keys(section: str, version: str) -> dict[str, KeyInfo]:
    rows = catalog._catalog().rows
    return {
        name: info
        for scope in CATALOG_SCOPES[section]
        for name, info in rows[scope].items()
        if _declared(info, version)
    }


# The catalog writes JVM-dependent defaults as the expression and the usual value (notes §9); the dump
# runs on an OpenJDK, whose KeyManagerFactory/TrustManagerFactory default algorithms are those values.
_JVM_DEFAULT = re.compile(r"\w+\.getDefaultAlgorithm\(\) \(JVM default, (\S+) on most JVMs\)")
# StreamsConfig's state.dir default is System.getProperty("java.io.tmpdir") + "/kafka-streams"; the
# catalog keeps the property, the dump has the running JVM's value (an absolute path).
_TMPDIR = "${java.io.tmpdir}"


def _catalog_default(info: KeyInfo, version: str) -> str | None:
    """The catalog's default in ConfigDump's notation: "(required)" when there is none."""
    if info.required_at(version):
        return "(required)"
    default = info.default_at(version)
    if default is not None and (m := _JVM_DEFAULT.fullmatch(default)):
        return m.group(1)
    return default


def _jar_default(key: DumpedKey) -> str | None:
    """ConfigDef.convertToString joins a LIST default's elements with Object.toString, so a list of
    classes (partition.assignment.strategy) prints "class a.B,class c.D"; in a properties file (and in
    the catalog) that default is "a.B,c.D"."""
    if key.type == "list" and key.default:
        return ",".join(re.sub(r"^(?:class|interface) ", "", item) for item in key.default.split(","))
    return key.default


def _defaults_agree(catalog_default: str | None, jar_default: str | None) -> bool:
    if catalog_default is not None and _TMPDIR in catalog_default and jar_default is not None:
        pattern = re.escape(catalog_default).replace(re.escape(_TMPDIR), "/[^,]*")
        return re.fullmatch(pattern, jar_default) is not None
    return catalog_default == jar_default


_LAMBDA = re.compile(r".*\$\$Lambda.*@[0-9a-f]+")
_THROTTLED = "[partitionId]:[brokerId],[partitionId]:[brokerId],..."


def _jar_validator(key: DumpedKey) -> str | None:
    """The jar's validator in the catalog's notation (notes §3); None when its toString says nothing.

    ConfigDef's Range, ValidString, CaseInsensitiveValidString and NonEmptyString print exactly what the
    catalog writes. The others differ in notation only, or their toString leaves out what ConfigDump's
    probes found (ignores_case, list_*), which the catalog spells out.
    """
    text, cls = key.validator, key.validator_class or ""
    if text is None:
        return "(none)"
    if _LAMBDA.fullmatch(text):
        return None  # Object.toString of a lambda: no description at all
    if cls.endswith("ConfigDef$NonNullValidator"):
        return "non-null"  # prints "non-null string"
    if cls.endswith("ConfigDef$ListSize") and (m := re.fullmatch(r"List containing maximum of (\d+) elements", text)):
        return f"list of at most {m.group(1)} elements"
    if cls.endswith(("ThrottledReplicaListValidator", "ThrottledReplicaListValidator$")) and text == _THROTTLED:
        # The catalog names the validator; its toString is the format it checks ('*' also passes).
        return "list of [partitionId]:[brokerId] pairs, or * (ThrottledReplicaListValidator)"
    if cls.endswith("ConfigDef$ValidList"):
        return _valid_list(key, text)
    if cls.endswith(("MetadataVersionValidator", "ApiVersionValidator$")):
        # The catalog names the validator before the version list its toString prints (kkc accepts
        # those versions and the short forms of the released ones, as the validator does).
        return f"{cls.rsplit('.', 1)[-1].rstrip('$')} {text}"
    if cls.endswith("AutoOffsetResetStrategy$Validator"):
        # The catalog adds what "by_duration:PnDTnHnMn.nS" means to the validator (notes §5.15).
        return f"{text} (ISO-8601 duration, non-negative)"
    if key.name == "topology.optimization" and not cls.endswith("ConfigDef$ValidString"):
        # StreamsConfig's own validator (3.4+) takes a comma-separated subset, 'all'/'none' alone; a
        # ValidString (3.0-3.3: [none, all]) takes one value. The catalog's suffix marks the difference.
        return f"{text} (comma-separated list allowed; 'all'/'none' only alone)"
    if key.ignores_case and not text.startswith("(case insensitive) "):
        # A hand-written validator (ShareAcquireMode's) that accepts any case without saying so.
        return f"(case insensitive) {text}"
    return text


def _valid_list(key: DumpedKey, text: str) -> str:
    """A ValidList prints only its value set ("" or "[]" for any value); KIP-1161 (4.2+) ValidLists also
    reject duplicates (ConfigDef.parseValue drops them first, with a WARN) and empty elements, and may
    reject an empty list, which only ConfigDump's probes show."""
    out = "list" if text in ("", "[]") else f"list, each element in {text}"
    if key.list_rejects_duplicates and key.list_rejects_empty_element:
        out += "; empty elements rejected, duplicates dropped with WARN"
    elif key.list_rejects_duplicates:
        out += "; duplicates rejected"  # nothing the catalog writes: shows as a disagreement
    if key.list_accepts_empty is False:
        out += "; must not be empty"
    return out


def _catalog_validator(info: KeyInfo, version: str) -> str:
    """The catalog's validator in force, as ConfigDef would print it.

    "" and "(none)" both mean no validator. A case-insensitive set of upper-case values is printed by
    ConfigDef from a HashSet (CaseInsensitiveValidString upper-cases them), so in Java's HashSet order,
    which is also the order of kkc's messages (compiler.catalog.values._enum_problem). Before a key got
    a ConfigDef validator the catalog may hold the check the client constructor made instead
    (``checked_at_construction``): see ``_compare_key``.
    """
    valid = info.validator_at(version)
    if valid.kind != "enum":
        return valid.text.strip() or "(none)"
    # The value set kkc enforces in that version: the validator's, less values added later, plus values
    # removed later (upgrade.from keeps one list and the release each value entered or left it).
    values = _enum_values(info, valid, version)
    if valid.case_insensitive and all(v == v.upper() for v in values):
        return f"(case insensitive) [{', '.join(_java_hash_set_order(values))}]"
    return ("(case insensitive) " if valid.case_insensitive else "") + f"[{', '.join(values)}]"


def _deprecated(info: KeyInfo, version: str) -> bool:
    status = key_status(info, version)
    return status is not None and status.kind == "deprecated-key"


def _compare_key(version: str, section: str, info: KeyInfo, key: DumpedKey) -> tuple[list[Disagreement], bool]:
    """Disagreements on one key both declare, and whether its validator could be compared."""
    found: list[Disagreement] = []

    def differ(field: str, ours: object, theirs: object) -> None:
        found.append(Disagreement(version, section, key.name, field, ours, theirs))

    if info.type != key.type:
        differ("type", info.type, key.type)
    ours_default, theirs_default = _catalog_default(info, version), _jar_default(key)
    if not _defaults_agree(ours_default, theirs_default):
        differ("default", ours_default, theirs_default)
    theirs_validator = _jar_validator(key)
    if info.checked_at_construction(version):
        # Before security.protocol and compression.type had ConfigDef validators (3.3) and before
        # bootstrap.servers had to be non-empty (4.2), the client constructor checked the value; the
        # catalog holds that check (tools/build_catalog.py CONSTRUCTION_CHECKS) in place of the ConfigDef's
        # validator, which was none or a null check (the TSV's history). Only that much can be compared.
        if theirs_validator not in ("(none)", "non-null"):
            differ("validator", "(none) or non-null, checked at construction", theirs_validator)
    elif theirs_validator is not None and _catalog_validator(info, version) != theirs_validator:
        differ("validator", _catalog_validator(info, version), theirs_validator)
    if info.internal != key.internal:
        differ("internal", info.internal, key.internal)
    if key.deprecated is not None and _deprecated(info, version) != key.deprecated:
        differ("deprecated", _deprecated(info, version), key.deprecated)
    return found, theirs_validator is not None


@functools.cache
def compare(version: str) -> Comparison:
    dumped = config_dump(version)
    disagreements: list[Disagreement] = []
    compared = agreeing = 0
    unprintable: list[tuple[str, str]] = []
    for section in SECTIONS:
        jars = {k.name: k for k in dumped if k.section == section}
        ours = _catalog_keys(section, version)
        for name in sorted(set(jars) - set(ours)):
            if not jars[name].internal:
                disagreements.append(Disagreement(version, section, name, "name", None, "declared"))
        for name in sorted(set(ours) - set(jars)):
            disagreements.append(Disagreement(version, section, name, "name", "declared", None))
        for name in sorted(set(ours) & set(jars)):
            assert lookup(section, name, version) == ours[name], (section, name)  # the public API agrees
            found, printable = _compare_key(version, section, ours[name], jars[name])
            compared += 1
            agreeing += not found
            disagreements.extend(found)
            if not printable:
                unprintable.append((section, name))
    return Comparison(version, len(dumped), compared, agreeing, tuple(unprintable), tuple(disagreements))


def _allowed(d: Disagreement) -> bool:
    entry = ALLOWED.get((d.section, d.key, d.field))
    return entry is not None and d.version in entry[0]


@pytest.fixture(scope="module")
def kafka_java(kafka_jars: Path) -> None:
    """The pinned jars of every version (tests/kafka/pom.xml), fetched by Maven when missing."""


@pytest.mark.parametrize("version", KNOWN_VERSIONS)
def test_catalog_agrees_with_the_jars(kafka_java: None, version: str) -> None:
    unexpected = [str(d) for d in compare(version).disagreements if not _allowed(d)]
    assert not unexpected, (
        f"the catalog and Kafka {version}'s ConfigDef disagree (fix tools/build_catalog.py, or add to ALLOWED "
        "with the reason):\n" + "\n".join(unexpected)
    )


@pytest.mark.parametrize("version", KNOWN_VERSIONS)
def test_allowed_disagreements_still_disagree(kafka_java: None, version: str) -> None:
    seen = {(d.section, d.key, d.field) for d in compare(version).disagreements}
    stale = [entry for entry, (versions, _) in ALLOWED.items() if version in versions and entry not in seen]
    assert not stale, f"Kafka {version}: these ALLOWED entries agree now, remove them: {stale}"


@pytest.mark.parametrize("version", KNOWN_VERSIONS)
def test_streams_knows_every_client_key(kafka_java: None, version: str) -> None:
    """Streams accepts StreamsConfig's keys and every key a client ConfigDef declares (notes §6), plus
    the keys AbstractConfig honoured before declaring them (accepted_before_added)."""
    dumped = config_dump(version)
    declared = {k.name for k in dumped if k.section != "topic" and not k.internal}
    honoured = {
        name
        for section in ("producer", "consumer", "admin", "streams")
        for name, info in _catalog_keys(section, "4.3").items()
        if info.accepted_before_added and info.present_in(version) and not _declared(info, version)
    }
    assert set(known_keys("streams", version)) == declared | honoured


def test_allowed_entries_are_well_formed() -> None:
    for (section, _key, field), (versions, reason) in ALLOWED.items():
        assert section in SECTIONS and field in ("name", *FIELDS)
        assert versions and set(versions) <= set(KNOWN_VERSIONS) and reason


def test_summary(kafka_java: None) -> None:
    """One line per version: keys the jars declare, keys compared field by field, and agreements."""
    lines = []
    for version in KNOWN_VERSIONS:
        c = compare(version)
        allowed = sum(_allowed(d) for d in c.disagreements)
        lines.append(
            f"Kafka {version}: {c.declared} keys declared, {c.compared} compared, {c.agreeing} agree; "
            f"{allowed} allowed disagreements, {len(c.disagreements) - allowed} others"
            + (f"; validator not printable: {', '.join(k for _, k in c.unprintable)}" if c.unprintable else "")
        )
    print("\n" + "\n".join(lines))
    assert len(lines) == len(KNOWN_VERSIONS)
