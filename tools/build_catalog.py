"""Build ``compiler/data/kafka-catalog.json`` from the shared Kafka reference files.

Usage::

    python tools/build_catalog.py [REFERENCE_DIR] [--output PATH] [--check]

REFERENCE_DIR defaults to ``../shared/reference`` next to the repository root and must hold
``kafka-configs.tsv`` and ``kafka-config-names-by-version.json`` (``kafka-configs-notes.md``
explains both; the few facts that live only in the notes are in ``HAND_FACTS`` below).
The output is deterministic (sorted keys, one-space indent, trailing newline), so the committed
file can be compared byte for byte; ``--check`` does that and exits 1 on a difference.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REFERENCE = REPO_ROOT.parent / "shared" / "reference"
DEFAULT_OUTPUT = REPO_ROOT / "compiler" / "data" / "kafka-catalog.json"
TSV_NAME = "kafka-configs.tsv"
NAMES_NAME = "kafka-config-names-by-version.json"

FORMAT = 1
SCOPES = ("common", "producer", "consumer", "admin", "streams", "topic")
CLIENT_SECTIONS = ("admin", "consumer", "producer")

# Facts stated in kafka-configs-notes.md that the TSV columns do not carry.
UPGRADE_FROM_DROPPED = ("0.10.0", "0.10.1", "0.10.2", "0.11.0", "1.0", "1.1", "2.0", "2.1", "2.2", "2.3")
DNS_DEFAULT = {"removed_values": {"default": "3.0"}}  # notes §5.10: value 'default' invalid since 3.0
PARTITIONER_CLASSES = (
    "org.apache.kafka.clients.producer.internals.DefaultPartitioner",
    "org.apache.kafka.clients.producer.UniformStickyPartitioner",
)
# Every MetadataVersion (3.0-3.2: the Scala ApiVersion) string, oldest first, and the newest one each
# release knows: message.format.version accepts exactly these (and the short forms X.Y / 0.X.Y of the
# released ones), as each release's validator lists them. The notes name only the validator.
METADATA_VERSIONS = [
    "0.8.0",
    "0.8.1",
    "0.8.2",
    "0.9.0",
    "0.10.0-IV0",
    "0.10.0-IV1",
    "0.10.1-IV0",
    "0.10.1-IV1",
    "0.10.1-IV2",
    "0.10.2-IV0",
    "0.11.0-IV0",
    "0.11.0-IV1",
    "0.11.0-IV2",
    "1.0-IV0",
    "1.1-IV0",
    "2.0-IV0",
    "2.0-IV1",
    "2.1-IV0",
    "2.1-IV1",
    "2.1-IV2",
    "2.2-IV0",
    "2.2-IV1",
    "2.3-IV0",
    "2.3-IV1",
    "2.4-IV0",
    "2.4-IV1",
    "2.5-IV0",
    "2.6-IV0",
    "2.7-IV0",
    "2.7-IV1",
    "2.7-IV2",
    "2.8-IV0",
    "2.8-IV1",
    "3.0-IV0",
    "3.0-IV1",
    "3.1-IV0",
    "3.2-IV0",
    "3.3-IV0",
    "3.3-IV1",
    "3.3-IV2",
    "3.3-IV3",
    "3.4-IV0",
    "3.5-IV0",
    "3.5-IV1",
    "3.5-IV2",
    "3.6-IV0",
    "3.6-IV1",
    "3.6-IV2",
    "3.7-IV0",
    "3.7-IV1",
    "3.7-IV2",
    "3.7-IV3",
    "3.7-IV4",
    "3.8-IV0",
    "3.9-IV0",
    "4.0-IV0",
    "4.0-IV1",
]
NEWEST_METADATA_VERSION = {
    "3.0": "3.0-IV1",
    "3.1": "3.1-IV0",
    "3.2": "3.2-IV0",
    "3.3": "3.3-IV3",
    "3.4": "3.4-IV0",
    "3.5": "3.5-IV2",
    "3.6": "3.6-IV2",
    "3.7": "3.8-IV0",
    "3.8": "3.9-IV0",
    "3.9": "4.0-IV1",
}


def metadata_version_history() -> list[list[str]]:
    """message.format.version's validator per release, listing its versions as ``ConfigDef`` prints them."""
    steps = []
    for release, newest in NEWEST_METADATA_VERSION.items():
        scala = tuple(int(p) for p in release.split(".")) < (3, 3)  # kafka.api.ApiVersionValidator
        name = "ApiVersionValidator" if scala else "MetadataVersionValidator"
        known = METADATA_VERSIONS[: METADATA_VERSIONS.index(newest) + 1]
        steps.append([release, f"{name} [{', '.join(known)}]"])
    return steps


