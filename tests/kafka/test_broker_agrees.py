"""A real Kafka broker judges kkc's topic plans (issue "Real Kafka as the judge", the broker part).

The ``kafka_broker`` fixture is one KRaft node of the pinned Kafka 4.3.1, so kkc is asked with
``--brokers 1 --kafka-version 4.3``. Three judges, each one JVM run per kind of job:

1. **The plans.** Every topic of every target of ``conf/`` and of every golden case
   (``tests/cases/*``, compiled with its ``args.txt``), and logentry of a few one-topic layers that
   set partitions, replication factor or name to the edges (``SHAPES``: 0, -1, 250 characters...),
   is sent as CreateTopics with validate_only, as
   planned, and in three isolating variants: the name alone (1 partition, RF 1, no config), the
   partitions and replication factor alone, the configs alone (both under a legal stand-in name).
   The broker names only the first problem it meets; the variants show every part it refuses.
   kkc's verdict on a topic: its error-level findings about the topic from the rules that predict a
   broker refusal (``BROKER_RULES``), each with the part it is about. They agree when the broker
   rejects the planned topic exactly when kkc reports such an error, and both name the same parts.
   Errors of kkc's rules about a topic that the broker never checks (``BEYOND_BROKER``: Kestra's data
   safety, policies, min.insync.replicas against the factor) are counted, not compared.
2. **Each topic config key.** For every topic key of the catalog at 4.3, valid and invalid values
   (from its ``KeyInfo``: type and validator), set on one topic (``kestra.kafka.topics.logentry
   .properties.<key>`` in a one-file layer that declares the fixture broker's settings kkc's verdicts
   depend on, ``FIXTURE_FACTS``) plus misspelt, misplaced and removed keys: the broker
   rejects the topic <=> kkc reports an error-level finding (of a ``BROKER_RULES`` rule) for that key,
   and kkc's message quotes the broker's.
3. **The emitted create-topics.sh.** ``kkc compile --out DIR --emit kafka-topics`` (dev of
   ``conf/``, and staging/eu1 brought to one broker by overrides) is run for real with the broker's
   kafka-topics.sh (Kafka's own TopicCommand); every topic is then described: partitions,
   replication factor and explicit configs equal the plan exactly. A second run changes nothing.

Each judge prints one summary line (``pytest -s``): agreements/total, allowlisted, disagreements.
An allowlisted case that starts to agree fails, so the lists stay honest.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from compiler import catalog
from compiler.catalog import KeyInfo
from compiler.diagnostics import Diagnostic
from compiler.emit import kestra_tree
from compiler.pipeline import compile_files
from compiler.placeholders import PlaceholderSyntaxError, find
from compiler.validate import Options, validate
from tests.conftest import CASES, REPO, case_args, kkc
from tests.kafka.broker import Broker
from tests.kafka.topics import Description, Kind, TopicJob, Verdict, describe_topics, validate_topics
from tests.test_golden import without_emit

VERSION = "4.3"  # the broker's version (tests/kafka/pom.xml pins 4.3.1)
BROKERS = 1  # the kafka_broker fixture is a single node
KKC_ASKS = ("--brokers", str(BROKERS), "--kafka-version", VERSION)
STAND_IN = "kkc_judge_stand_in"  # a legal name for the variants that judge partitions or configs alone

# kkc's rules that predict a broker refusal, and which part of the CreateTopics request each is about.
# None: the part follows from the key (invalid-value and wrong-type judge partitions or replication-factor).
BROKER_RULES: dict[str, Kind | None] = {
    "topic-name-invalid": "name",
    "replication-factor-exceeds-brokers": "replication",
    "invalid-value": None,
    "wrong-type": None,
    "unknown-topic-property": "config",
    "property-in-wrong-section": "config",
    "invalid-property-value": "config",
    "removed-in-kafka-version": "config",
    "added-after-kafka-version": "config",
    "min-compaction-lag-above-max": "config",
    "remote-storage-on-compacted-topic": "config",
    "remote-storage-disabled-on-broker": "config",
    "local-retention-exceeds-retention": "config",
}
# Error-level rules about a topic that CreateTopics does not judge, and why.
BEYOND_BROKER: dict[str, str] = {
    "referential-topic-retention": "Kestra's data safety: the broker accepts any retention, Kestra then loses flows",
    "min-insync-replicas-not-below-replication-factor": (
        "Kafka never checks min.insync.replicas against the replication factor at creation; acks=all writes fail later"
    ),
    "executor-topic-prefix-mismatch": "Kestra's wiring: both names are legal topics",
    "shared-cluster-prefix-collision": "two targets on one cluster: each name alone is legal",
    "topic-name-duplicate": (
        "validate_only judges one topic at a time: the broker refuses the second of two colliding names only "
        "once the first exists"
    ),
    **{
        f"policy-{name}": "the organisation's policy (policy:), not Kafka's"
        for name in ("max-partitions", "min-insync-replicas", "min-replication-factor")
    },
}

TOPIC = "logentry"  # the one-topic layers' topic: delete-only, no retention of its own, no other rule interferes
TOPICS_PATH = "kestra.kafka.topics."
TOPIC_DEFAULTS = "kestra.kafka.defaults.topic."
TOPIC_PREFIX = "kestra.kafka.defaults.topic-prefix"


def kkc_kind(diag: Diagnostic) -> Kind | None:
    """The part of a CreateTopics request a kkc finding predicts the broker refuses (None: not a refusal)."""
    if diag.level != "error" or diag.rule not in BROKER_RULES:
        return None
    kind = BROKER_RULES[diag.rule]
    if kind is not None:
        return kind if kind != "config" or ".properties." in diag.key else None
    if diag.key.endswith(".partitions"):
        return "partitions"
    if diag.key.endswith(".replication-factor"):
        return "replication"
    return None


def affected_topics(key: str, plans: list[dict[str, Any]], kafka: dict[str, Any]) -> set[str]:
    """The topic keys a finding at config key ``key`` is about (none for a key outside the topic settings).

    A topic's own key is about that topic; a topic default about the topics that keep it (their planned
    value equals the default's); the topic prefix about the topics whose name it makes.
    """
    keys = {str(p["key"]) for p in plans}
    if key.startswith(TOPICS_PATH):
        topic = key[len(TOPICS_PATH) :].split(".", 1)[0]
        return {topic} & keys
    own = kafka.get("topics") if isinstance(kafka.get("topics"), dict) else {}
    if key == TOPIC_PREFIX:
        return {k for k in keys if not (isinstance(own.get(k), dict) and "name" in own[k])}
    if not key.startswith(TOPIC_DEFAULTS):
        return set()
    defaults = (kafka.get("defaults") or {}).get("topic") or {}
    rest = key[len(TOPIC_DEFAULTS) :]
    if rest in ("partitions", "replication-factor"):
        return {str(p["key"]) for p in plans if str(p[rest]) == str(defaults.get(rest))}
    if rest.startswith("properties."):
        name = rest[len("properties.") :]
        value = (defaults.get("properties") or {}).get(name)
        return {str(p["key"]) for p in plans if value is not None and p["properties"].get(name) == str(value)}
    return set()


def has_placeholder(text: str) -> bool:
    try:
        return bool(find(text))
    except PlaceholderSyntaxError:
        return False


def broker_name(name: str) -> str:
    """A name with run-time placeholders (${random.shortuuid}) as the broker sees one: each replaced by 'x'."""
    try:
        found = find(name)
    except PlaceholderSyntaxError:
        return name
    for placeholder in reversed(found):
        name = name[: placeholder.start] + "x" + name[placeholder.end :]
    return name


# ------------------------------------------------------------------------------------- 1. the plans


@dataclass(frozen=True)
class Source:
    """A config tree and the arguments that select its targets (a golden case's args.txt)."""

    label: str
    config_dir: Path
    args: tuple[str, ...]


SOURCES: tuple[Source, ...] = (
    Source("conf", REPO / "conf", ("--all",)),
    *(
        Source(f"cases/{case.name}", case / "conf", tuple(without_emit(case_args(case))))
        for case in sorted(CASES.iterdir())
        if (case / "args.txt").is_file()
    ),
)


def json_documents(text: str) -> Iterator[dict[str, Any]]:
    """`kkc compile --format json` prints one JSON document per target, one after the other."""
    decoder = json.JSONDecoder()
    index = 0
    while index < len(text):
        while index < len(text) and text[index].isspace():
            index += 1
        if index == len(text):
            return
        document, index = decoder.raw_decode(text, index)
        yield document


@dataclass
class PlannedTopic:
    """One topic of one target's plan, kkc's findings about it and the broker's verdicts."""

    id: str  # source:target:topic key
    plan: dict[str, Any]
    kkc: list[Diagnostic] = field(default_factory=list)  # error-level findings about this topic
    judged: bool = True  # False: a run-time value the broker cannot see
    broker: dict[str, Verdict] = field(default_factory=dict)  # variant -> verdict

    def kkc_kinds(self) -> set[Kind]:
        return {kind for d in self.kkc if (kind := kkc_kind(d)) is not None}

    def beyond(self) -> list[Diagnostic]:
        return [d for d in self.kkc if kkc_kind(d) is None]

    def broker_kinds(self) -> set[Kind]:
        return {kind for v in self.broker.values() if (kind := v.kind) is not None}

    def disagreement(self) -> str | None:
        rejects, kinds = not self.broker["plan"].ok, self.kkc_kinds()
        if rejects == bool(kinds) and self.broker_kinds() == kinds:
            return None
        said = "; ".join(f"{variant}: {v.text()}" for variant, v in self.broker.items() if not v.ok) or "accepted"
        errors = "; ".join(f"{d.rule} {d.key}: {d.message}" for d in self.kkc) or "no error"
        return (
            f"{self.id} ({self.plan['name']}, {self.plan['partitions']} partitions, RF "
            f"{self.plan['replication-factor']}): broker refuses {sorted(self.broker_kinds())}, kkc predicts "
            f"{sorted(kinds)}\n  broker: {said}\n  kkc: {errors}"
        )


def _plan_jobs(topic: PlannedTopic) -> Iterator[TopicJob]:
    plan = topic.plan
    name, partitions, rf = broker_name(str(plan["name"])), int(plan["partitions"]), int(plan["replication-factor"])
    configs = {str(k): str(v) for k, v in plan["properties"].items()}
    yield TopicJob(f"{topic.id}:plan", name, partitions, rf, configs)
    yield TopicJob(f"{topic.id}:name", name, 1, 1)
    yield TopicJob(f"{topic.id}:shape", STAND_IN, partitions, rf)
    yield TopicJob(f"{topic.id}:configs", STAND_IN, 1, 1, configs)


def _judgeable(plan: dict[str, Any]) -> bool:
    counts = (plan["partitions"], plan["replication-factor"])
    numbers = all(isinstance(n, int) and not isinstance(n, bool) for n in counts)
    return numbers and not any(has_placeholder(str(v)) for v in plan["properties"].values())


def planned_topics(source: Source) -> list[PlannedTopic]:
    """Every topic of the source's targets with kkc's error-level findings about it."""
    base = ("--config-dir", str(source.config_dir), *source.args)
    compiled = kkc("compile", *base, "--format", "json", cwd=REPO)
    assert compiled.code == 0, f"{source.label}: kkc compile exited {compiled.code}:\n{compiled.err}"
    checked = kkc("validate", *base, *KKC_ASKS, "--format", "json", cwd=REPO)
    assert checked.code in (0, 1), f"{source.label}: kkc validate exited {checked.code}:\n{checked.err}"
    diagnostics = [Diagnostic(**d) for d in json.loads(checked.out)["diagnostics"]]
    out: list[PlannedTopic] = []
    for document in json_documents(compiled.out):
        target, plans = document["target"], document["topics"]
        kafka = document["kestra"].get("kafka") or {}
        mine = [d for d in diagnostics if d.target == target and d.level == "error"]
        for plan in plans:
            topic = PlannedTopic(f"{source.label}:{target}:{plan['key']}", plan, judged=_judgeable(plan))
            topic.kkc = [d for d in mine if plan["key"] in affected_topics(d.key, plans, kafka)]
            out.append(topic)
        unplaced = [d for d in mine if kkc_kind(d) is not None and not affected_topics(d.key, plans, kafka)]
        assert not unplaced, f"{source.label}:{target}: broker-rule errors about no topic: {unplaced}"
    return out


# One-topic layers that exercise the parts of a topic the example trees leave valid: partitions,
# replication factor and name (logentry's own settings; -1 asks the broker for its default).
SHAPES: dict[str, str] = {
    **{f"partitions={n}": f"partitions: {n}" for n in ("1", "0", "-1", "-2")},
    **{f"replication-factor={n}": f"replication-factor: {n}" for n in ("1", "0", "-1", "-2", "2")},
    "name=249-chars": f"name: {'k' * 249}",
    "name=250-chars": f"name: {'k' * 250}",
    "name=space": 'name: "kestra logs"',
    "name=dot": 'name: "."',
    "name=dot-dot": 'name: ".."',
    "name=non-ascii": 'name: "kestra_l\\u00f6gs"',
    "name=dots-and-dashes": "name: kestra.audit-logs_v2",
}


def shape_topics(folder: Path) -> list[PlannedTopic]:
    """logentry of each SHAPES layer (compiled as `kkc validate FILE` does) with kkc's errors about it."""
    out = []
    for index, (label, setting) in enumerate(SHAPES.items()):
        layer = folder / f"shape{index:02d}.yaml"
        layer.write_text(f"kestra:\n  kafka:\n    topics:\n      {TOPIC}:\n        {setting}\n", encoding="utf-8")
        compiled = compile_files([layer], [])
        diagnostics = validate([compiled], Options(brokers=BROKERS, kafka_version=VERSION))
        plans = [p.to_dict() for p in compiled.topics]
        [plan] = [p for p in plans if p["key"] == TOPIC]
        topic = PlannedTopic(f"shapes:{label}:{TOPIC}", plan)
        kafka = kestra_tree(compiled).get("kafka") or {}
        topic.kkc = [d for d in diagnostics if d.level == "error" and TOPIC in affected_topics(d.key, plans, kafka)]
        out.append(topic)
    return out


# Topics of the plans on which the broker and kkc are known to disagree: id -> why.
PLAN_ALLOWLIST: dict[str, str] = {}


@pytest.fixture(scope="module")
def plans(kafka_broker: Broker, tmp_path_factory: pytest.TempPathFactory) -> list[PlannedTopic]:
    topics = [t for source in SOURCES for t in planned_topics(source)]
    topics += shape_topics(tmp_path_factory.mktemp("shapes"))
    jobs = [job for t in topics if t.judged for job in _plan_jobs(t)]
    verdicts = validate_topics(kafka_broker.bootstrap, jobs)
    for topic in topics:
        if topic.judged:
            topic.broker = {v: verdicts[f"{topic.id}:{v}"] for v in ("plan", "name", "shape", "configs")}
    return topics


def test_broker_agrees_with_the_plans(plans: list[PlannedTopic]) -> None:
    judged = [t for t in plans if t.judged]
    assert all(v.status != "fail" for t in judged for v in t.broker.values()), [
        v for t in judged for v in t.broker.values() if v.status == "fail"
    ]
    unclassified = sorted({d.rule for t in plans for d in t.beyond() if d.rule not in BEYOND_BROKER})
    assert not unclassified, f"error rules about topics in neither BROKER_RULES nor BEYOND_BROKER: {unclassified}"
    found = {t.id: text for t in judged if (text := t.disagreement()) is not None}
    stale = sorted(set(PLAN_ALLOWLIST) - set(found))
    rejected = sum(1 for t in judged if not t.broker["plan"].ok)
    stand_ins = sum(1 for t in judged if has_placeholder(str(t.plan["name"])))
    beyond = Counter(d.rule for t in plans for d in t.beyond())
    kinds = Counter(k for t in judged for k in t.broker_kinds())
    disagreements = {i: text for i, text in found.items() if i not in PLAN_ALLOWLIST}
    line = (
        f"broker judge, plans: {len(SOURCES)} config trees, "
        f"{len({t.id.rsplit(':', 1)[0] for t in plans})} targets, {len(plans)} topics "
        f"({len(plans) - len(judged)} not judged: run-time values; {stand_ins} names with run-time placeholders "
        f"sent with 'x' for each); broker rejects {rejected} "
        f"(parts refused: {dict(sorted(kinds.items()))}); kkc errors the broker does not check: {dict(beyond)}; "
        f"agreements: {len(judged) - len(found)}/{len(judged)}; allowlisted: {len(PLAN_ALLOWLIST)}; "
        f"disagreements: {len(disagreements)}"
    )
    print(line)
    assert not stale, f"the broker and kkc now agree on {stale}: delete their PLAN_ALLOWLIST entries"
    assert not disagreements, line + "\n" + "\n".join(disagreements.values())


# ---------------------------------------------------------------------------- 2. each topic config key

JAVA_LIMITS = {"int": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
# Misspelt topic config names: the broker refuses unknown names (Unknown topic config name: x).
TYPOS = ("retention.msec", "cleanup.polcy", "segment_bytes", "min.insync.replica", "max.message.byte")
# Names the broker does not take as topic configs: client settings, broker settings.
MISPLACED = ("max.request.size", "acks", "log.retention.ms", "message.max.bytes")


@dataclass(frozen=True)
class KeyCase:
    """One topic config value on one topic, and whether it was generated as valid."""

    id: str
    key: str
    value: str
    valid: bool


def _number_cases(info: KeyInfo) -> Iterator[tuple[str, str, bool]]:
    v = info.validator_at(VERSION)
    type_low, type_high = JAVA_LIMITS[info.type]
    yield "not-a-number", "12x", False
    yield "empty", "", False
    yield "decimal", "1.5", False
    yield "above-type", str(type_high + 1), False
    yield "padded", f" {info.default_at(VERSION) or 1} ", True
    if v.kind != "range":
        yield "default", info.default_at(VERSION) or "1", True
        yield "type-min", str(type_low), True
        return
    low = int(v.low) if v.low is not None else None
    high = int(v.high) if v.high is not None else None
    if low is not None:
        yield "min", str(low), True
        if low - 1 >= type_low and str(low - 1) not in v.also:
            yield "below-min", str(low - 1), False
    if high is not None:
        yield "max", str(high), True
        yield "above-max", str(high + 1), False
    else:
        yield "type-max", str(type_high), True
    for extra in v.also:
        yield f"also{extra}", extra, True


def _double_cases(info: KeyInfo) -> Iterator[tuple[str, str, bool]]:
    v = info.validator_at(VERSION)
    yield "not-a-number", "0.5x", False
    yield "empty", "", False
    yield "default", info.default_at(VERSION) or "0.5", True
    if v.low is not None:
        yield "min", v.low, True
        yield "below-min", repr(float(v.low) - 0.5), False
    if v.high is not None:
        yield "max", v.high, True
        yield "above-max", repr(float(v.high) + 0.5), False


def value_cases(key: str, info: KeyInfo) -> Iterator[tuple[str, str, bool]]:
    """(label, value, generated as valid) for a topic key, from its catalog type and validator."""
    v = info.validator_at(VERSION)
    if info.type == "boolean":
        yield from (("true", "true", True), ("false", "false", True), ("upper-case", "TRUE", True))
        yield from (("maybe", "maybe", False), ("one", "1", False), ("empty", "", False))
    elif info.type in JAVA_LIMITS:
        yield from _number_cases(info)
    elif info.type == "double":
        yield from _double_cases(info)
    elif v.kind == "throttled-replicas":
        yield from (("star", "*", True), ("one-pair", "0:1", True), ("two-pairs", "0:1,1:1", True))
        yield from (("empty", "", True), ("word", "kkc-a", False), ("bad-broker", "0:x", False))
        yield "star-and-pair", "*,0:1", False
    elif info.type == "list":
        for item in v.values:
            yield f"value-{item}", item, True
        yield "all-values", ",".join(v.values), True
        yield "all-values-reversed", ",".join(reversed(v.values)), True
        yield "not-in-set", "no-such-value", False
        if v.values:
            yield "upper-case", v.values[0].upper(), False
        yield "empty-element", f"{v.values[0]},,{v.values[-1]}", not v.no_empty_elements
        yield "empty", "", not v.non_empty
    elif v.kind == "enum":
        for item in v.values:
            yield f"value-{item}", item, True
        yield "not-in-set", "no-such-value", False
        yield "empty", "", False
        other = next((x for x in v.values if re.search("[A-Za-z]", x) and x.swapcase() not in v.values), None)
        if other is not None:
            yield "case-variant", other.swapcase(), v.case_insensitive
    else:
        raise AssertionError(f"{key}: no value generator for type {info.type}, validator {v.kind}")


def key_cases() -> list[KeyCase]:
    cases = [KeyCase("baseline", "", "", True)]
    for key in catalog.known_keys("topic", VERSION):
        info = catalog.lookup("topic", key, VERSION)
        assert info is not None and info.present_in(VERSION), key
        cases.extend(KeyCase(f"{key}:{label}", key, value, ok) for label, value, ok in value_cases(key, info))
    for key in TYPOS:
        assert not catalog.sections_of(key), f"{key} is not a typo"
        cases.append(KeyCase(f"{key}:typo", key, "1", False))
    for key in MISPLACED:
        assert catalog.lookup("topic", key, VERSION) is None, f"{key} is a topic config"
        cases.append(KeyCase(f"{key}:not-a-topic-config", key, "1", False))
    every = {k for version in catalog.KNOWN_VERSIONS for k in catalog.known_keys("topic", version)}
    for key in sorted(every - set(catalog.known_keys("topic", VERSION))):
        info = catalog.lookup("topic", key)
        assert info is not None
        value = next(value for _, value, ok in value_cases(key, info) if ok) if info.type != "string" else "3.0"
        cases.append(KeyCase(f"{key}:removed", key, value, False))
    assert len({c.id for c in cases}) == len(cases), "duplicate case ids"
    return cases


KEY_CASES = key_cases()


# What the fixture broker runs with that kkc's verdicts depend on, declared as a user would: kkc reports
# a verdict on an undeclared broker setting as an info, which is no prediction of a refusal.
FIXTURE_FACTS = ["cluster:", "  broker-defaults:", "    remote.log.storage.system.enable: false"]


def _layer(case: KeyCase) -> str:
    """A Kestra config layer that sets one property on one topic (JSON strings are YAML scalars)."""
    lines = [*FIXTURE_FACTS, "kestra:", "  kafka:", "    topics:", f"      {TOPIC}:"]
    if case.key:
        lines += ["        properties:", f"          {json.dumps(case.key)}: {json.dumps(case.value)}"]
    else:
        lines += ["        partitions: 16"]
    return "\n".join(lines) + "\n"


@dataclass
class KeyVerdict:
    case: KeyCase
    plan: dict[str, Any]
    kkc: list[Diagnostic]  # error-level findings about the topic
    broker: Verdict | None = None

    def refusals(self) -> list[Diagnostic]:
        """kkc's errors that predict the broker refuses the topic."""
        return [d for d in self.kkc if kkc_kind(d) is not None]

    def beyond(self) -> list[Diagnostic]:
        return [d for d in self.kkc if kkc_kind(d) is None]

    def quotes_broker(self) -> bool:
        """kkc's refusal quotes the broker's own message (its first sentence, for a text kkc goes on from)."""
        said = (self.broker.message or "") if self.broker is not None else ""
        first = said.split(". ", 1)[0]
        return bool(said) and any(said in d.message or first in d.message for d in self.refusals())

    def disagreement(self) -> str | None:
        assert self.broker is not None
        path = f"{TOPICS_PATH}{TOPIC}.properties.{self.case.key}"
        mine = [d for d in self.refusals() if d.key == path or not self.case.key]
        problems = []
        if self.broker.ok == bool(mine):
            said = "accepts" if self.broker.ok else "rejects"
            problems.append(f"the broker {said}, kkc {'reports an error' if mine else 'reports none'}")
        said = self.broker.message or ""
        if not self.broker.ok and self.case.key and self.case.key not in said and not self.quotes_broker():
            problems.append("the broker refuses the topic for another key")
        if not self.broker.ok and mine and not self.quotes_broker():
            problems.append("kkc's message does not quote the broker's")
        if any(d not in mine for d in self.refusals()):
            problems.append("kkc reports errors about other keys")
        if not problems:
            return None
        errors = "; ".join(f"{d.rule} {d.key}: {d.message}" for d in self.kkc) or "no error"
        generated = "valid" if self.case.valid else "invalid"
        return (
            f"{self.case.id} [{self.case.key}={self.case.value!r}, generated {generated}]: {', '.join(problems)}\n"
            f"  {self.broker.text()}\n  kkc: {errors}"
        )


# Topic config values on which the broker and kkc are known to disagree: case id -> why.
KEY_ALLOWLIST: dict[str, str] = {}


@pytest.fixture(scope="module")
def key_verdicts(kafka_broker: Broker, tmp_path_factory: pytest.TempPathFactory) -> dict[str, KeyVerdict]:
    folder = tmp_path_factory.mktemp("topic-keys")
    verdicts: dict[str, KeyVerdict] = {}
    for index, case in enumerate(KEY_CASES):
        layer = folder / f"{index:04d}.yaml"
        layer.write_text(_layer(case), encoding="utf-8")
        compiled = compile_files([layer], [])
        diagnostics = validate([compiled], Options(brokers=BROKERS, kafka_version=VERSION))
        plans = [p.to_dict() for p in compiled.topics]
        plan = next(p for p in plans if p["key"] == TOPIC)
        kafka = kestra_tree(compiled).get("kafka") or {}
        about = [d for d in diagnostics if d.level == "error" and TOPIC in affected_topics(d.key, plans, kafka)]
        verdicts[case.id] = KeyVerdict(case, plan, about)
    jobs = [
        TopicJob(i, str(p["name"]), int(p["partitions"]), int(p["replication-factor"]), p["properties"])
        for i, p in ((i, v.plan) for i, v in verdicts.items())
    ]
    for job_id, verdict in validate_topics(kafka_broker.bootstrap, jobs).items():
        verdicts[job_id].broker = verdict
    return verdicts


def test_broker_agrees_on_each_topic_config_key(key_verdicts: dict[str, KeyVerdict]) -> None:
    assert all(v.broker is not None and v.broker.status != "fail" for v in key_verdicts.values())
    found = {i: text for i, v in key_verdicts.items() if (text := v.disagreement()) is not None}
    stale = sorted(set(KEY_ALLOWLIST) - set(found))
    disagreements = {i: text for i, text in found.items() if i not in KEY_ALLOWLIST}
    cases = list(key_verdicts.values())
    keys = len(catalog.known_keys("topic", VERSION))
    rejected = sum(1 for v in cases if v.broker is not None and not v.broker.ok)
    beyond = Counter(f"{d.rule} ({v.case.id})" for v in cases for d in v.beyond())
    unclassified = sorted({d.rule for v in cases for d in v.beyond() if d.rule not in BEYOND_BROKER})
    assert not unclassified, f"error rules about the topic in neither BROKER_RULES nor BEYOND_BROKER: {unclassified}"
    line = (
        f"broker judge, topic config keys: {keys} keys of Kafka {VERSION} + {len(TYPOS)} typos, {len(MISPLACED)} "
        f"non-topic names, {sum(1 for c in KEY_CASES if c.id.endswith(':removed'))} removed keys; {len(cases)} "
        f"topics ({sum(1 for c in KEY_CASES if c.valid)} generated valid); broker rejects {rejected}; "
        f"kkc errors the broker does not check: {dict(beyond)}; "
        f"agreements: {len(cases) - len(found)}/{len(cases)}; allowlisted: {len(KEY_ALLOWLIST)}; "
        f"disagreements: {len(disagreements)}"
    )
    print(line)
    assert not stale, f"the broker and kkc now agree on {stale}: delete their KEY_ALLOWLIST entries"
    assert not disagreements, line + "\n" + "\n".join(disagreements.values())


# ------------------------------------------------------------------------ 3. the emitted create-topics.sh


@dataclass(frozen=True)
class Emitted:
    """A target whose create-topics.sh runs against the broker, and how it is compiled."""

    target: str
    args: tuple[str, ...]
    plain_command_config: bool  # its admin.properties speaks SASL_SSL: give the script a plaintext one


EMITTED: tuple[Emitted, ...] = (
    Emitted("dev", ("--all",), False),  # every target's files, as the golden example; dev fits one broker
    Emitted(
        "staging/eu1",
        (
            "env=staging",
            "instance=eu1",
            "kestra.kafka.defaults.topic.replication-factor=1",
            "kestra.kafka.defaults.topic.properties[min.insync.replicas]=1",
            "+kestra.kafka.topics.logentry.partitions=-1",  # -1: the broker's num.partitions
            "+kestra.kafka.topics.trigger.replication-factor=-1",  # the broker's default.replication.factor
        ),
        True,
    ),
)
# The fixture's num.partitions and default.replication.factor: Kafka's defaults.
BROKER_DEFAULTS = {"partitions": 1, "replication-factor": 1}


def expected(plan: dict[str, Any]) -> tuple[int, int, dict[str, str]]:
    """What the broker should hold for a planned topic: (partitions, replication factor, explicit configs)."""
    partitions, rf = (
        BROKER_DEFAULTS[k] if plan[k] == -1 else int(plan[k]) for k in ("partitions", "replication-factor")
    )
    return partitions, rf, {str(k): str(v) for k, v in plan["properties"].items()}


def held(found: Description) -> tuple[int | None, int | None, dict[str, str]]:
    return found.partitions, found.replication_factor, found.explicit


@dataclass
class ScriptRun:
    emitted: Emitted
    plan: list[dict[str, Any]]
    runs: list[subprocess.CompletedProcess[str]] = field(default_factory=list)
    described: list[dict[str, Any]] = field(default_factory=list)  # per run: topic name -> Description

    def problems(self) -> list[str]:
        out = []
        for index, run in enumerate(self.runs, 1):
            if run.returncode != 0:
                out.append(f"{self.emitted.target}: run {index} exited {run.returncode}:\n{run.stdout}{run.stderr}")
        created = [self.created(i) for i in range(len(self.runs))]
        names = [str(p["name"]) for p in self.plan]
        if created and sorted(created[0]) != sorted(names):
            out.append(f"{self.emitted.target}: the first run created {created[0]}, the plan has {names}")
        if len(created) > 1 and created[1]:
            out.append(f"{self.emitted.target}: the second run created {created[1]} again")
        for index, described in enumerate(self.described, 1):
            for plan in self.plan:
                found = described[str(plan["name"])]
                want, got = expected(plan), held(found)
                if found.status != "ok" or got != want:
                    out.append(
                        f"{self.emitted.target}: after run {index}, topic {plan['name']}: planned "
                        f"(partitions, RF, configs) {want}, the broker has {got} {found.message or ''}"
                    )
        return out

    def created(self, index: int) -> list[str]:
        return re.findall(r"^Created topic (\S+)\.$", self.runs[index].stdout, re.MULTILINE)


def _run_script(script: Path, broker: Broker, command_config: Path | None) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "KAFKA_TOPICS": str(broker.kafka_topics_script()),
        "BOOTSTRAP_SERVERS": broker.bootstrap,
    }
    if command_config is not None:
        env["COMMAND_CONFIG"] = str(command_config)
    return subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture(scope="module")
def script_runs(kafka_broker: Broker, tmp_path_factory: pytest.TempPathFactory) -> list[ScriptRun]:
    folder = tmp_path_factory.mktemp("create-topics")
    plain = folder / "plaintext-admin.properties"
    plain.write_text("# the broker fixture's listener is PLAINTEXT\n", encoding="utf-8")
    results = []
    for index, emitted in enumerate(EMITTED):
        out = folder / f"out{index}"
        written = kkc("compile", *emitted.args, "--out", str(out), "--emit", "kafka-topics", cwd=REPO)
        assert written.code == 0, f"{emitted.target}: kkc compile --out exited {written.code}:\n{written.err}"
        printed = kkc("compile", *emitted.args, "--format", "json", cwd=REPO)
        assert printed.code == 0, printed.err
        [document] = [d for d in json_documents(printed.out) if d["target"] == emitted.target]
        result = ScriptRun(emitted, document["topics"])
        script = out / emitted.target / "create-topics.sh"
        for _ in range(2):
            result.runs.append(_run_script(script, kafka_broker, plain if emitted.plain_command_config else None))
            result.described.append(describe_topics(kafka_broker.bootstrap, [str(p["name"]) for p in result.plan]))
        results.append(result)
    return results


def test_emitted_create_topics_script_makes_the_plan(script_runs: list[ScriptRun]) -> None:
    found = [problem for run in script_runs for problem in run.problems()]
    topics = sum(len(run.plan) for run in script_runs)
    exact = sum(
        1
        for run in script_runs
        for plan in run.plan
        if all(held(described[str(plan["name"])]) == expected(plan) for described in run.described)
    )
    recreated = sum(len(run.created(1)) for run in script_runs)
    line = (
        f"broker judge, create-topics.sh: {len(script_runs)} targets "
        f"({', '.join(r.emitted.target for r in script_runs)}), "
        f"{topics} topics, each script run twice; created {sum(len(r.created(0)) for r in script_runs)}, "
        f"again on the second run {recreated}; partitions, RF (-1: the broker's default) and explicit configs equal "
        "the plan after both runs: "
        f"agreements: {exact}/{topics}; allowlisted: 0; disagreements: {len(found)}"
    )
    print(line)
    assert not found, line + "\n" + "\n".join(found)
