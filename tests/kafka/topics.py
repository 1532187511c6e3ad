"""A real broker's word on topics, through ``java/TopicJudge.java``: one JVM run per batch of jobs.

- ``validate_topics(bootstrap, jobs)``: CreateTopics with ``validate_only`` for each job (the broker's
  full validation: the name, partitions, replication factor against the live broker count, every
  config name and value); nothing is created.
- ``describe_topics(bootstrap, names)``: partitions, replication factor and the explicit configs
  (source DYNAMIC_TOPIC_CONFIG) of existing topics.

A verdict's ``kind`` says which part of the request the broker refused, from its exception class
(the broker stops at the first problem it finds and names one).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from tests.kafka.harness import HarnessError, Status, java

Kind = Literal["name", "partitions", "replication", "config", "other"]

# The broker's exception classes (org.apache.kafka.common.errors) -> what it refused.
KINDS: dict[str, Kind] = {
    "InvalidTopicException": "name",
    "TopicExistsException": "name",
    "InvalidPartitionsException": "partitions",
    "InvalidReplicationFactorException": "replication",
    "InvalidConfigurationException": "config",
    "PolicyViolationException": "config",
}


@dataclass(frozen=True)
class TopicJob:
    """One CreateTopics request: a topic name, its partitions, replication factor and configs."""

    id: str
    name: str
    partitions: int
    replication_factor: int
    configs: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    """The broker's answer to one validate_only CreateTopics (``fail``: the job could not run)."""

    id: str
    status: Status
    exception: str | None = None
    message: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def kind(self) -> Kind | None:
        if self.status != "error":
            return None
        return KINDS.get((self.exception or "").rsplit(".", 1)[-1], "other")

    def text(self) -> str:
        if self.ok:
            return "broker: accepted"
        return f"broker: {self.status} {(self.exception or '').rsplit('.', 1)[-1]}: {self.message}"


@dataclass(frozen=True)
class Description:
    """An existing topic as the broker describes it; ``explicit`` holds the configs set on the topic itself."""

    name: str
    status: Status
    partitions: int | None = None
    replication_factor: int | None = None
    explicit: dict[str, str] = field(default_factory=dict)
    message: str | None = None


def escape(text: str, *, key: bool) -> str:
    """``java.util.Properties`` escaping (values keep inner spaces; a leading one is escaped)."""
    out = []
    for i, ch in enumerate(text):
        if ch in "\\=:#!" or (ch == " " and (key or i == 0)):
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif not " " <= ch <= "~":
            out.append("".join(f"\\u{unit:04x}" for unit in _utf16(ch)))
        else:
            out.append(ch)
    return "".join(out)


def _utf16(ch: str) -> list[int]:
    data = ch.encode("utf-16-be")
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]


def _field(value: str, what: str) -> str:
    if not value or any(c in value for c in "\t\r\n"):
        raise ValueError(f"{what} must be non-empty, without tabs or newlines: {value!r}")
    return value


def _run(bootstrap: str, lines: list[str], ids: list[str]) -> list[dict[str, object]]:
    answers = [json.loads(line) for line in java("TopicJudge", lines, (bootstrap,))]
    if [a.get("id") for a in answers] != ids:
        raise HarnessError(f"TopicJudge answered {len(answers)} jobs out of order or incompletely: {answers[:3]}")
    return answers


def validate_topics(bootstrap: str, jobs: Iterable[TopicJob]) -> dict[str, Verdict]:
    """Each job as a validate_only CreateTopics, all in one JVM; verdicts keyed by id, in job order."""
    with tempfile.TemporaryDirectory(prefix="kkc-topic-judge-") as folder:
        lines: list[str] = []
        ids: list[str] = []
        for index, job in enumerate(jobs):
            if job.id in ids:
                raise ValueError(f"duplicate job id: {job.id!r}")
            ids.append(_field(job.id, "job id"))
            path = Path(folder) / f"{index:05d}.properties"
            content = "".join(f"{escape(k, key=True)}={escape(v, key=False)}\n" for k, v in job.configs.items())
            path.write_text(content, encoding="latin-1")
            fields = (job.id, _field(job.name, "topic name"), str(job.partitions), str(job.replication_factor))
            lines.append("\t".join(("validate", *fields, str(path))))
        if not lines:
            return {}
        answers = _run(bootstrap, lines, ids)
    return {
        str(a["id"]): Verdict(str(a["id"]), _status(a), _text(a, "exception"), _text(a, "message")) for a in answers
    }


def describe_topics(bootstrap: str, names: Iterable[str]) -> dict[str, Description]:
    """Partitions, replication factor and explicit configs of each existing topic, in one JVM."""
    wanted = [_field(name, "topic name") for name in names]
    if not wanted:
        return {}
    answers = _run(bootstrap, [f"describe\t{name}\t{name}" for name in wanted], wanted)
    out: dict[str, Description] = {}
    for a in answers:
        explicit = a.get("explicit")
        out[str(a["id"])] = Description(
            str(a["id"]),
            _status(a),
            _int(a.get("partitions")),
            _int(a.get("replication_factor")),
            {str(k): str(v) for k, v in explicit.items()} if isinstance(explicit, dict) else {},
            _text(a, "message"),
        )
    return out


def _status(answer: Mapping[str, object]) -> Status:
    status = answer.get("status")
    if status == "ok":
        return "ok"
    if status == "error":
        return "error"
    if status == "fail":
        return "fail"
    raise HarnessError(f"unexpected status in {answer!r}")


def _text(answer: Mapping[str, object], key: str) -> str | None:
    value = answer.get(key)
    return value if isinstance(value, str) else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