# The release each upgrade.from value entered StreamsConfig's list in (its ValidString per release).
UPGRADE_FROM_ADDED = {
    **dict.fromkeys(("2.4", "2.5", "2.6", "2.7", "2.8", "3.0", "3.1", "3.2"), "3.3"),
    "3.3": "3.4",
    "3.4": "3.5",
    "3.5": "3.7",
    "3.6": "3.7",
    "3.7": "3.8",
    "3.8": "3.9",
    "3.9": "4.0",
    "4.0": "4.1",
    "4.1": "4.2",
    "4.2": "4.3",
}
HAND_FACTS: dict[tuple[str, str], dict[str, Any]] = {
    # notes §5.17 / §7: deprecated in 3.0, removed in 4.0.
    ("streams", "processing.guarantee"): {
        "deprecated_values": {"exactly_once": "3.0", "exactly_once_beta": "3.0"},
        "removed_values": {"exactly_once": "4.0", "exactly_once_beta": "4.0"},
        "value_replacements": {"exactly_once": "exactly_once_v2", "exactly_once_beta": "exactly_once_v2"},
    },
    # notes §5.5 / TSV note: deprecated in 3.3, removed in 4.0 (ClassNotFound -> ConfigException).
    ("producer", "partitioner.class"): {
        "deprecated_values": dict.fromkeys(PARTITIONER_CLASSES, "3.3"),
        "removed_values": dict.fromkeys(PARTITIONER_CLASSES, "4.0"),
    },
    ("producer", "client.dns.lookup"): DNS_DEFAULT,
    ("consumer", "client.dns.lookup"): DNS_DEFAULT,
    ("admin", "client.dns.lookup"): DNS_DEFAULT,
    # notes §7: 0.10.0-2.3 dropped in 4.2. When each newer value entered, the notes do not say; each
    # release's StreamsConfig does (tests/kafka/test_catalog_matches_jars.py): 3.0-3.2 stop at 2.3,
    # 3.3 adds 2.4-3.2 at once, and 3.6.0 lacks 3.5 (3.6.2 has it; the catalog's 3.6 is 3.6.0).
    ("streams", "upgrade.from"): {
        "removed_values": dict.fromkeys(UPGRADE_FROM_DROPPED, "4.2"),
        "added_values": UPGRADE_FROM_ADDED,
    },
    # notes §7 (config.providers row): honoured through AbstractConfig before it was declared in 4.2.
    ("producer", "config.providers"): {"accepted_before_added": True},
    ("consumer", "config.providers"): {"accepted_before_added": True},
    ("admin", "config.providers"): {"accepted_before_added": True},
    ("streams", "config.providers"): {"accepted_before_added": True},
    # notes §1 and §9: pre-3.5 topic ranges were not extracted (Scala LogConfig); kafka_2.13's
    # kafka.log.LogConfig of 3.0-3.2 has [0,...] for these two, 3.3 the 4.x minimum.
    ("topic", "flush.messages"): {"valid_history": [["3.0", "[0,...]"], ["3.3", "[1,...]"]]},
    ("topic", "segment.index.bytes"): {"valid_history": [["3.0", "[0,...]"], ["3.3", "[4,...]"]]},
    ("topic", "message.format.version"): {
        "valid": metadata_version_history()[-1][1],
        "valid_history": metadata_version_history(),
    },
}
# Keys without a (real) ConfigDef validator in early versions whose value was still checked when the
# client was built (TSV notes of security.protocol and compression.type). SecurityProtocol.forName upper-cases.
CONSTRUCTION_CHECKS: dict[tuple[str, str], str] = {
    ("common", "security.protocol"): "(case insensitive) [PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL]",
    ("streams", "security.protocol"): "(case insensitive) [PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL]",
    ("producer", "compression.type"): "[none, gzip, snappy, lz4, zstd]",
    # notes §5.9: before 4.2 an empty bootstrap.servers fails at construction ("No resolvable bootstrap urls").
    ("producer", "bootstrap.servers"): "list; must not be empty",
    ("consumer", "bootstrap.servers"): "list; must not be empty",
    ("streams", "bootstrap.servers"): "list; must not be empty",
}
# notes §6.
STREAMS_PREFIXES = {
    "admin.": "admin",
    "consumer.": "consumer",
    "global.consumer.": "consumer",
    "main.consumer.": "consumer",
    "producer.": "producer",
    "restore.consumer.": "consumer",
    "topic.": "topic",
}
# notes §8 and §6: key families that are valid without being declared.
DYNAMIC_KEYS = [
    {
        "name": "config.providers.<name>.class",
        "pattern": r"config\.providers\.[^.]+\.class",
        "sections": [*CLIENT_SECTIONS, "streams"],
        "type": "class",
        "note": "ConfigProvider class for a provider named in config.providers (KIP-297).",
    },
    {
        "name": "config.providers.<name>.param.<param>",
        "pattern": r"config\.providers\.[^.]+\.param\..+",
        "sections": [*CLIENT_SECTIONS, "streams"],
        "type": "string",
        "note": "Parameter handed to the named ConfigProvider (KIP-297).",
    },
    {
        "name": "metrics.context.<name>",
        "pattern": r"metrics\.context\..+",
        "sections": [*CLIENT_SECTIONS, "streams"],
        "type": "string",
        "note": "Metrics context label (CommonClientConfigs METRICS_CONTEXT_PREFIX).",
    },
    {
        "name": "client.tag.<tag>",
        "pattern": r"client\.tag\..+",
        "sections": ["streams"],
        "type": "string",
        "added": "3.2",
        "note": "Rack-aware standby tag (KIP-708), checked against rack.aware.assignment.tags: tag key "
        "<= 20 characters, value <= 30 characters, both non-empty (ConfigException).",
    },
]
# notes §4 / §5.17: client settings Kafka Streams overrides; a user value is dropped and logged.
STREAMS_FORCED = [
    {"client": "consumer", "key": "enable.auto.commit", "value": "false", "when": "always", "since": None},
    {"client": "consumer", "key": "allow.auto.create.topics", "value": "false", "when": "always", "since": None},
    {"client": "consumer", "key": "group.protocol", "value": "classic", "when": "always", "since": "4.0"},
    {"client": "consumer", "key": "isolation.level", "value": "read_committed", "when": "exactly_once", "since": None},
    {"client": "producer", "key": "enable.idempotence", "value": "true", "when": "exactly_once", "since": None},
    {
        "client": "producer",
        "key": "transactional.id",
        "value": "<set by Kafka Streams>",
        "when": "exactly_once",
        "since": None,
    },
]

