"""The real Apache Kafka, as the tests' judge: pinned jars from Maven Central and the Java programs
that ask them (``java/*.java`` beside this file).

``tests/kafka/pom.xml`` pins what the tests need. ``ensure_jars()`` runs Maven once when the jars
are missing (they land in the local Maven repository, which later runs reuse, and are laid out
under ``tests/kafka/target/``). The Java programs are compiled once into a cache folder keyed by a
hash of their sources and the jars; every call then costs one JVM start however many jobs it runs.

- ``check_properties(jobs)``: Kafka's config classes (``ProducerConfig`` ... ``StreamsConfig``), or
  with ``construct=True`` the real client constructors, judge .properties files.
- ``config_dump(version)``: the ConfigDef of one Kafka version (client, Streams and topic keys).
- ``Broker``: a single-node KRaft broker on 127.0.0.1 (``tests/kafka/broker.py``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

HERE = Path(__file__).resolve().parent
POM = HERE / "pom.xml"
TARGET = HERE / "target"
SOURCES = HERE / "java"
KAFKA_VERSION = "4.3.1"  # the runtime jars (pom.xml's kafka.version)
ROLES: tuple[str, ...] = ("producer", "consumer", "admin", "streams")
# The release points of kkc's catalog, as pom.xml pins them (shared/reference/kafka-configs-notes.md).
VERSIONS = {
    "3.0": "3.0.0",
    "3.1": "3.1.0",
    "3.2": "3.2.0",
    "3.3": "3.3.0",
    "3.4": "3.4.0",
    "3.5": "3.5.0",
    "3.6": "3.6.0",
    "3.7": "3.7.0",
    "3.8": "3.8.0",
    "3.9": "3.9.0",
    "4.0": "4.0.0",
    "4.1": "4.1.0",
    "4.2": "4.2.0",
    "4.3": "4.3.1",
}
Status = Literal["ok", "error", "fail"]
# A short-lived JVM: the cheapest JIT and GC.
JVM_FLAGS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto", "-Xmx512m")
TIMEOUT_S = 600


class HarnessError(RuntimeError):
    """Java, Maven or the jars are missing, or the Java side answered something unexpected."""


@dataclass(frozen=True)
class Result:
    """Kafka's verdict on one properties file.

    ``status`` is ``ok`` (accepted), ``error`` (the config class or client constructor threw:
    ``exception`` is its class, ``message`` Kafka's text, ``causes`` the chain) or ``fail`` (the job
    could not run, e.g. the file is missing). ``unknown`` lists the file's keys no config class of
    the role knows; ``injected`` the keys the judge supplied because the file left them out.
    """

    id: str
    status: Status
    exception: str | None = None
    message: str | None = None
    causes: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    injected: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def jdk_tool(name: str) -> Path | None:
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which(name)
    return Path(found) if found else None


def missing_reason() -> str | None:
    """Why the real Kafka cannot run here (None when java, javac and mvn are all found)."""
    missing = [name for name in ("java", "javac", "mvn") if jdk_tool(name) is None]
    if not missing:
        return None
    return (
        f"{' and '.join(missing)} not found on PATH (a JDK 17+ and Maven are needed, e.g. apt-get install "
        "openjdk-17-jdk-headless maven; the jars then come from Maven Central)"
    )


def _fetched() -> bool:
    stamp = TARGET / "fetched.txt"
    return stamp.is_file() and stamp.read_text(encoding="utf-8") == hashlib.sha256(POM.read_bytes()).hexdigest()


@functools.cache
def ensure_jars() -> Path:
    """Fetch the pinned jars with Maven when they are missing or pom.xml changed; the target folder."""
    reason = missing_reason()
    if reason is not None:
        raise HarnessError(reason)
    if not _fetched():
        mvn = jdk_tool("mvn")
        assert mvn is not None
        proc = subprocess.run(
            [str(mvn), "-q", "-B", "-f", str(POM), "process-resources"],
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
        if proc.returncode != 0:
            raise HarnessError(f"mvn could not fetch the Kafka jars ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
        (TARGET / "fetched.txt").write_text(hashlib.sha256(POM.read_bytes()).hexdigest(), encoding="utf-8")
    return TARGET


def runtime_jars() -> list[Path]:
    """Kafka 4.3.1: clients, Streams, the broker, the tools, a log4j2 binding."""
    return sorted((ensure_jars() / "lib").glob("*.jar"))


def version_jars(version: str) -> list[Path]:
    """The jars of one catalog version (X.Y): clients, Streams and the broker's topic configs."""
    full = VERSIONS[version]
    folder = ensure_jars() / "versions"
    jars = sorted(folder.glob(f"*-{full}.jar"))
    slf4j = sorted((TARGET / "lib").glob("slf4j-api-*.jar"))
    if not jars:
        raise HarnessError(f"no jars of Kafka {full} under {folder}")
    return [*jars, *slf4j]


