"""The validator and the real Kafka Java client must agree on client .properties files.

Kafka's own config classes (``ProducerConfig``/``ConsumerConfig``/``AdminClientConfig``/``StreamsConfig``
of Kafka 4.3.1, pinned in ``tests/kafka/pom.xml`` and run by ``tests/kafka/harness.py``) judge:

* every admin/consumer/producer.properties compiled from the example tree ``conf/``: Kafka accepts
  each and knows every key; ``kkc validate FILE --as ROLE`` reports no error and no unknown key;
* one file per catalog key and generated value (``known_keys(role, "4.3")``): a valid value must be
  accepted by both (no error-level diagnostic), an invalid one rejected by both (an error-level
  ``invalid-property-value`` for that key, whose message quotes Kafka's); keys that Kafka rejects
  alone because of another key are listed in ``CROSS_KEY`` (their values are judged with that
  context, and the key alone must be rejected by both, or be in ``ALLOWLIST`` with the reason);
* a few misspelt keys per role (Kafka lists them as unknown; kkc says ``unknown-client-property``)
  and every key of another client role (unknown to Kafka; kkc says ``property-in-wrong-section``).

Values come from the catalog's ``KeyInfo`` (type, default, validator), never from
``catalog.check_value``, so the catalog's checks are what is being tested. Every file is judged in a
single JVM run. Only a missing JDK or Maven skips the module.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest

from compiler import catalog
from compiler.catalog import KeyInfo
from compiler.catalog.classes import CLASS_LISTS
from compiler.diagnostics import Diagnostic
from compiler.pipeline import compile_properties
from compiler.secrets import is_secret_key
from compiler.validate import Options, validate
from tests.conftest import REPO, kkc
from tests.kafka.harness import ROLES, Result, check_properties

VERSION = "4.3"  # the kafka-clients version the harness runs
INVALID_RULE = "invalid-property-value"
UNKNOWN_RULE = "unknown-client-property"
WRONG_SECTION_RULE = "property-in-wrong-section"
UNKNOWN_RULES = frozenset({UNKNOWN_RULE, WRONG_SECTION_RULE})

Expect = Literal["valid", "invalid", "conflict", "unknown", "misplaced"]

_STRING_SERIALIZER = "org.apache.kafka.common.serialization.StringSerializer"
_STRING_DESERIALIZER = "org.apache.kafka.common.serialization.StringDeserializer"
_JAVA_LIMITS = {"short": (-(2**15), 2**15 - 1), "int": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}

# Misspelt keys: Kafka only logs them (and hands them to plug-ins); kkc must call them unknown.
TYPOS: dict[str, tuple[str, ...]] = {
    "producer": ("lingr.ms", "batch.szie", "compresion.type", "acks.all"),
    "consumer": ("max.poll.record", "enable.auto.comit", "auto.offset.rest", "group_id"),
    "admin": ("request.timout.ms", "retry.backof.ms", "bootstrap.server", "default.api.timeout"),
    "streams": ("num.stream.thread", "processing.guarante", "commit.interval", "state_dir"),
}
# Streams forwards every client key to the clients that know it: none of them is misplaced there.
FORWARDED_TO = {"streams": frozenset({"producer", "consumer", "admin"})}


@dataclass(frozen=True)
class CrossKey:
    """A key whose valid values Kafka rejects alone, after parsing, because of another key (or its absence).

    ``context`` is what the key's value files also set so that Kafka judges the value alone (None when
    no setting makes the key legal in that client: the valid values then pass when Kafka's error is
    ``kafka_says``, which proves the value itself was parsed and accepted). One more file sets the key
    alone: a "conflict" case, which both sides must reject (``kafka_says`` is part of Kafka's message).
    """

    context: tuple[tuple[str, str], ...] | None
    kafka_says: str


# Construction-time checks of ConsumerConfig.postProcessParsedConfig that one key cannot pass alone.
CROSS_KEY: dict[tuple[str, str], CrossKey] = {
    # true needs a group.id: the default (null) group id cannot commit.
    ("consumer", "enable.auto.commit"): CrossKey(
        (("group.id", "kkc-group"),), "enable.auto.commit cannot be set to true when default group id (null) is used"
    ),
    # A server-side assignor only exists for the KIP-848 protocol; the default group.protocol is classic.
    ("consumer", "group.remote.assignor"): CrossKey(
        (("group.protocol", "consumer"),), "group.remote.assignor cannot be set when group.protocol=CLASSIC"
    ),
    # KafkaShareConsumer settings: ConsumerConfig declares them (configNames() lists them) but rejects
    # any value for every group.protocol, so no context makes them legal in a consumer file.
    ("consumer", "share.acknowledgement.mode"): CrossKey(None, "share.acknowledgement.mode cannot be set when"),
    ("consumer", "share.acquire.mode"): CrossKey(None, "share.acquire.mode cannot be set when"),
}

# Cases on which Kafka and the validator are known to disagree, by case id -> reason. Keep this
# small and honest: an entry fails as soon as both sides agree (then delete it).
# (A value the config class accepts but the constructor rejects, which kkc reports, is an agreement: the
# constructor is the stricter judge.)
ALLOWLIST: dict[str, str] = {}


@dataclass(frozen=True)
class Case:
    """One generated .properties file (the key, plus any context) and the verdict both sides must reach."""

    id: str
    role: str
    key: str
    value: str
    expect: Expect
    context: tuple[tuple[str, str], ...] = ()
    kafka_says: str | None = None  # part of Kafka's message for a rejected combination (see CrossKey)

    def content(self) -> str:
        pairs = (*self.context, (self.key, self.value))
        return "".join(f"{_escape(k, key=True)}={_escape(v, key=False)}\n" for k, v in pairs)


def _escape(text: str, *, key: bool) -> str:
    """``java.util.Properties`` escaping (values keep inner spaces; a leading one is escaped)."""
    out = []
    for i, ch in enumerate(text):
        if ch == "\\" or ch in "=:#!" or (ch == " " and (key or i == 0)):
            out.append("\\" + ch)
        elif not " " <= ch <= "~":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


# --------------------------------------------------------------------------------------- generation


@dataclass(frozen=True)
class Values:
    """Generated values for one key: (label, value) pairs; ``no_invalid`` says why none is invalid."""

    valid: tuple[tuple[str, str], ...]
    invalid: tuple[tuple[str, str], ...]
    no_invalid: str | None = None


def _number_text(x: float) -> str:
    return repr(float(x))


def _integer_values(info: KeyInfo) -> Values:
    v = info.validator_at(VERSION)
    type_low, type_high = _JAVA_LIMITS[info.type]
    valid: list[tuple[str, str]] = []
    invalid: list[tuple[str, str]] = [("not-a-number", "12x"), ("above-type", str(type_high + 1))]
    if v.kind == "range":
        low = int(v.low) if v.low is not None else None
        high = int(v.high) if v.high is not None else None
        if low is not None:
            valid.append(("min", str(low)))
            if low - 1 >= type_low and str(low - 1) not in v.also:
                invalid.append(("below-min", str(low - 1)))
        if high is not None:
            valid.append(("max", str(high)))
            if high + 1 <= type_high:
                invalid.append(("above-max", str(high + 1)))
        valid.extend(("also", extra) for extra in v.also)
    else:
        valid.append(("number", info.default if info.default is not None else "1"))
    return Values(tuple(valid), tuple(invalid))


def _double_values(info: KeyInfo) -> Values:
    v = info.validator_at(VERSION)
    valid: list[tuple[str, str]] = []
    invalid: list[tuple[str, str]] = [("not-a-number", "0.5x")]
    if v.kind == "range":
        if v.low is not None:
            valid.append(("min", v.low))
            invalid.append(("below-min", _number_text(float(v.low) - 0.5)))
        if v.high is not None:
            valid.append(("max", v.high))
            invalid.append(("above-max", _number_text(float(v.high) + 0.5)))
    else:
        valid.append(("number", info.default if info.default is not None else "0.5"))
    return Values(tuple(valid), tuple(invalid))


def _first_with_letters(values: tuple[str, ...]) -> str | None:
    return next((x for x in values if re.search(r"[A-Za-z]", x)), None)


def _enum_values(info: KeyInfo) -> Values:
    v = info.validator_at(VERSION)
    allowed = tuple(x for x in v.values if x != "null")  # ValidString's "null" is Java null
    valid = [(f"value-{x}", x) for x in allowed]
    invalid = [("not-in-set", "no-such-value"), ("empty", "")]
    other_case = _first_with_letters(allowed)
    if other_case is not None and other_case.swapcase() not in allowed:
        case = ("case-variant", other_case.swapcase())
        (valid if v.case_insensitive else invalid).append(case)
    return Values(tuple(valid), tuple(invalid))


def _list_values(key: str, info: KeyInfo) -> Values:
    v = info.validator_at(VERSION)
    valid: list[tuple[str, str]] = []
    invalid: list[tuple[str, str]] = []
    if v.values:
        valid.extend((f"value-{x}", x) for x in v.values)
        valid.append(("all-values", ",".join(v.values)))
        invalid.append(("not-in-set", "no-such-value"))
        sample = v.values[0]
    elif key.startswith("bootstrap."):
        sample = "localhost:9092"
        valid.append(("two-hosts", "localhost:9092,localhost:9093"))
    elif key in CLASS_LISTS:  # class names, loaded when the client is created
        sample = "org.apache.kafka.common.metrics.JmxReporter"
        invalid.append(("absent-kafka-class", "org.apache.kafka.common.NoSuchKkcClass"))
    else:
        items = info.default or "kkc-a,kkc-b"
        sample = items.split(",")[0]
        valid.append(("items", items))
    if v.non_empty:
        invalid.append(("empty", ""))
    else:
        valid.append(("empty", ""))
    if v.no_empty_elements:
        invalid.append(("empty-element", f"{sample},,{sample}"))
    if not invalid:
        return Values(tuple(valid), (), "free list: every element is accepted")
    return Values(tuple(valid), tuple(invalid))


# A class of the kind each class key loads (a serializer is not a partitioner).
LOADABLE: dict[str, str] = {
    "partitioner.class": "org.apache.kafka.clients.producer.RoundRobinPartitioner",
}


def _class_values(key: str, info: KeyInfo) -> Values:
    if key in LOADABLE:
        loadable = LOADABLE[key]
    elif info.default:
        loadable = info.default
    elif "deserializer" in key:
        loadable = _STRING_DESERIALIZER
    else:
        loadable = _STRING_SERIALIZER
    # An absent class of the user's own (com.example.Missing) is on their classpath at run time: only
    # names that are not Java class names, or absent from Kafka's own packages, are generated.
    return Values(
        (("loadable", loadable),),
        (
            ("not-a-class-name", "not a class"),
            ("empty-segment", "org..Foo"),
            ("absent-kafka-class", "org.apache.kafka.common.NoSuchKkcClass"),
        ),
    )


def values_for(key: str, info: KeyInfo) -> Values:
    """Generate valid and invalid values for ``key`` from its catalog definition."""
    v = info.validator_at(VERSION)
    if info.type == "boolean":
        return Values(
            (("true", "true"), ("false", "false"), ("upper-case", "TRUE")),
            (("maybe", "maybe"), ("one", "1")),
        )
    if info.type in _JAVA_LIMITS:
        return _integer_values(info)
    if info.type == "double":
        return _double_values(info)
    if info.type == "class":
        return _class_values(key, info)
    if info.type == "list" and v.kind == "list-size":
        return Values((("empty", ""),), (("too-many", ",".join(f"tag{i}" for i in range((v.max_size or 0) + 1))),))
    if info.type == "list":
        return _list_values(key, info)
    if info.type not in ("string", "password"):
        raise AssertionError(f"{key}: unhandled catalog type {info.type!r}")
    if v.kind == "enum":
        return _enum_values(info)
    if v.kind == "non-empty-string":
        return Values((("text", "kkc-test"),), (("empty", ""),))
    if v.kind == "auto-offset-reset":
        return Values(
            (("latest", "latest"), ("earliest", "earliest"), ("none", "none"), ("duration", "by_duration:P1DT2H")),
            (("not-in-set", "sometimes"), ("upper-case", "LATEST"), ("negative-duration", "by_duration:-P1D")),
        )
    if key == "application.server":  # host:port, parsed when Kafka Streams is created
        return Values((("host-port", "localhost:8080"),), (("no-port", "kkc-test"),))
    if v.kind == "topology-optimization":
        return Values(
            (("all", "all"), ("none", "none"), ("two", "reuse.ktable.source.topics,merge.repartition.topics")),
            (("not-in-set", "some"), ("all-and-none", "all,none")),
        )
    if v.kind not in ("none", "non-null"):
        raise AssertionError(f"{key}: unhandled validator kind {v.kind!r} for type {info.type}")
    simple_default = info.default and " " not in info.default
    text = info.default if simple_default else ("kkc-secret" if info.type == "password" else "kkc-test")
    assert text is not None
    return Values((("text", text),), (), f"free {info.type}: Kafka accepts any text")


def _conflicting_value(values: Values) -> str:
    """The valid value that needs the context: a boolean's "true", else the first one."""
    return next((v for _, v in values.valid if v == "true"), values.valid[0][1])


@dataclass(frozen=True)
class Plan:
    cases: tuple[Case, ...]
    keys: dict[str, int]  # role -> keys checked
    no_invalid: Counter[str]  # reason -> keys without an invalid value


def build_plan() -> Plan:
    cases: list[Case] = []
    keys: dict[str, int] = {}
    no_invalid: Counter[str] = Counter()

    def add(role: str, key: str, label: str, value: str, expect: Expect, cross: CrossKey | None = None) -> None:
        context = (cross.context or ()) if cross else ()
        says = cross.kafka_says if cross and (expect == "conflict" or cross.context is None) else None
        cases.append(Case(f"{role}:{key}:{expect}:{label}", role, key, value, expect, context, says))

    known = {role: catalog.known_keys(role, VERSION) for role in ROLES}
    for role in ROLES:
        keys[role] = 0
        for key in known[role]:
            info = catalog.lookup(role, key, VERSION)
            assert info is not None and info.present_in(VERSION), (role, key)
            keys[role] += 1
            values = values_for(key, info)
            cross = CROSS_KEY.get((role, key))
            for label, value in values.valid:
                add(role, key, label, value, "valid", cross)
            for label, value in values.invalid:
                add(role, key, label, value, "invalid", cross)
            if cross:
                add(role, key, "alone", _conflicting_value(values), "conflict", CrossKey((), cross.kafka_says))
            if values.no_invalid:
                no_invalid[values.no_invalid] += 1
        for key in TYPOS[role]:
            assert catalog.lookup(role, key, VERSION) is None, f"{key} is not a typo for {role}"
            add(role, key, "typo", "1", "unknown")
        for other in ROLES:
            if other in FORWARDED_TO.get(role, ()):
                continue
            for key in sorted(set(known[other]) - set(known[role]) - forwarded(role)):
                info = catalog.lookup(other, key, VERSION)
                assert info is not None
                label, value = values_for(key, info).valid[0]
                add(role, key, f"from-{other}", value, "misplaced")
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    return Plan(tuple(cases), keys, no_invalid)


def forwarded(role: str) -> set[str]:
    """Keys a role's clients accept though its own config class does not declare them."""
    return {k for other in FORWARDED_TO.get(role, ()) for k in catalog.known_keys(other, VERSION)}


PLAN = build_plan()
CASES = {case.id: case for case in PLAN.cases}


# -------------------------------------------------------------------------------------------- verdicts


@pytest.fixture(scope="module")
def kafka_java(kafka_jars: Path) -> None:
    """The pinned Kafka jars (tests/kafka/pom.xml), fetched by Maven when missing."""


def kkc_diagnostics(path: Path, role: str) -> list[Diagnostic]:
    return validate([compile_properties(path, role)], Options(kafka_version=VERSION))


def _about(diag: Diagnostic, key: str) -> bool:
    return diag.key == key  # a .properties file's finding names the file's own key


@dataclass(frozen=True)
class Verdicts:
    kafka: dict[str, Result]  # the config classes
    kkc: dict[str, list[Diagnostic]]
    built: dict[str, Result]  # the client constructors


@pytest.fixture(scope="module")
def verdicts(kafka_java: None, tmp_path_factory: pytest.TempPathFactory) -> Verdicts:
    """Every generated case judged by Kafka (one JVM run) and by the validator (in-process)."""
    folder = tmp_path_factory.mktemp("agree")
    jobs: list[tuple[str, str, Path]] = []
    diags: dict[str, list[Diagnostic]] = {}
    for index, case in enumerate(PLAN.cases):
        path = folder / f"{index:04d}-{case.role}.properties"
        path.write_text(case.content(), encoding="latin-1")
        jobs.append((case.id, case.role, path))
        diags[case.id] = kkc_diagnostics(path, case.role)
    return Verdicts(check_properties(jobs), diags, check_properties(jobs, construct=True))


def _kafka_text(result: Result) -> str:
    return (
        f"Kafka: {result.status}"
        + (f" ({result.message})" if result.message else "")
        + (f", unknown={list(result.unknown)}" if result.unknown else "")
    )


def _kkc_text(diags: list[Diagnostic]) -> str:
    if not diags:
        return "kkc: no diagnostics"
    return "kkc: " + "; ".join(f"{d.level} {d.rule} {d.key}: {d.message}" for d in diags)


def config_judged(case: Case) -> bool:
    """StreamsConfig validates its own keys only: the client keys it forwards are judged by the constructors."""
    if case.role != "streams" or case.expect in ("unknown", "misplaced"):
        return True
    from tests.kafka.harness import kafka_config_names

    return case.key in kafka_config_names("streams")


def disagreement(case: Case, result: Result, diags: list[Diagnostic], built: Result | None = None) -> str | None:
    """Why Kafka and the validator disagree on ``case`` (None when they agree as expected)."""
    if not config_judged(case):
        return None
    errors = [d for d in diags if d.level == "error"]
    unknown_flags = {d.rule for d in diags if d.rule in UNKNOWN_RULES and _about(d, case.key)}
    kafka_unknown = case.key in result.unknown
    problems: list[str] = []
    if case.expect == "valid" and case.kafka_says:
        if not result.ok and case.kafka_says not in (result.message or ""):
            problems.append("Kafka rejects a value generated as valid")
        if any(d.rule == INVALID_RULE for d in errors):
            problems.append(f"kkc reports {INVALID_RULE}")
        if kafka_unknown or unknown_flags:
            problems.append("key reported unknown")
    elif case.expect == "valid":
        if not result.ok:
            problems.append("Kafka rejects a value generated as valid")
        if errors and (built is None or built.ok or environment(built) is not None):
            problems.append("kkc reports an error")  # unless the constructor rejects it too: a cross-field check
        if kafka_unknown or unknown_flags:
            problems.append("key reported unknown")
    elif case.expect == "invalid" and result.ok and built is not None and built.status == "error":
        # Parsed only when the client is created (application.server): the constructor is the judge.
        if environment(built) is not None or not any(_about(d, case.key) for d in errors):
            problems.append("the constructor rejects the value, kkc reports no error about the key")
    elif case.expect == "invalid":
        if result.status != "error":
            problems.append("Kafka accepts a value generated as invalid")
        elif case.key not in (result.message or "") and not any(
            result.message and result.message in d.message for d in errors
        ):
            problems.append("Kafka rejects the file for another key")
        flagged = [d for d in errors if d.rule == INVALID_RULE and _about(d, case.key)]
        if not flagged:
            problems.append(f"kkc reports no error-level {INVALID_RULE} for {case.key}")
        elif result.message and not is_secret_key(case.key) and not any(result.message in d.message for d in flagged):
            problems.append("kkc's message does not quote Kafka's")
    elif case.expect == "conflict":
        if result.status != "error" or (case.kafka_says or "") not in (result.message or ""):
            problems.append(f"Kafka does not reject the file with {case.kafka_says!r}")
        if not errors:
            problems.append("kkc reports no error (Kafka rejects this combination when the client is created)")
    else:
        wanted = UNKNOWN_RULE if case.expect == "unknown" else WRONG_SECTION_RULE
        if not result.ok:
            problems.append("Kafka rejects the file")
        if not kafka_unknown:
            problems.append("Kafka knows the key")
        if wanted not in unknown_flags:
            problems.append(f"kkc reports no {wanted} for {case.key}")
        if errors:
            problems.append("kkc reports an error")
    if not problems:
        return None
    return (
        f"{case.id} [{case.key}={case.value!r}]: {', '.join(problems)}\n  {_kafka_text(result)}\n  {_kkc_text(diags)}"
    )


# --------------------------------------------------------------------------------------------- tests


@pytest.mark.parametrize("case_id", list(CASES))
def test_kafka_and_validator_agree(verdicts: Verdicts, case_id: str) -> None:
    case = CASES[case_id]
    result, diags = verdicts.kafka[case_id], verdicts.kkc[case_id]
    assert result.status != "fail", result
    problem = disagreement(case, result, diags, verdicts.built[case_id])
    if case_id in ALLOWLIST:
        assert problem is not None, f"Kafka and kkc now agree on {case_id}: delete its ALLOWLIST entry"
        return
    assert problem is None, problem


def test_summary(verdicts: Verdicts) -> None:
    """Coverage and totals; prints them (pytest -s or -rA shows the line)."""
    counts = Counter(case.expect for case in PLAN.cases)
    found = [
        text
        for case in PLAN.cases
        if case.id not in ALLOWLIST
        and (text := disagreement(case, verdicts.kafka[case.id], verdicts.kkc[case.id], verdicts.built[case.id]))
        is not None
    ]
    not_judged = sum(1 for case in PLAN.cases if not config_judged(case))
    agreements = len(PLAN.cases) - len(found) - len(ALLOWLIST) - not_judged
    checked = sum(PLAN.keys.values())
    with_invalid = len({(c.role, c.key) for c in PLAN.cases if c.expect == "invalid"})
    line = (
        f"keys checked: {checked} ({', '.join(f'{r} {n}' for r, n in PLAN.keys.items())}); "
        f"keys with an invalid value: {with_invalid}; without: {dict(PLAN.no_invalid)}; "
        f"files: {counts['valid']} valid, {counts['invalid']} invalid, {counts['conflict']} cross-key, "
        f"{counts['unknown']} typo, "
        f"{counts['misplaced']} wrong-role; client keys StreamsConfig forwards (the constructors judge them): "
        f"{not_judged}; agreements: {agreements}/{len(PLAN.cases) - not_judged}; "
        f"allowlisted: {len(ALLOWLIST)}; disagreements: {len(found)}"
    )
    print(line)
    assert set(ALLOWLIST) <= set(CASES), f"allowlist names unknown cases: {sorted(set(ALLOWLIST) - set(CASES))}"
    for role in ROLES:
        assert PLAN.keys[role] == len(catalog.known_keys(role, VERSION))
    assert with_invalid + sum(PLAN.no_invalid.values()) == checked
    assert not found, line + "\n" + "\n".join(found)


# ------------------------------------------------------------------------------------------ example tree


def _golden_files() -> list[tuple[str, str, Path]]:
    """Every client .properties file kkc compiled for conf/ and for every golden case (golden/)."""
    jobs = []
    for role in ROLES:
        for path in sorted((REPO / "golden").rglob(f"{role}.properties")):
            jobs.append((f"{path.parent.relative_to(REPO / 'golden').as_posix()}:{role}", role, path))
    return jobs


def _cli_diagnostics(path: Path, role: str) -> list[Diagnostic]:
    """``kkc validate FILE --as ROLE --format json``, as a user would run it."""
    run = kkc("validate", str(path), "--as", role, "--format", "json", "--kafka-version", VERSION)
    assert run.code in (0, 1), f"kkc validate {path} --as {role} exited {run.code}: {run.err}"
    return [Diagnostic(**d) for d in json.loads(run.out)["diagnostics"]]


def _as_kestra_runs_it(value: str) -> str:
    """Run-time placeholders as Kestra fills them with nothing in its environment: the default, else a value."""
    from compiler.placeholders import find

    out, last = [], 0
    for placeholder in find(value):
        default = placeholder.default
        filled = default.replace("`", "") if default is not None else "kkc-runtime-value"
        out += [value[last : placeholder.start], filled]
        last = placeholder.end
    return "".join(out) + value[last:]


def _local_hosts(path: Path, folder: Path) -> Path:
    """A copy as Kestra's clients get it: run-time placeholders filled, and bootstrap.servers on 127.0.0.1
    (same ports: the hosts resolve where Kestra runs, not here)."""
    lines = []
    for raw in path.read_text(encoding="latin-1").splitlines():
        line = _as_kestra_runs_it(raw)
        if line.startswith("bootstrap.servers="):
            hosts = line.split("=", 1)[1].split(",")
            line = "bootstrap.servers=" + ",".join(re.sub(r"^[^:]+:", "127.0.0.1:", h.strip()) for h in hosts)
        lines.append(line)
    copy = folder / (path.relative_to(REPO / "golden").as_posix().replace("/", "-"))
    copy.write_text("\n".join(lines) + "\n", encoding="latin-1")
    return copy


def test_compiled_files_accepted_by_kafka_and_validator(kafka_java: None, tmp_path: Path) -> None:
    """conf/'s and every golden case's client files: Kafka's config classes and constructors accept them, kkc too."""
    jobs = _golden_files()
    targets = {job_id.split(":")[0] for job_id, _, _ in jobs}
    assert len(jobs) == len(ROLES) * len(targets) >= 40, sorted(job_id for job_id, _, _ in jobs)
    results = check_properties(jobs)
    built = check_properties([(i, r, _local_hosts(p, tmp_path)) for i, r, p in jobs], construct=True)
    problems = []
    for job_id, role, path in jobs:
        result = results[job_id]
        bad = [d for d in _cli_diagnostics(path, role) if d.level == "error" or d.rule in UNKNOWN_RULES]
        if not result.ok or result.unknown or bad:
            problems.append(f"{job_id}: {_kafka_text(result)}\n  {_kkc_text(bad)}")
        if not built[job_id].ok and environment(built[job_id]) is None:
            problems.append(f"{job_id}: the {role} constructor: {_kafka_text(built[job_id])}")
    env = Counter(why for r in built.values() if (why := environment(r)) is not None)
    print(f"compiled files: {len(jobs)} from {len(targets)} targets; constructors, environment only: {dict(env)}")
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------------------------ the client constructors

# Kafka's constructors fail on facts about the machine as well as on the configuration. These say
# nothing about the file: the user's own classes are on their classpath at run time, a JAAS file may
# be given to the JVM (-Djava.security.auth.login.config).
ENVIRONMENT: dict[str, re.Pattern[str]] = {
    "the user's own class (on their classpath at run time)": re.compile(
        r"(^|: )Class (?!org\.apache\.kafka\.)(?:[A-Za-z_$][\w$]*\.)*[A-Za-z_$][\w$]* (cannot|could not be found)"
    ),
    "a JAAS file the JVM may be given": re.compile(r"Could not find a 'KafkaClient' entry in the JAAS configuration"),
    "a keystore or truststore file that exists where Kestra runs": re.compile(r"Failed to load SSL keystore"),
}

# Where the constructors and kkc disagree, by case id -> why. An entry fails once both agree.
CONSTRUCT_ALLOWLIST: dict[str, str] = {}


def environment(result: Result) -> str | None:
    """Why a constructor's error is about the machine rather than the file (None: it is a verdict)."""
    if result.status != "error":
        return None
    return next((why for why, pattern in ENVIRONMENT.items() if pattern.search(result.message or "")), None)


@pytest.fixture(scope="module")
def constructed(verdicts: Verdicts) -> dict[str, Result]:
    """Every generated case given to the real client constructor (one JVM run, with the config classes' run)."""
    return verdicts.built


def construct_disagreement(case: Case, result: Result, diags: list[Diagnostic]) -> str | None:
    """Kafka's constructor rejects the file exactly when kkc reports an error (environment aside)."""
    assert result.status != "fail", result
    if environment(result) is not None:
        return None
    kafka_rejects = result.status == "error"
    kkc_rejects = any(d.level == "error" for d in diags)
    if kafka_rejects == kkc_rejects:
        return None
    said = "rejects" if kafka_rejects else "accepts"
    return (
        f"{case.id} [{case.key}={case.value!r}]: the constructor {said} the file, kkc "
        f"{'does not' if kafka_rejects else 'does'} report an error\n  {_kafka_text(result)}\n  {_kkc_text(diags)}"
    )


@pytest.mark.parametrize("case_id", list(CASES))
def test_constructor_and_validator_agree(verdicts: Verdicts, constructed: dict[str, Result], case_id: str) -> None:
    problem = construct_disagreement(CASES[case_id], constructed[case_id], verdicts.kkc[case_id])
    if case_id in CONSTRUCT_ALLOWLIST:
        assert problem is not None, f"the constructor and kkc now agree on {case_id}: delete its allowlist entry"
        return
    assert problem is None, problem


def test_constructor_summary(verdicts: Verdicts, constructed: dict[str, Result]) -> None:
    env = Counter(why for r in constructed.values() if (why := environment(r)) is not None)
    found = [
        text
        for case in PLAN.cases
        if case.id not in CONSTRUCT_ALLOWLIST
        and (text := construct_disagreement(case, constructed[case.id], verdicts.kkc[case.id])) is not None
    ]
    judged = len(PLAN.cases) - sum(env.values())
    line = (
        f"constructors: {len(PLAN.cases)} files; judged {judged} "
        f"(environment, not a verdict: {dict(env)}); agreements: {judged - len(found) - len(CONSTRUCT_ALLOWLIST)}/"
        f"{judged}; allowlisted: {len(CONSTRUCT_ALLOWLIST)}; disagreements: {len(found)}"
    )
    print(line)
    assert not found, line + "\n" + "\n".join(found)


# ----------------------------------------------------------------- scenarios: settings that act together

_PLAIN_JAAS = (
    'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";'
)
_KRB5 = (
    "sasl.jaas.config=com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true storeKey=true "
    'keyTab="/etc/kestra/kestra.keytab" principal="kestra@EXAMPLE.COM";'
)
# Real-looking client files whose keys only fail together, with the constructor as the judge.
SCENARIOS: dict[str, tuple[str, str]] = {
    "plain-login": ("producer", f"security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\n{_PLAIN_JAAS}\n"),
    "login-module-typo": (
        "producer",
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\n" + _PLAIN_JAAS.replace("LoginModule", "LoginModul"),
    ),
    "gssapi-without-service-name": ("consumer", f"security.protocol=SASL_PLAINTEXT\nsasl.mechanism=GSSAPI\n{_KRB5}\n"),
    "oauth-url-not-allowed": (
        "producer",
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=OAUTHBEARER\n"
        "sasl.oauthbearer.token.endpoint.url=https://idp.example.com/oauth2/token\n"
        "sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required "
        'clientId="kestra" clientSecret="s";\n',
    ),
    "config-provider-env": (
        "producer",
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nconfig.providers=env\n"
        "config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider\n"
        + _PLAIN_JAAS.replace('password="p"', 'password="${env:PATH}"')
        + "\n",
    ),
    "config-provider-undeclared": ("consumer", "client.id=${file:/etc/kafka/ids.properties:kestra}\n"),
    "semicolon-separated-servers": ("consumer", "bootstrap.servers=kafka-0:9092;kafka-1:9092\n"),
    "zookeeper-chroot": ("admin", "bootstrap.servers=zk-0:2181/kafka\n"),
    "port-out-of-range": ("producer", "bootstrap.servers=kafka:90920\n"),
    "scheme-prefixed-servers": ("producer", "bootstrap.servers=SASL_SSL://kafka-0:9093,kafka-1:9093\n"),
    "controllers-in-streams": ("streams", "bootstrap.controllers=kafka-0:9093\n"),
    "removed-partitioner-4x": (
        "producer",
        "partitioner.class=org.apache.kafka.clients.producer.internals.DefaultPartitioner\n",
    ),
    "api-timeout-below-request-timeout": ("admin", "default.api.timeout.ms=10000\nrequest.timeout.ms=30000\n"),
    "streams-eos-transaction-timeout": (
        "streams",
        "processing.guarantee=exactly_once_v2\ncommit.interval.ms=30000\nproducer.transaction.timeout.ms=10000\n",
    ),
}
# Where the constructor and kkc disagree on a scenario, and why (an entry fails once both agree).
SCENARIO_ALLOWLIST: dict[str, str] = {
    "oauth-url-not-allowed": (
        "kkc warns (the JVM system property org.apache.kafka.sasl.oauthbearer.allowed.urls is a fact it cannot see); "
        "the test JVM does not set it, so the constructor fails"
    ),
}


def _corpus_role(name: str) -> str:
    for role in ("streams", "consumer", "producer"):
        if role in name or (role == "streams" and "kstreams" in name):
            return role
    return "admin"


def scenario_jobs(folder: Path) -> list[tuple[str, str, Path]]:
    """The SCENARIOS, and every .properties file of the shared corpus (as the client its name says)."""
    from tests.conftest import SHARED

    jobs = []
    for name, (role, content) in SCENARIOS.items():
        path = folder / "written" / f"{name}.properties"
        path.parent.mkdir(exist_ok=True)
        path.write_text(content, encoding="latin-1")
        jobs.append((name, role, _local_hosts_any(path, folder)))
    for path in sorted((SHARED / "corpus").glob("*.properties")):
        jobs.append((f"corpus:{path.stem}", _corpus_role(path.stem), _local_hosts_any(path, folder)))
    return jobs


def _local_hosts_any(path: Path, folder: Path) -> Path:
    lines = []
    for line in path.read_text(encoding="latin-1").splitlines():
        if line.startswith("bootstrap.servers=") and "${" not in line:
            hosts = line.split("=", 1)[1].split(",")
            line = "bootstrap.servers=" + ",".join(
                re.sub(r"^(\w+://)?[^:/]+:(?=\d+$)", r"\g<1>127.0.0.1:", h.strip()) for h in hosts
            )
        lines.append(line)
    copy = folder / path.name
    copy.write_text("\n".join(lines) + "\n", encoding="latin-1")
    return copy


def test_scenarios_constructor_and_validator_agree(kafka_java: None, tmp_path: Path) -> None:
    jobs = scenario_jobs(tmp_path)
    built = check_properties(jobs, construct=True)
    found, env = [], Counter()
    for job_id, role, path in jobs:
        result = built[job_id]
        if (why := environment(result)) is not None:
            env[why] += 1
            continue
        diags = _cli_diagnostics(path, role)
        kafka_rejects, kkc_rejects = result.status == "error", any(d.level == "error" for d in diags)
        agree = kafka_rejects == kkc_rejects
        if job_id in SCENARIO_ALLOWLIST:
            assert not agree, f"the constructor and kkc now agree on {job_id}: delete its allowlist entry"
            continue
        if not agree:
            found.append(f"{job_id} ({role}): {_kafka_text(result)}\n  {_kkc_text(diags)}")
    judged = len(jobs) - sum(env.values())
    line = (
        f"scenarios and corpus: {len(jobs)} files; judged {judged} (environment: {dict(env)}); "
        f"agreements: {judged - len(found) - len(SCENARIO_ALLOWLIST)}/{judged}; allowlisted: {len(SCENARIO_ALLOWLIST)}"
    )
    print(line)
    assert not found, line + "\n" + "\n".join(found)