_VERSION = r"\d+\.\d+(?:\.\d+)?"


def minor(version: str) -> str:
    """``"4.0.0"`` -> ``"4.0"``."""
    parts = version.split(".")
    return f"{parts[0]}.{parts[1]}"


def normalize_default(raw: str) -> tuple[str | None, bool]:
    """Return (default, required) from the TSV ``default`` notation (notes §3)."""
    if raw == "(required, no default)":
        return None, True
    if raw == "null":
        return None, False
    if raw.startswith('""'):
        return "", False
    documented = re.fullmatch(r"(.*?) \(documented as .*\)", raw)
    if documented:
        return documented.group(1), False
    return raw, False


def parse_status(text: str) -> dict[str, str]:
    """Parse the ``deprecated_or_removed`` column."""
    out: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split("; "))):
        if m := re.fullmatch(rf"added ({_VERSION})", part):
            out["added"] = minor(m.group(1))
        elif m := re.fullmatch(rf"deprecated since ({_VERSION})[.,]?\s*(.*)", part):
            out["deprecated"] = minor(m.group(1))
            note = m.group(2).strip()
            if note:
                out["deprecated_note"] = note
        elif m := re.fullmatch(rf"REMOVED in ({_VERSION}) \(last present ({_VERSION})\)", part):
            out["removed"] = minor(m.group(1))
            out["last_present"] = minor(m.group(2))
        else:
            raise ValueError(f"unrecognised deprecated_or_removed part: {part!r}")
    return out