@functools.cache
def compiled_classes() -> Path:
    """Compile java/*.java once (against the runtime jars) into a cache folder named by a content hash."""
    jars = runtime_jars()
    sources = sorted(SOURCES.glob("*.java"))
    digest = hashlib.sha256()
    for source in sources:
        digest.update(source.name.encode() + source.read_bytes())
    for jar in jars:
        digest.update(jar.name.encode())
    root = Path(tempfile.gettempdir()) / "kkc-kafka-judge"
    target = root / digest.hexdigest()[:16]
    if (target / "ConfigJudge.class").is_file():
        return target
    javac = jdk_tool("javac")
    if javac is None:
        raise HarnessError("javac not found")
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="build-", dir=root))
    classpath = os.pathsep.join(str(j) for j in jars)
    proc = subprocess.run(
        [str(javac), "-nowarn", "-d", str(staging), "-cp", classpath, *map(str, sources)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    if proc.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise HarnessError(f"javac failed ({proc.returncode}):\n{proc.stderr}")
    try:
        staging.rename(target)
    except OSError:  # another process got there first
        shutil.rmtree(staging, ignore_errors=True)
    return target


def java(main: str, lines: list[str], args: tuple[str, ...] = (), jars: list[Path] | None = None) -> list[str]:
    """Run one judge (a class of java/) with `lines` on stdin; its stdout lines."""
    runner = jdk_tool("java")
    if runner is None:
        raise HarnessError("java not found")
    classpath = os.pathsep.join(map(str, [compiled_classes(), *(jars if jars is not None else runtime_jars())]))
    proc = subprocess.run(
        [
            str(runner),
            *JVM_FLAGS,
            "-Dlog4j2.level=OFF",
            f"-Djava.io.tmpdir={tempfile.gettempdir()}",
            "-cp",
            classpath,
            main,
            *args,
        ],
        input="".join(line + "\n" for line in lines),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT_S,
        check=False,
    )
    if proc.returncode != 0:
        raise HarnessError(f"{main} exited {proc.returncode}; stderr:\n{proc.stderr[-4000:]}")
    return [line for line in proc.stdout.splitlines() if line.strip()]


def _field(value: str, what: str) -> str:
    if not value or any(c in value for c in "\t\r\n"):
        raise ValueError(f"{what} must be non-empty, without tabs or newlines: {value!r}")
    return value


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}: {role!r}")
    return role


def check_properties(jobs: Iterable[tuple[str, str, Path]], construct: bool = False) -> dict[str, Result]:
    """Judge each (id, role, path) job with Kafka's config classes (or constructors), all in one JVM.

    Returns results keyed by id, in job order. Raises ValueError for a bad job, HarnessError when
    Java, Maven or the jars are missing or the JVM misbehaves."""
    lines: list[str] = []
    ids: list[str] = []
    for job_id, role, path in jobs:
        if job_id in ids:
            raise ValueError(f"duplicate job id: {job_id!r}")
        ids.append(_field(job_id, "job id"))
        kind = "construct" if construct else "check"
        lines.append("\t".join((kind, job_id, _check_role(role), _field(str(Path(path).absolute()), "path"))))
    if not lines:
        return {}
    results: dict[str, Result] = {}
    for job_id, line in zip(ids, java("ConfigJudge", lines), strict=True):
        answer = json.loads(line)
        if answer.get("id") != job_id:
            raise HarnessError(f"answer out of order: expected {job_id!r}, got {answer!r}")
        results[job_id] = _result(answer)
    return results


def _result(answer: dict[str, object]) -> Result:
    status = answer["status"]
    if status not in ("ok", "error", "fail"):
        raise HarnessError(f"unexpected status in {answer!r}")
    exception, message = answer.get("exception"), answer.get("message")
    return Result(
        id=str(answer["id"]),
        status=cast(Status, status),
        exception=exception if isinstance(exception, str) else None,
        message=message if isinstance(message, str) else None,
        causes=_strings(answer.get("causes")),
        unknown=_strings(answer.get("unknown")),
        injected=_strings(answer.get("injected")),
    )


def _strings(value: object) -> tuple[str, ...]:
    return tuple(str(item) for item in value) if isinstance(value, list) else ()


@functools.cache
def _all_config_names() -> dict[str, frozenset[str]]:
    answers = [json.loads(line) for line in java("ConfigJudge", ["\t".join(("names", r, r)) for r in ROLES])]
    return {role: frozenset(_strings(a.get("names"))) for role, a in zip(ROLES, answers, strict=True)}


def kafka_config_names(role: str) -> frozenset[str]:
    """The keys ``<Role>Config`` knows (for Streams, StreamsConfig's own), from the runtime jars."""
    return _all_config_names()[_check_role(role)]


@dataclass(frozen=True)
class DumpedKey:
    section: str  # producer, consumer, admin, streams, topic
    name: str
    type: str
    default: str | None
    validator: str | None
    internal: bool
    # The validator's class (ConfigDef$Range, a hand-written one, a lambda). deprecated: every public
    # constant naming the key is @Deprecated (ConfigDef itself has no such flag); None: no constant names it.
    validator_class: str | None = None
    deprecated: bool | None = None
    # What the validator does with probe values (None: not asked): a listed value in another case
    # accepted; for a ConfigDef.ValidList, a duplicate element rejected (4.2+ ValidList, whose duplicates
    # ConfigDef.parseValue drops first), an empty element rejected and an empty list accepted.
    ignores_case: bool | None = None
    list_rejects_duplicates: bool | None = None
    list_rejects_empty_element: bool | None = None
    list_accepts_empty: bool | None = None


@functools.cache
def config_dump(version: str) -> tuple[DumpedKey, ...]:
    """The ConfigDef of one catalog version (X.Y), as that version's own jars declare it."""
    keys = []
    for line in java("ConfigDump", [], jars=version_jars(version)):
        d = json.loads(line)
        keys.append(
            DumpedKey(
                d["section"],
                d["name"],
                d["type"],
                d.get("default"),
                d.get("validator"),
                bool(d.get("internal")),
                d.get("validator_class"),
                d.get("deprecated"),
                d.get("ignores_case"),
                d.get("list_rejects_duplicates"),
                d.get("list_rejects_empty_element"),
                d.get("list_accepts_empty"),
            )
        )
    return tuple(keys)


def api_versions(version: str) -> dict[int, int]:
    """API key -> the highest stable version a broker of one catalog version (X.Y) serves."""
    found: dict[int, int] = {}
    for line in java("ApiVersionsDump", [], jars=version_jars(version)):
        d = json.loads(line)
        found[int(d["id"])] = int(d["max"])
    return found