def parse_changes(note: str) -> tuple[str, list[tuple[str, str, str, str]]]:
    """Split a TSV note into (note without history, [(version, what, old, new), ...])."""
    if "version changes: " not in note:
        return note, []
    text, history = note.split("version changes: ", 1)
    changes: list[tuple[str, str, str, str]] = []
    for entry in history.split(" | "):
        m = re.fullmatch(rf"({_VERSION}): (.*)", entry.strip())
        if not m:
            raise ValueError(f"unrecognised version change: {entry!r}")
        version, body = minor(m.group(1)), m.group(2)
        parts = re.fullmatch(
            r"(?:default (?P<dold>.*?)->(?P<dnew>.*?))?(?:(?:; )?validator (?P<vold>.*?) -> (?P<vnew>.*))?", body
        )
        if not parts or not (parts.group("dold") is not None or parts.group("vold") is not None):
            raise ValueError(f"unrecognised version change: {entry!r}")
        if parts.group("dold") is not None:
            changes.append((version, "default", parts.group("dold"), parts.group("dnew")))
        if parts.group("vold") is not None:
            changes.append((version, "valid", parts.group("vold"), parts.group("vnew")))
    return text.strip(), changes


def history(first: str, current: str, changes: list[tuple[str, str, str, str]], what: str) -> list[list[str]]:
    """Turn changes of one kind into [[since, value], ...], oldest first; [] if it never changed."""
    relevant = [c for c in changes if c[1] == what]
    if not relevant:
        return []
    out = [[first, relevant[0][2]]]
    for version, _, old, new in relevant:
        if out[-1][1] != old:
            raise ValueError(f"inconsistent {what} history: {relevant!r}")
        out.append([version, new])
    if out[-1][1] != current:
        raise ValueError(f"{what} history does not end at the current value: {relevant!r} vs {current!r}")
    return out


def presence(names: dict[str, Any], scope: str, key: str) -> tuple[str | None, str | None]:
    """(added, removed) as minor versions from the per-release name lists; None = outside 3.0-4.3."""
    releases = list(names)
    present = [r for r in releases if key in names[r].get(scope, [])]
    if not present:
        raise ValueError(f"{scope} {key} is in no release list")
    first, last = releases.index(present[0]), releases.index(present[-1])
    if present != releases[first : last + 1]:
        raise ValueError(f"{scope} {key} has a gap in its history")
    added = minor(present[0]) if first > 0 else None
    removed = minor(releases[last + 1]) if last + 1 < len(releases) else None
    return added, removed


def build_row(row: dict[str, str], names: dict[str, Any], versions: list[str]) -> dict[str, Any]:
    scope, key = row["scope"], row["name"]
    status = parse_status(row["deprecated_or_removed"])
    added, removed = presence(names, scope, key)
    if status.get("added") != added:
        raise ValueError(f"{scope} {key}: TSV says added {status.get('added')}, release lists say {added}")
    if status.get("removed") != removed:
        raise ValueError(f"{scope} {key}: TSV says removed {status.get('removed')}, release lists say {removed}")
    note, changes = parse_changes(row["note"])
    default, required = normalize_default(row["default"])
    entry: dict[str, Any] = {"type": row["type"], "default": default, "valid": row["valid_values_or_range"]}
    if required:
        entry["required"] = True
    if default != row["default"] and row["default"] not in ("null", '""', "(required, no default)"):
        entry["default_text"] = row["default"]
    for field in ("added", "deprecated", "deprecated_note", "removed"):
        value = added if field == "added" else removed if field == "removed" else status.get(field)
        if value is not None:
            entry[field] = value
    if note:
        entry["note"] = note
    if "internal config" in note:
        entry["internal"] = True
    first = added or versions[0]
    valid_history = history(first, row["valid_values_or_range"], changes, "valid")
    if (scope, key) in CONSTRUCTION_CHECKS:
        for step in valid_history:
            if step[1] in ("(none)", "non-null"):
                step[1] = CONSTRUCTION_CHECKS[(scope, key)]
                step.append("construction")
    if valid_history:
        entry["valid_history"] = valid_history
    default_history = []
    for since, raw in history(first, row["default"], changes, "default"):
        value, step_required = normalize_default(raw)
        default_history.append([since, value, "required"] if step_required else [since, value])
    if default_history:
        entry["default_history"] = default_history
    entry.update(HAND_FACTS.get((scope, key), {}))
    steps = entry.get("valid_history", [])
    if steps and steps[-1][1] != entry["valid"]:
        raise ValueError(f"{scope} {key}: validator history does not end at {entry['valid']!r}")
    return entry


def check_validators(catalog: dict[str, Any]) -> None:
    """Fail the build if the runtime cannot parse a validator description."""
    sys.path.insert(0, str(REPO_ROOT))
    from compiler.catalog import parse_validator

    for rows in catalog["keys"].values():
        for entry in rows.values():
            for text in [entry["valid"], *(step[1] for step in entry.get("valid_history", []))]:
                parse_validator(text)


def build(reference: Path) -> dict[str, Any]:
    """Build the catalog dict from the reference directory."""
    with (reference / TSV_NAME).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    names: dict[str, Any] = json.loads((reference / NAMES_NAME).read_text(encoding="utf-8"))
    versions = sorted({minor(r) for r in names}, key=lambda v: tuple(int(p) for p in v.split(".")))
    keys: dict[str, dict[str, Any]] = {scope: {} for scope in SCOPES}
    for row in rows:
        if row["scope"] not in keys:
            raise ValueError(f"unknown scope {row['scope']!r}")
        if row["name"] in keys[row["scope"]]:
            raise ValueError(f"duplicate row {row['scope']} {row['name']}")
        keys[row["scope"]][row["name"]] = build_row(row, names, versions)
    for release, scopes in names.items():
        for scope, listed in scopes.items():
            if scope in keys and set(listed) - set(keys[scope]):
                raise ValueError(f"{release} {scope}: keys missing from the TSV: {set(listed) - set(keys[scope])}")
    catalog: dict[str, Any] = {
        "format": FORMAT,
        "source": "kafka-configs.tsv + kafka-config-names-by-version.json (Apache Kafka 3.0.0-4.3.1); "
        "regenerate with tools/build_catalog.py",
        "versions": versions,
        "latest": versions[-1],
        "keys": keys,
        "dynamic": DYNAMIC_KEYS,
        "streams_prefixes": STREAMS_PREFIXES,
        "streams_forced": STREAMS_FORCED,
    }
    check_validators(catalog)
    return catalog


def render(catalog: dict[str, Any]) -> str:
    return json.dumps(catalog, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference", nargs="?", type=Path, default=DEFAULT_REFERENCE)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--check", action="store_true", help="compare with --output instead of writing it")
    args = parser.parse_args(argv)
    try:
        text = render(build(args.reference))
    except (OSError, ValueError) as exc:
        print(f"build_catalog: {exc}", file=sys.stderr)
        return 2
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is stale; run: python tools/build_catalog.py {args.reference}", file=sys.stderr)
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
