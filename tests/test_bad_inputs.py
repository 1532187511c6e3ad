"""Hostile and broken input: one clear message every time, never a crash, never a half-written --out.

The corpus below is data: each case is a small Hydra tree (the BASE tree with some files replaced),
the command a user runs, and what a careful user expects back: the exit code (1 a problem in the
inputs, 2 a usage error; 3, a bug, must never happen), the message, and file:line:column where the
problem has one. Every case also checks that no traceback is printed and that a previous --out
directory is left exactly as it was.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from compiler.errors import InputError
from tests.conftest import kkc

HEADER = "defaults:\n  - _self_\n  - env: a\n  - instance: null\n"
BASE: dict[str, str] = {
    "conf/config.yaml": HEADER
    + "cluster:\n  brokers: 1\nkestra:\n  kafka:\n    client:\n      properties:\n"
    + '        bootstrap.servers: "b:9092"\n',
    "conf/env/a.yaml": "# @package _global_\nkestra:\n  kafka:\n    defaults:\n      topic:\n        partitions: 4\n",
    "conf/env/b.yaml": "# @package _global_\n",
    "conf/instance/x.yaml": "# @package _global_\nkestra:\n  kafka:\n    defaults:\n      consumer-prefix: kestra_\n",
}
ENV = "conf/env/a.yaml"
G = "# @package _global_\n"
KAFKA = G + "kestra:\n  kafka:\n"


@dataclass(frozen=True)
class Sparse:
    """A file of `size` bytes that costs nothing to create (a hole)."""

    size: int


@dataclass(frozen=True)
class Case:
    id: str
    files: dict[str, str | bytes | Sparse | None] = field(default_factory=dict)
    args: tuple[str, ...] = ()
    code: int = 1
    message: tuple[str, ...] = ()
    where: str | None = None  # the file:line:column the message line starts with
    cmd: str = "compile"
    tree: bool = True  # pass --config-dir conf
    out: bool = True  # compile: also give --out build (which must stay untouched on failure)
    compiled: tuple[tuple[str, ...], Any] | None = None  # (path in compile --format json, value) when code 0


def env(body: str) -> dict[str, str | bytes | Sparse | None]:
    return {ENV: G + body}


def kafka(body: str) -> dict[str, str | bytes | Sparse | None]:
    return {ENV: KAFKA + body}


def config(body: str) -> dict[str, str | bytes | Sparse | None]:
    return {"conf/config.yaml": body}


def props(key: str, value: str) -> dict[str, str | bytes | Sparse | None]:
    return kafka(f"    client:\n      properties:\n        {key}: {value}\n")


def laughs(levels: int, width: int) -> str:
    """The "billion laughs": each level a list of `width` aliases of the level before."""
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def merge_bomb(levels: int) -> str:
    """Merge keys (<<) repeating a mapping: each level merges the one before under many keys."""
    lines = ["m0: &m0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8}"]
    for i in range(1, levels):
        keys = ", ".join(f"k{j}: *m{i - 1}" for j in range(10))
        lines.append(f"m{i}: &m{i} {{<<: *m{i - 1}, {keys}}}")
    return "\n".join(lines) + "\n"


def doubling(levels: int) -> str:
    lines = ["d0: &d0 [x]"] + [f"d{i}: &d{i} [*d{i - 1}, *d{i - 1}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def deep_block(levels: int) -> str:
    return "".join("  " * i + f"k{i}:\n" for i in range(levels)) + "  " * levels + "v: 1\n"


DEEP_FLOW = "a: " + "[" * 5000 + "]" * 5000 + "\n"

CASES: list[Case] = [
    # --- malformed YAML ---------------------------------------------------------------------------
    Case(
        "tab-indent-in-config",
        config(HEADER + "kestra:\n\tkafka: {}\n"),
        message=("[yaml-syntax]", "YAML indents with spaces, never tabs"),
        where="conf/config.yaml:6:1",
    ),
    Case(
        "tab-indent-nested-env",
        kafka("    defaults:\n\t  topic-prefix: x_\n"),
        message=("never tabs",),
        where="conf/env/a.yaml:5:1",
    ),
    Case(
        "bad-indentation",
        kafka("    defaults:\n      topic-prefix: a_\n     consumer-prefix: a_\n"),
        message=("indentation matches no enclosing level",),
        where="conf/env/a.yaml:6:6",
    ),
    Case(
        "unclosed-double-quote",
        kafka('    defaults:\n      topic-prefix: "abc\n'),
        message=("the file ends inside a quoted string that starts at line 5, column 21",),
        where="conf/env/a.yaml:6:1",
    ),
    Case(
        "unclosed-single-quote",
        kafka("    defaults:\n      topic-prefix: 'abc\n"),
        message=("quoted string that starts at line 5, column 21",),
        where="conf/env/a.yaml:6:1",
    ),
    Case(
        "unclosed-bracket",
        kafka("    client:\n      loggers: [{level: INFO}\n"),
        message=("a [...] list that starts at line 5, column 16",),
        where="conf/env/a.yaml:6:1",
    ),
    Case(
        "unclosed-brace",
        kafka("    defaults: {topic-prefix: a_\n"),
        message=("a {...} mapping that starts at line 4, column 15",),
        where="conf/env/a.yaml:5:1",
    ),
    Case(
        "colon-in-plain-value",
        kafka("    client:\n      properties:\n        bootstrap.servers: b1: 9092\n"),
        message=("mapping values are not allowed here", "must be quoted"),
        where="conf/env/a.yaml:6:30",
    ),
    Case(
        "undefined-alias",
        kafka("    defaults:\n      topic-prefix: *prefix\n"),
        message=("found undefined alias 'prefix'",),
        where="conf/env/a.yaml:5:21",
    ),
    Case(
        "python-object-tag",
        env("cluster:\n  name: !!python/object/apply:os.system [echo hi]\n"),
        message=("unsupported YAML tag tag:yaml.org,2002:python/object/apply:os.system", "plain data only"),
        where="conf/env/a.yaml:3:9",
    ),
    Case(
        "binary-tag",
        env("cluster:\n  name: !!binary aGVsbG8=\n"),
        message=("unsupported YAML tag",),
        where="conf/env/a.yaml:3:9",
    ),
    Case(
        "two-documents",
        {ENV: G + "cluster:\n  name: a\n---\ncluster:\n  name: b\n"},
        message=("holds 2 YAML documents; a config layer is one document",),
        where="conf/env/a.yaml:5:1",
    ),
    Case(
        "control-character",
        env("cluster:\n  name: red\x1b[31m\n"),
        message=("character U+001B is not allowed in a YAML file",),
        where="conf/env/a.yaml:3:12",
    ),
    Case(
        "escaped-control-character-in-key",
        kafka('    "topic\\e[2J": 1\n'),
        message=("a key holds the control character U+001B",),
        where="conf/env/a.yaml:4:5",
    ),
    Case(
        "list-as-mapping-key",
        env("? [a, b]\n: x\n"),
        message=("a mapping key must be a plain value",),
        where="conf/env/a.yaml:2:3",
    ),
    Case("null-mapping-key", env("~: x\n"), message=("empty mapping key",), where="conf/env/a.yaml:2:1"),
    Case(
        "merge-key-of-a-scalar",
        env("cluster:\n  <<: 5\n"),
        message=("a YAML merge key (<<) needs a mapping",),
        where="conf/env/a.yaml:3:7",
    ),
    Case(
        "helm-template",
        {ENV: "{{- if .Values.kafka.enabled -}}\n- name: KESTRA_QUEUE_TYPE\n  value: kafka\n{{- end }}\n"},
        message=("'{{ ... }}' is template syntax (Helm, Jinja): render the template first",),
        where="conf/env/a.yaml:1:",
    ),
    # --- duplicate keys ---------------------------------------------------------------------------
    Case(
        "duplicate-root-key-in-config",
        config(HEADER + "cluster:\n  brokers: 1\ncluster:\n  brokers: 3\n"),
        message=("[duplicate-key] duplicate key 'cluster' (first written at line 5, column 1)",),
        where="conf/config.yaml:7:1",
    ),
    Case(
        "duplicate-nested-key-in-env",
        kafka("    defaults:\n      topic-prefix: a_\n      topic-prefix: b_\n"),
        message=("duplicate key 'topic-prefix' (first written at line 5, column 7)",),
        where="conf/env/a.yaml:6:7",
    ),
    Case(
        "duplicate-key-in-instance",
        {"conf/instance/x.yaml": G + "cluster:\n  name: x\n  name: y\n"},
        args=("instance=x",),
        message=("duplicate key 'name'",),
        where="conf/instance/x.yaml:4:3",
    ),
    Case(
        "duplicate-key-in-flow-mapping",
        env("cluster: {name: a, name: b}\n"),
        message=("duplicate key 'name' (first written at line 2, column 11)",),
        where="conf/env/a.yaml:2:20",
    ),
    Case(
        "duplicate-kafka-property",
        kafka("    client:\n      properties:\n        acks: all\n        acks: '1'\n"),
        message=("duplicate key 'acks'",),
        where="conf/env/a.yaml:7:9",
    ),
    # --- files that are not a mapping, empty files, encodings -------------------------------------
    Case(
        "file-is-a-list",
        {ENV: "- kestra\n- kafka\n"},
        message=("[not-a-mapping] a config layer must be a mapping of keys, but this file is a list",),
        where="conf/env/a.yaml:1:1",
    ),
    Case(
        "file-is-a-scalar",
        {ENV: "kestra.kafka\n"},
        message=("this file is a single value ('kestra.kafka')",),
        where="conf/env/a.yaml:1:1",
    ),
    Case(
        "config-is-a-number",
        config("42\n"),
        message=("this file is a single value (42)",),
        where="conf/config.yaml:1:1",
    ),
    Case(
        "empty-file-is-valid", {ENV: ""}, code=0, compiled=(("kestra", "kafka", "defaults", "topic", "partitions"), 16)
    ),
    Case("comments-only-file-is-valid", {ENV: G + "# nothing here yet\n"}, code=0),
    Case("null-document-is-valid", {ENV: "~\n"}, code=0),
    Case(
        "utf8-bom-is-valid",
        {ENV: b"\xef\xbb\xbf" + KAFKA.encode() + b"    client:\n      properties:\n        client.id: bom\n"},
        code=0,
        compiled=(("kestra", "kafka", "client", "properties", "client.id"), "bom"),
    ),
    Case(
        "latin1-byte",
        {ENV: G.encode() + b"cluster:\n  name: caf\xe9\n"},
        message=("[not-utf8] file is not valid UTF-8 (byte 0xe9)",),
        where="conf/env/a.yaml:3:12",
    ),
    Case(
        "utf16-file",
        {ENV: "cluster:\n  name: a\n".encode("utf-16")},
        message=("not valid UTF-8 (byte 0xff)",),
        where="conf/env/a.yaml:1:1",
    ),
    Case(
        "binary-bytes",
        {ENV: bytes(range(0, 256)) * 4},
        message=("[not-utf8] file is not valid UTF-8 (byte 0x80)",),
        where="conf/env/a.yaml:2:118",
    ),
    Case(
        "nul-byte",
        {ENV: G.encode() + b"cluster:\n  name: a\x00b\n"},
        message=("file holds a NUL byte: binary data, not YAML",),
        where="conf/env/a.yaml:3:1",
    ),
    # --- limits: size, depth, alias bombs ---------------------------------------------------------
    Case(
        "file-over-size-limit",
        {ENV: G + "cluster:\n  name: " + "x" * 1_048_576 + "\n"},
        message=("[file-too-large] file is 1048614 bytes, over kkc's limit of 1048576 bytes",),
        where="conf/env/a.yaml: error",
    ),
    Case(
        "one-gib-sparse-file",
        {ENV: Sparse(1 << 30)},
        message=("file is 1073741824 bytes, over kkc's limit of 1048576 bytes",),
    ),
    Case(
        "too-many-values",
        {ENV: G + "cluster:\n  broker-defaults:\n    k: [" + ",".join(["1"] * 100_001) + "]\n"},
        message=("[file-too-large] file holds more than 100000 YAML values",),
        where="conf/env/a.yaml:",
    ),
    Case(
        "deep-block-nesting",
        {ENV: deep_block(150)},
        message=("[yaml-too-deep] YAML nesting is deeper than kkc accepts (100 levels)",),
        where="conf/env/a.yaml:101:",
    ),
    Case(
        "deep-flow-nesting",
        {ENV: DEEP_FLOW},
        message=("[yaml-too-deep] YAML nesting is deeper than kkc accepts (100 levels)",),
        where="conf/env/a.yaml:1:104",
    ),
    Case(
        "deep-nesting-through-aliases",
        {ENV: "a: &a " + "[" * 60 + "]" * 60 + "\nb: " + "[" * 50 + "*a" + "]" * 50 + "\n"},
        message=("YAML nesting is deeper than kkc accepts (100 levels)",),
        where="conf/env/a.yaml:1:",
    ),
    Case(
        "billion-laughs",
        {ENV: laughs(10, 10)},
        message=("[yaml-alias-bomb] YAML expands to", "once aliases are followed, over kkc's limit of 100000"),
        where="conf/env/a.yaml:1:1",
    ),
    Case(
        "alias-doubling-bomb",
        {ENV: doubling(60)},
        message=("[yaml-alias-bomb]",),
    ),
    Case(
        "merge-key-bomb",
        {ENV: merge_bomb(8)},
        message=("[yaml-alias-bomb]",),
    ),
    Case(
        "recursive-alias",
        {ENV: "a: &a [1, *a]\n"},
        message=("[yaml-alias-bomb] recursive YAML alias (a node contains itself)",),
        where="conf/env/a.yaml:1:4",
    ),
    # --- YAML 1.1 look-alikes: warned, kept as the string written (validate, then compile) ---------
    Case(
        "yaml11-on-in-string-property",
        props("client.id", "on"),
        cmd="validate",
        code=0,
        message=("warning [yaml11-ambiguous] 'on' is read by Kestra's YAML 1.1 parser (SnakeYAML) as a boolean",),
        where="conf/env/a.yaml:6:20",
        compiled=(("kestra", "kafka", "client", "properties", "client.id"), "on"),
    ),
    Case(
        "yaml11-yes-on-boolean-property",
        kafka("    defaults:\n      producer:\n        properties:\n          enable.idempotence: yes\n"),
        cmd="validate",
        code=0,
        message=("enable.idempotence is a boolean Kafka property, so kkc reads it as a boolean too",),
        where="conf/env/a.yaml:7:31",
        compiled=(("kestra", "kafka", "defaults", "producer", "properties", "enable.idempotence"), "true"),
    ),
    Case(
        "yaml11-octal-010",
        props("client.id", "010"),
        cmd="validate",
        code=0,
        message=("'010' is read by Kestra's YAML 1.1 parser (SnakeYAML) as an octal number",),
        where="conf/env/a.yaml:6:20",
        compiled=(("kestra", "kafka", "client", "properties", "client.id"), "010"),
    ),
    Case(
        "yaml11-sexagesimal-12-30",
        props("client.id", "12:30"),
        cmd="validate",
        code=0,
        message=("'12:30' is read by Kestra's YAML 1.1 parser (SnakeYAML) as a number",),
        where="conf/env/a.yaml:6:20",
        compiled=(("kestra", "kafka", "client", "properties", "client.id"), "12:30"),
    ),
    Case(
        "yaml11-NO",
        props("client.id", "NO"),
        cmd="validate",
        code=0,
        message=("[yaml11-ambiguous] 'NO' is read by Kestra's YAML 1.1 parser (SnakeYAML) as a boolean",),
        where="conf/env/a.yaml:6:20",
        compiled=(("kestra", "kafka", "client", "properties", "client.id"), "NO"),
    ),
    Case(
        "snakeyaml-reads-y-as-a-string",
        kafka("    defaults:\n      producer:\n        properties:\n          enable.idempotence: y\n"),
        cmd="validate",
        message=("Invalid value y for configuration enable.idempotence",),
        where="conf/env/a.yaml:7:11",
    ),
    Case(
        "binary-int-0b",
        kafka("    defaults:\n      topic:\n        partitions: 0b110\n"),
        code=0,
        compiled=(("kestra", "kafka", "defaults", "topic", "partitions"), 6),
    ),
    Case(
        "explicit-tags-keep-the-text",
        kafka("    client:\n      properties:\n        client.id: !!bool maybe\n        client.rack: !!int 1:30\n"),
        code=0,
        compiled=(("kestra", "kafka", "client", "properties", "client.id"), "maybe"),
    ),
    Case(
        "yaml11-off-as-message-protection",
        kafka("    message-protection: off\n"),
        cmd="validate",
        message=("'kestra.kafka.message-protection' must be a mapping, not str 'off'", "[yaml11-ambiguous] 'off'"),
        where="conf/env/a.yaml:4:5",
    ),
    # --- wrong types in every place of the schema (validate) --------------------------------------
    Case(
        "partitions-string",
        kafka("    defaults:\n      topic:\n        partitions: many\n"),
        cmd="validate",
        message=("[wrong-type] 'kestra.kafka.defaults.topic.partitions' must be a whole number, not str 'many'",),
        where="conf/env/a.yaml:6:9",
    ),
    Case(
        "partitions-list",
        kafka("    defaults:\n      topic:\n        partitions: [8]\n"),
        cmd="validate",
        message=("must be a whole number, not list [8]",),
        where="conf/env/a.yaml:6:9",
    ),
    Case(
        "partitions-boolean",
        kafka("    defaults:\n      topic:\n        partitions: true\n"),
        cmd="validate",
        message=("must be a whole number, not bool True",),
        where="conf/env/a.yaml:6:9",
    ),
    Case(
        "partitions-float",
        kafka("    defaults:\n      topic:\n        partitions: 1.5\n"),
        cmd="validate",
        message=("must be a whole number, not float 1.5",),
        where="conf/env/a.yaml:6:9",
    ),
    Case(
        "partitions-null",
        kafka("    defaults:\n      topic:\n        partitions: null\n"),
        cmd="validate",
        message=("'kestra.kafka.defaults.topic.partitions' is empty; give it a value",),
        where="conf/env/a.yaml:6:9",
    ),
    Case(
        "partitions-zero",
        kafka("    defaults:\n      topic:\n        partitions: 0\n"),
        cmd="validate",
        message=("[invalid-value] 'kestra.kafka.defaults.topic.partitions' is 0; it must be at least 1",),
        where="conf/env/a.yaml:6:9",
    ),
    Case(
        "replication-factor-string",
        kafka("    defaults:\n      topic:\n        replication-factor: three\n"),
        cmd="validate",
        message=("'kestra.kafka.defaults.topic.replication-factor' must be a whole number, not str 'three'",),
        where="conf/env/a.yaml:6:9",
    ),
    Case(
        "replication-factor-mapping",
        kafka("    defaults:\n      topic:\n        replication-factor: {min: 1}\n"),
        cmd="validate",
        message=(
            "[reference-not-a-value]",
            "names kestra.kafka.defaults.topic.replication-factor (conf/env/a.yaml:6:9), which is a mapping",
        ),
        where="conf/env/a.yaml:6:9",
    ),
    Case(
        "topic-prefix-number",
        kafka("    defaults:\n      topic-prefix: 5\n      consumer-prefix: '5'\n"),
        cmd="validate",
        message=("'kestra.kafka.defaults.topic-prefix' must be string, not int 5",),
        where="conf/env/a.yaml:5:7",
    ),
    Case(
        "topic-prefix-list",
        kafka("    defaults:\n      topic-prefix: [a_, b_]\n"),
        cmd="validate",
        message=("which is a list, not a single value (also referenced by 14 more",),
        where="conf/env/a.yaml:5:7",
    ),
    Case(
        "consumer-prefix-mapping",
        kafka("    defaults:\n      consumer-prefix: {a: 1}\n"),
        cmd="validate",
        message=("[wrong-type] 'kestra.kafka.defaults.consumer-prefix' must be string, not dict",),
        where="conf/env/a.yaml:5:7",
    ),
    Case(
        "properties-list",
        kafka("    client:\n      properties: [acks=all]\n"),
        cmd="validate",
        message=("[wrong-type] 'kestra.kafka.client.properties' must be a mapping, not list",),
        where="conf/env/a.yaml:5:7",
    ),
    Case(
        "properties-string",
        kafka("    defaults:\n      producer:\n        properties: acks=all\n"),
        cmd="validate",
        message=("kestra.kafka.defaults.producer.properties must be a mapping of Kafka properties",),
        where="conf/env/a.yaml:6:9",
    ),
    Case(
        "properties-null",
        kafka("    client:\n      properties: null\n"),
        cmd="validate",
        message=("'kestra.kafka.client.properties' is empty",),
        where="conf/env/a.yaml:5:7",
    ),
    Case(
        "properties-split-dotted-name",
        kafka("    client:\n      properties:\n        linger:\n          ms: 5\n"),
        cmd="validate",
        message=("[properties-nested-map] 'linger' under kestra.kafka.client.properties is a nested map",),
        where="conf/env/a.yaml:6:9",
    ),
    Case(
        "topics-list",
        kafka("    topics: [execution]\n"),
        cmd="validate",
        message=("'kestra.kafka.topics' must be a mapping, not list",),
        where="conf/env/a.yaml:4:5",
    ),
    Case(
        "topics-entry-string",
        kafka("    topics:\n      execution: big\n"),
        cmd="validate",
        message=("kestra.kafka.topics.execution must be a mapping (name, partitions, replication-factor",),
        where="conf/env/a.yaml:5:7",
    ),
    Case(
        "topic-partitions-string",
        kafka("    topics:\n      execution:\n        partitions: lots\n"),
        cmd="validate",
        message=("'kestra.kafka.topics.execution.partitions' must be a whole number, not str 'lots'",),
        where="conf/env/a.yaml:6:9",
    ),
    Case(
        "topic-name-number",
        kafka("    topics:\n      execution:\n        name: 42\n"),
        cmd="validate",
        message=("'kestra.kafka.topics.execution.name' must be string, not int 42",),
        where="conf/env/a.yaml:6:9",
    ),
    Case(
        "message-protection-soft-limit-string",
        kafka("    message-protection:\n      soft-limit: 1MB\n"),
        cmd="validate",
        message=("'kestra.kafka.message-protection.soft-limit' must be a whole number, not str '1MB'",),
        where="conf/env/a.yaml:5:7",
    ),
    Case(
        "cluster-brokers-string",
        env("cluster:\n  brokers: three\n"),
        cmd="validate",
        message=("'cluster.brokers' must be a whole number, not str 'three'",),
        where="conf/env/a.yaml:3:3",
    ),
    Case(
        "cluster-brokers-zero",
        env("cluster:\n  brokers: 0\n"),
        cmd="validate",
        message=("'cluster.brokers' is 0; it must be at least 1",),
        where="conf/env/a.yaml:3:3",
    ),
    Case(
        "cluster-kafka-version-float",
        env("cluster:\n  kafka-version: 3.9\n"),
        cmd="validate",
        message=("'cluster.kafka-version' must be string, not float 3.9",),
        where="conf/env/a.yaml:3:3",
    ),
    Case(
        "cluster-kafka-version-word",
        env("cluster:\n  kafka-version: latest\n"),
        cmd="validate",
        message=("'cluster.kafka-version' is 'latest'; it must be one of 3.0, 3.1",),
        where="conf/env/a.yaml:3:3",
    ),
    Case(
        "cluster-is-a-list",
        env("cluster: [a, b]\n"),
        cmd="validate",
        message=("'cluster' must be a mapping, not list",),
        where="conf/env/a.yaml:2:1",
    ),
    Case(
        "broker-defaults-value-mapping",
        env("cluster:\n  broker-defaults:\n    log.retention.hours: {h: 1}\n"),
        cmd="validate",
        message=("'cluster.broker-defaults.log.retention.hours' must be string/integer/float/boolean",),
        where="conf/env/a.yaml:4:5",
    ),
    Case(
        "loggers-mapping",
        kafka("    client:\n      loggers: {level: INFO}\n"),
        cmd="validate",
        message=("'kestra.kafka.client.loggers' must be a list, not dict",),
        where="conf/env/a.yaml:5:7",
    ),
    Case(
        "loggers-of-strings",
        kafka("    client:\n      loggers: [INFO]\n"),
        cmd="validate",
        message=("'kestra.kafka.client.loggers.0' must be a mapping, not str 'INFO'",),
        where="conf/env/a.yaml:5:7",
    ),
    Case(
        "kafka-is-a-string",
        env("kestra:\n  kafka: enabled\n"),
        cmd="validate",
        message=("[structure-type] kestra.kafka must be a mapping, not str 'enabled'",),
        where="conf/env/a.yaml:3:3",
    ),
    Case(
        "kestra-is-a-list",
        env("kestra: [kafka]\n"),
        cmd="validate",
        message=("'kestra' must be a mapping, not list",),
        where="conf/env/a.yaml:2:1",
    ),
    Case(
        "defaults-is-a-string",
        kafka("    defaults: none\n"),
        cmd="validate",
        message=("[reference-missing]", "kestra.kafka.defaults (conf/env/a.yaml:4:5) is a single value, not a mapping"),
        where="conf/env/a.yaml:4:5",
    ),
    Case(
        "queue-is-a-string",
        env("kestra:\n  queue: kafka\n"),
        cmd="validate",
        message=("'kestra.queue' must be a mapping, not str 'kafka'",),
        where="conf/env/a.yaml:3:3",
    ),
    Case(
        "targets-not-a-list",
        config(BASE["conf/config.yaml"] + "targets: all\n"),
        args=("--all",),
        message=("[targets] targets must be a non-empty list of {env: E, instance: I}",),
        where="conf/config.yaml:12:1",
    ),
    Case(
        "targets-entry-string",
        config(BASE["conf/config.yaml"] + "targets:\n  - a\n"),
        args=("--all",),
        message=("each target must be a mapping like {env: prod, instance: eu1}",),
        where="conf/config.yaml:13:5",
    ),
    Case(
        "targets-unknown-env",
        config(BASE["conf/config.yaml"] + "targets:\n  - {env: c}\n"),
        args=("--all",),
        message=("targets[0]: unknown env 'c' (available: a, b)",),
        where="conf/config.yaml:13:5",
    ),
    Case(
        "targets-env-with-dotdot",
        config(BASE["conf/config.yaml"] + "targets:\n  - {env: ../a}\n"),
        args=("--all",),
        message=("targets[0]: invalid env name '../a'",),
        where="conf/config.yaml:13:5",
    ),
    # --- interpolation ----------------------------------------------------------------------------
    Case(
        "reference-to-missing-key",
        kafka("    defaults:\n      topic-prefix: ${kestra.kafka.defaults.consumer-prefx}\n"),
        message=(
            "[reference-missing] '${kestra.kafka.defaults.consumer-prefx}' names no key of the merged config",
            "did you mean 'kestra.kafka.defaults.consumer-prefix'?",
        ),
        where="conf/env/a.yaml:5:7",
    ),
    Case(
        "reference-cycle",
        kafka(
            "    defaults:\n      topic-prefix: ${kestra.kafka.defaults.consumer-prefix}\n"
            "      consumer-prefix: ${kestra.kafka.defaults.topic-prefix}\n"
        ),
        message=(
            "[reference-cycle] reference cycle: kestra.kafka.defaults.topic-prefix (conf/env/a.yaml:5:7) -> "
            "kestra.kafka.defaults.consumer-prefix (conf/env/a.yaml:6:7) -> kestra.kafka.defaults.topic-prefix",
        ),
        where="conf/env/a.yaml:6:7",
    ),
    Case(
        "self-reference",
        kafka("    defaults:\n      topic-prefix: x${kestra.kafka.defaults.topic-prefix}\n"),
        message=("reference cycle: kestra.kafka.defaults.topic-prefix (conf/env/a.yaml:5:7) -> kestra.kafka",),
        where="conf/env/a.yaml:5:7",
    ),
    Case(
        "reference-to-a-mapping",
        props("client.id", "${kestra.kafka.defaults}"),
        message=("'${kestra.kafka.defaults}' names kestra.kafka.defaults", "which is a mapping, not a single value"),
        where="conf/env/a.yaml:6:9",
    ),
    Case(
        "runtime-placeholder-a-b-c",
        props("client.id", '"${CLIENT_ID:client.name:kestra}"'),
        code=0,
        compiled=(("kestra", "kafka", "client", "properties", "client.id"), "${CLIENT_ID:client.name:kestra}"),
    ),
    Case(
        "runtime-placeholder-backticks",
        props("bootstrap.servers", '"${KAFKA_BOOTSTRAP:`localhost:9092`}"'),
        code=0,
        compiled=(
            ("kestra", "kafka", "client", "properties", "bootstrap.servers"),
            "${KAFKA_BOOTSTRAP:`localhost:9092`}",
        ),
    ),
    Case(
        "runtime-placeholder-nested",
        props("client.id", '"${CLIENT_ID:${HOSTNAME}}"'),
        code=0,
        compiled=(("kestra", "kafka", "client", "properties", "client.id"), "${CLIENT_ID:${HOSTNAME}}"),
    ),
    Case(
        "placeholder-unclosed",
        props("client.id", '"${CLIENT_ID"'),
        message=(
            "[placeholder-syntax] kestra.kafka.client.properties.client.id: unclosed placeholder '${CLIENT_ID...'",
        ),
        where="conf/env/a.yaml:6:9",
    ),
    Case(
        "placeholder-nested-unclosed",
        props("client.id", '"${CLIENT_ID:${HOSTNAME}"'),
        message=("unclosed placeholder '${CLIENT_ID...': a '${' without its '}'",),
        where="conf/env/a.yaml:6:9",
    ),
    Case(
        "placeholder-unpaired-backtick",
        props("bootstrap.servers", '"${KAFKA_BOOTSTRAP:`localhost:9092}"'),
        message=("unclosed placeholder '${KAFKA_BOOTSTRAP...'", "(an unpaired ` quotes it)"),
        where="conf/env/a.yaml:6:9",
    ),
    Case(
        "placeholder-empty",
        props("client.id", '"${}"'),
        message=("[placeholder-syntax]", "empty placeholder name in '${}'"),
        where="conf/env/a.yaml:6:9",
    ),
    Case(
        "placeholder-default-only",
        props("client.id", '"${:kestra}"'),
        message=("empty placeholder name in '${:...}'",),
        where="conf/env/a.yaml:6:9",
    ),
    # --- overrides --------------------------------------------------------------------------------
    Case(
        "override-missing-key",
        args=("kestra.kafka.defaults.topic.partitons=3",),
        message=(
            "[bad-override] override 'kestra.kafka.defaults.topic.partitons=3': no key",
            "Did you mean 'kestra.kafka.defaults.topic.partitions'?",
        ),
    ),
    Case(
        "override-without-value",
        args=("kestra.kafka.defaults.topic.partitions",),
        message=("bad override 'kestra.kafka.defaults.topic.partitions': missing '=value'",),
    ),
    Case(
        "override-unquoted-equals",
        args=("kestra.kafka.defaults.topic-prefix=a=b",),
        message=("the value has = outside quotes; quote the whole value",),
    ),
    Case(
        "override-unclosed-mapping",
        args=("kestra.kafka.client.properties={acks:",),
        message=("[bad-override] bad override value in 'kestra.kafka.client.properties={acks:'",),
    ),
    Case("override-sweep", args=("kestra.kafka.defaults.topic.partitions=1,2",), code=1, message=("partitions",)),
    Case(
        "override-choice-sweep",
        args=("kestra.kafka.defaults.topic.partitions=choice(1,2)",),
        message=("the value has ( ) outside quotes",),
    ),
    Case(
        "override-list-sweep",
        args=("kestra.kafka.defaults.topic-prefix=[1,2],[3]",),
        message=("sweeps are not supported by kkc",),
    ),
    Case("override-empty-segment", args=("kestra..kafka=1",), message=("empty key segment in 'kestra..kafka'",)),
    Case("override-no-key", args=("=1",), message=("bad override '=1': expected key=value",)),
    Case(
        "override-unclosed-bracket",
        args=("kestra.kafka.client.properties[bootstrap.servers=x",),
        message=("expected key=value, +key=value, ++key=value or ~key",),
    ),
    Case(
        "override-delete-missing",
        args=("~kestra.kafka.defaults.topic-prefx",),
        message=("cannot delete 'kestra.kafka.defaults.topic-prefx', no such key", "Did you mean"),
    ),
    Case(
        "override-add-existing",
        args=("+kestra.kafka.defaults.topic-prefix=x_",),
        message=("already exists; to change it, write 'kestra.kafka.defaults.topic-prefix=x_'",),
    ),
    Case(
        "override-mapping-with-value",
        args=("kestra.kafka.defaults=x",),
        message=("'kestra.kafka.defaults' is a mapping; override a key inside it",),
    ),
    Case(
        "override-add-below-a-value",
        args=("+kestra.kafka.defaults.topic-prefix.x=1",),
        message=("'kestra.kafka.defaults.topic-prefix' is a single value, not a mapping, so it has no key 'x'",),
    ),
    Case(
        "override-misspelt-group",
        args=("evn=b",),
        message=("'evn' is not a config group (groups: env, instance); did you mean 'env=b'?",),
    ),
    Case(
        "override-reference-missing",
        args=("kestra.kafka.defaults.topic-prefix=${kestra.nope}",),
        message=("[reference-missing] '${kestra.nope}' names no key",),
        where="<override #1 'kestra.kafka.defaults.topic-prefix=${kestra.nope}'>",
    ),
    Case("unknown-env", args=("env=c",), code=2, message=("error: unknown env 'c' (available: a, b)",)),
    Case("unknown-env-close", args=("env=aa",), code=2, message=("unknown env 'aa'", "did you mean 'a'?")),
    Case("unknown-instance", args=("instance=y",), code=2, message=("unknown instance 'y' (available: x)",)),
    Case("env-dotdot-slash", args=("env=../../etc/passwd",), code=2, message=("invalid env name '../../etc/passwd'",)),
    Case("env-slash", args=("env=a/b",), code=2, message=("invalid env name 'a/b'",)),
    Case("env-dotdot", args=("env=..",), code=2, message=("invalid env name '..'",)),
    Case("instance-dotdot-prefix", args=("instance=..x",), code=2, message=("invalid instance name '..x'",)),
    Case("env-empty", args=("env=",), code=2, message=("invalid env name ''",)),
    Case(
        "group-choice-without-defaults-list",
        config("kestra:\n  kafka: {}\n"),
        args=("env=a",),
        message=("no key 'env' to change", "list it in the primary config's defaults list (- env: <option>)"),
    ),
    # --- the defaults list ------------------------------------------------------------------------
    Case(
        "no-defaults-list-is-valid",
        config('cluster:\n  brokers: 1\nkestra.kafka.client.properties:\n  bootstrap.servers: "b:9092"\n'),
        code=0,
    ),
    Case(
        "defaults-not-a-list",
        config("defaults: env\n"),
        message=("[defaults-list] the defaults list must be a list",),
        where="conf/config.yaml:1:1",
    ),
    Case(
        "defaults-override-entry",
        config("defaults:\n  - _self_\n  - override env: a\n"),
        message=("defaults entry 'override env' is not supported by kkc",),
        where="conf/config.yaml:3:5",
    ),
    Case(
        "defaults-package-entry",
        config("defaults:\n  - _self_\n  - env@kestra: a\n"),
        message=("defaults entry 'env@kestra' is not supported by kkc",),
        where="conf/config.yaml:3:5",
    ),
    Case(
        "defaults-absolute-group",
        config("defaults:\n  - _self_\n  - /env: a\n"),
        message=("defaults entry '/env' is not supported",),
        where="conf/config.yaml:3:5",
    ),
    Case(
        "defaults-number-entry",
        config("defaults:\n  - _self_\n  - 5\n"),
        message=("a defaults entry must be _self_, a config name or 'group: option'",),
        where="conf/config.yaml:3:5",
    ),
    Case(
        "defaults-two-groups-in-one-entry",
        config("defaults:\n  - _self_\n  - {env: a, instance: x}\n"),
        message=("a defaults entry must be _self_",),
        where="conf/config.yaml:3:5",
    ),
    Case(
        "defaults-option-list",
        config("defaults:\n  - _self_\n  - env: [a, b]\n"),
        message=("defaults entry 'env' must name one option or null",),
        where="conf/config.yaml:3:5",
    ),
    Case(
        "defaults-missing-config-file",
        config("defaults:\n  - _self_\n  - base\n"),
        message=("defaults entry 'base': no file conf/base.yaml",),
        where="conf/config.yaml:3:5",
    ),
    Case(
        "defaults-config-name-dotdot",
        config("defaults:\n  - _self_\n  - ../secrets\n"),
        message=("invalid config name '../secrets' in the defaults list",),
        where="conf/config.yaml:3:5",
    ),
    Case(
        "defaults-group-name-dotdot",
        config("defaults:\n  - _self_\n  - ../env: a\n"),
        message=("invalid group name '../env' in the defaults list",),
        where="conf/config.yaml:3:5",
    ),
    Case(
        "defaults-option-dotdot",
        config("defaults:\n  - _self_\n  - env: ../env/a\n"),
        message=("invalid env name '../env/a' in the defaults list",),
        where="conf/config.yaml:3:5",
    ),
    Case(
        "defaults-unknown-option",
        config("defaults:\n  - _self_\n  - env: c\n"),
        message=("defaults list: unknown env 'c' (available: a, b); no file conf/env/c.yaml",),
        where="conf/config.yaml:3:5",
    ),
    Case(
        "group-file-with-defaults-list",
        {ENV: G + "defaults:\n  - _self_\n  - instance: x\n"},
        message=("a defaults list in a group file is not supported by kkc; list groups in config.yaml",),
        where="conf/env/a.yaml:2:1",
    ),
    # --- how kkc is called ------------------------------------------------------------------------
    Case(
        "out-is-a-file", args=("--out", "conf/config.yaml"), out=False, code=2, message=("is a file, not a directory",)
    ),
    Case(
        "out-below-a-file",
        args=("--out", "conf/config.yaml/build"),
        out=False,
        code=2,
        message=("--out conf/config.yaml/build: conf/config.yaml is a file, not a directory",),
    ),
    Case(
        "out-where-nothing-can-be-created",
        args=("--out", "/proc/kkc-build"),
        out=False,
        code=2,
        message=("cannot write under --out /proc/kkc-build", "the previous outputs are untouched"),
    ),
    Case("format-with-out", args=("--format", "json"), code=2, message=("--format prints to stdout",)),
    Case(
        "missing-config-dir",
        args=("--config-dir", "nowhere"),
        tree=False,
        code=2,
        message=("config directory nowhere does not exist",),
    ),
    Case(
        "config-dir-is-a-file",
        args=("--config-dir", "conf/config.yaml"),
        tree=False,
        code=2,
        message=("conf/config.yaml is not a directory",),
    ),
    Case(
        "missing-primary-config", args=("--config-name", "main"), code=2, message=("no primary config conf/main.yaml",)
    ),
    Case(
        "config-name-dotdot",
        args=("--config-name", "../config"),
        code=2,
        message=("invalid --config-name '../config'",),
    ),
    Case("unknown-option", args=("--frobnicate",), code=2, message=("unrecognized arguments: --frobnicate",)),
    Case("all-with-a-choice", args=("--all", "env=a"), code=2, message=("--all compiles every target",)),
    Case(
        "validate-a-directory",
        {"app": None},
        cmd="validate",
        args=("conf",),
        tree=False,
        code=2,
        message=("conf is a directory; give files, or use --config-dir for a Hydra tree",),
    ),
    Case(
        "validate-missing-file",
        cmd="validate",
        args=("application.yml",),
        tree=False,
        code=2,
        message=("no such file: application.yml",),
    ),
    Case(
        "validate-properties-without-as",
        {"client.properties": "acks=all\n"},
        cmd="validate",
        args=("client.properties",),
        tree=False,
        code=2,
        message=(
            "client.properties is a .properties file: say which client reads it with "
            "--as admin|consumer|producer|streams",
        ),
    ),
    Case(
        "validate-as-without-files",
        cmd="validate",
        args=("--as", "producer"),
        code=2,
        message=("--as names the client type of .properties files or the format of YAML files; give the files",),
    ),
    Case(
        "properties-bad-unicode-escape",
        {"client.properties": "acks=all\n  client.id = kestra\\u12G4\n"},
        cmd="validate",
        args=("client.properties", "--as", "producer"),
        tree=False,
        message=("[properties-syntax] malformed \\uxxxx escape: '\\u' must be followed by 4 hexadecimal digits",),
        where="client.properties:2:21",
    ),
    Case(
        "properties-bad-escape-on-continuation-line",
        {"client.properties": "sasl.mechanism=PLAIN\nclient.id=abc\\\n    def\\u00\n"},
        cmd="validate",
        args=("client.properties", "--as", "consumer"),
        tree=False,
        message=("malformed \\uxxxx escape",),
        where="client.properties:3:8",
    ),
    Case(
        "validate-file-with-invalid-yaml",
        {"application.yml": "kestra:\n  kafka:\n    defaults: [\n"},
        cmd="validate",
        args=("application.yml",),
        tree=False,
        message=("error [yaml-syntax] invalid YAML: the file ends inside a [...] list",),
        where="application.yml:4:1",
    ),
    Case(
        "validate-file-that-is-a-list",
        {"application.yml": "- kestra\n"},
        cmd="validate",
        args=("application.yml",),
        tree=False,
        message=("[not-a-mapping]",),
        where="application.yml:1:1",
    ),
    Case(
        "explain-unknown-key",
        cmd="explain",
        args=("kestra.kafka.nope",),
        message=("'kestra.kafka.nope' is not a key of target a",),
    ),
    Case(
        "diff-without-sides", cmd="diff", code=2, message=("give two targets (A -- B) or one target and --against DIR",)
    ),
    Case(
        "diff-against-missing-directory",
        cmd="diff",
        args=("--against", "nowhere"),
        code=2,
        message=("--against nowhere: no such directory of compiled outputs",),
    ),
    Case(
        "diff-option-after-the-separator",
        cmd="diff",
        args=("--", "env=a", "--format", "json"),
        code=2,
        message=("options go before the '--' (--format came after it)",),
    ),
    Case(
        "validate-yaml-as-properties",
        cmd="validate",
        args=("conf/config.yaml", "--as", "producer"),
        code=2,
        message=("--as is for Kafka .properties files; conf/config.yaml is YAML (a Kestra config): drop --as",),
    ),
    Case(
        "explain-empty-key",
        cmd="explain",
        args=("",),
        message=("'' is not a key: give a full key path",),
    ),
    # --- argument mistakes get the answer that fixes them ------------------------------------------
    Case(
        "explain-key-forgotten",
        cmd="explain",
        args=("env=a", "instance=x"),
        code=2,
        message=(
            "the KEY to explain is missing ('env=a' is an override): kkc explain KEY env=a instance=x",
            "kestra.kafka.defaults.topic.partitions",
        ),
    ),
    Case(
        "explain-nothing-given",
        cmd="explain",
        tree=False,
        code=2,
        message=("kkc: error: the following arguments are required: KEY (OVERRIDE optional)",),
    ),
    Case(
        "group-option-without-group",
        args=("b",),
        code=2,
        message=("'b' alone is not an override: did you mean env=b?",),
    ),
    Case(
        "instance-option-without-group",
        cmd="validate",
        args=("x",),
        code=2,
        message=("'x' alone is not an override: did you mean instance=x?",),
    ),
    Case(
        "empty-properties-mapping",
        kafka("    client:\n      properties:\n"),
        message=(
            "'kestra.kafka.client.properties' is empty (a key with no value is null in YAML), but it must be a "
            "mapping: write 'properties: {}' for none, or remove the key",
        ),
        where="conf/env/a.yaml:5:7",
    ),
    Case(
        "properties-file-named-conf",
        {"client.conf": "bootstrap.servers=b:9092\nacks=all\nsasl.mechanism=PLAIN\nlinger.ms: 5\nx\n"},
        cmd="validate",
        args=("client.conf",),
        message=("client.conf looks like a Kafka .properties file (key=value lines): validate it as one with --as",),
    ),
    Case(
        "properties-file-named-cfg-one-line",
        {"client.cfg": "acks=all\n"},
        cmd="validate",
        args=("client.cfg",),
        message=("[not-a-mapping]", "client.cfg looks like a Kafka .properties file"),
    ),
    # --- empty files: a warning (an error with --strict), not a pass on Kestra's defaults -----------
    Case(
        "empty-yaml-file",
        {"application.yml": ""},
        cmd="validate",
        args=("application.yml",),
        code=0,
        message=("application.yml:1:1: warning [empty-file] application.yml is empty (no YAML setting",),
    ),
    Case(
        "comment-only-yaml-file-strict",
        {"application.yml": "# kestra:\n#   kafka: {}\n\n"},
        cmd="validate",
        args=("application.yml", "--strict"),
        message=("warning [empty-file] application.yml is empty",),
    ),
    Case(
        "empty-properties-file",
        {"producer.properties": "# acks=all\n! old style comment\n\n"},
        cmd="validate",
        args=("producer.properties", "--as", "producer"),
        code=0,
        message=(
            "producer.properties:1:1: warning [empty-file] producer.properties is empty (no property setting",
            "0 errors, 1 warning, 0 infos in 1 file",
        ),
    ),
]


def _write(root: Path, files: dict[str, str | bytes | Sparse | None]) -> None:
    for rel, content in {**BASE, **files}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if content is None:
            path.mkdir(exist_ok=True)
        elif isinstance(content, Sparse):
            with path.open("wb") as handle:
                handle.truncate(content.size)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def _snapshot(root: Path) -> dict[str, bytes | None]:
    return {p.relative_to(root).as_posix(): p.read_bytes() if p.is_file() else None for p in root.rglob("*")}


def _argv(case: Case) -> list[str]:
    argv = [case.cmd]
    if case.tree:
        argv += ["--config-dir", "conf"]
    argv += list(case.args)
    if case.cmd == "compile" and case.out and "--format" not in case.args or case.id == "format-with-out":
        argv += ["--out", "build"]
    return argv


def test_the_corpus_is_big_and_named_uniquely() -> None:
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)


def test_the_base_tree_compiles(tmp_path: Path) -> None:
    _write(tmp_path, {})
    run = kkc("compile", "--config-dir", "conf", "--out", "build", cwd=tmp_path)
    assert run.code == 0, run.err
    assert (tmp_path / "build" / "a" / "topics.yaml").is_file()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, tmp_path: Path) -> None:
    _write(tmp_path, case.files)
    previous = {"build/a/topics.yaml": "previous\n", "build/a/x/admin.properties": "old=1\n"}
    for rel, text in previous.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    before = _snapshot(tmp_path / "build")
    run = kkc(*_argv(case), cwd=tmp_path)
    shown = run.out + run.err
    assert run.code == case.code, shown
    assert "Traceback" not in shown and "internal error" not in shown
    for text in case.message:
        assert text in shown, shown
    if case.where is not None:
        lines = shown.splitlines()
        assert any(line.startswith(case.where) and case.message[0] in line for line in lines), shown
    if case.code != 0 or case.cmd != "compile":
        assert _snapshot(tmp_path / "build") == before
    if case.compiled is not None:
        path, expected = case.compiled
        run = kkc("compile", "--config-dir", "conf", "--format", "json", *case.args, cwd=tmp_path)
        assert run.code == 0, run.err
        node: Any = json.loads(run.out)
        if path[:4] == ("kestra", "kafka", "defaults", "producer") and isinstance(expected, str):
            node = node["clients"]["producer"]
            path = path[-1:]
        for part in path:
            node = node[part]
        assert node == expected


def _console_script() -> str:
    return str(Path(sys.executable).parent / "kkc")


@pytest.mark.parametrize("case_id", ["duplicate-nested-key-in-env", "unknown-env", "billion-laughs"])
def test_the_console_script_answers_the_same(case_id: str, tmp_path: Path) -> None:
    case = next(c for c in CASES if c.id == case_id)
    _write(tmp_path, case.files)
    proc = subprocess.run(
        [_console_script(), *_argv(case)], cwd=tmp_path, capture_output=True, text=True, check=False, timeout=60
    )
    inproc = kkc(*_argv(case), cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (inproc.code, inproc.out, inproc.err)
    assert proc.returncode == case.code and "Traceback" not in proc.stderr


BOMBS = {
    "billion-laughs-10x10": laughs(10, 10),
    "laughs-30x30": laughs(30, 30),
    "doubling-60": doubling(60),
    "merge-keys-8": merge_bomb(8),
}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_alias_bombs_are_refused_fast_in_little_memory(name: str, tmp_path: Path) -> None:
    _write(tmp_path, {ENV: BOMBS[name]})
    tracemalloc.start()
    started = time.perf_counter()
    try:
        run = kkc("compile", "--config-dir", "conf", cwd=tmp_path)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert run.code == 1 and "[yaml-alias-bomb]" in run.err, run.err
    print(f"\n{name}: refused in {elapsed * 1000:.1f} ms, peak traced memory {peak / 1024:.0f} KiB")
    # Bounded work shown by memory, which load does not change: nothing was expanded. Time is bench/'s.
    assert peak < 16 * 1024 * 1024


def test_worst_bomb_peak_rss_in_a_fresh_process(tmp_path: Path) -> None:
    """The whole process, measured by the kernel: the bomb costs what a valid tree costs, not more."""
    _write(tmp_path, {ENV: laughs(30, 30)})
    good = tmp_path / "good"
    _write(good, {})
    probe = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True)\n"
        "print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, time.perf_counter() - t)\n"
    )

    def measure(cwd: Path) -> tuple[int, int, float]:
        argv = [sys.executable, "-c", probe, _console_script(), "compile", "--config-dir", "conf"]
        out = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=True, timeout=60).stdout.split()
        return int(out[0]), int(out[1]), float(out[2])

    code, bomb_rss, bomb_seconds = measure(tmp_path)
    good_code, good_rss, _ = measure(good)
    print(
        f"\nlaughs-30x30 (30**30 nodes): exit {code} in {bomb_seconds:.2f} s, peak RSS {bomb_rss} KiB "
        f"(valid tree: {good_rss} KiB)"
    )
    assert code == 1 and good_code == 0
    assert bomb_rss < good_rss + 16 * 1024


def test_an_internal_error_is_one_line_and_a_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import compiler.pipeline

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated bug in the pipeline")

    monkeypatch.setattr(compiler.pipeline, "compile_target", broken)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    _write(tmp_path, {})
    (tmp_path / "build" / "a").mkdir(parents=True)
    (tmp_path / "build" / "a" / "topics.yaml").write_text("previous\n")
    run = kkc("compile", "--config-dir", "conf", "--out", "build", cwd=tmp_path)
    assert run.code == 3
    lines = run.err.splitlines()
    assert len(lines) == 1, run.err
    assert lines[0].startswith("kkc: internal error (a bug in kkc); details written to ")
    log = Path(lines[0].rsplit(" ", 1)[1])
    assert log.parent == tmp_path and log.is_file()
    details = log.read_text()
    assert "Traceback" in details and "RuntimeError: simulated bug in the pipeline" in details
    assert "Traceback" not in run.err and run.out == ""
    assert (tmp_path / "build" / "a" / "topics.yaml").read_text() == "previous\n"
    assert os.stat(log).st_mode & 0o077 == 0  # mkstemp: the log (argv may hold a secret) is private


OVER_LIMIT = {
    "flow-list": "k: [" + ",".join(["1"] * 100_001) + "]\n",
    "block-mapping": "".join(f"k{i}: {i}\n" for i in range(100_001)),
    "two-documents": "a: [" + ",".join(["1"] * 60_000) + "]\n---\nb: [" + ",".join(["1"] * 60_000) + "]\n",
}


@pytest.mark.parametrize("name", sorted(OVER_LIMIT))
def test_too_many_values_are_refused_before_the_pure_parser(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pure-Python parser needs 5-8 s for 100,000 values; libyaml's count refuses the file first."""
    import compiler.yamlload as yamlload

    def never(*_: object) -> None:
        raise AssertionError("the pure-Python parser was reached")

    monkeypatch.setattr(yamlload, "_limited_classes", never)
    with pytest.raises(InputError) as caught:
        yamlload.load_text(OVER_LIMIT[name], "big.yaml", multi=name == "two-documents")
    assert caught.value.rule == "file-too-large"
    assert str(caught.value.origin).startswith("big.yaml:")


def test_a_file_just_under_the_value_limit_loads() -> None:
    import compiler.yamlload as yamlload

    loaded = yamlload.load_text("k: [" + ",".join(["1"] * (yamlload.MAX_NODES - 3)) + "]\n", "big.yaml")
    assert len(loaded.data["k"]) == yamlload.MAX_NODES - 3


def test_what_libyaml_rejects_is_worded_by_the_pure_parser() -> None:
    import compiler.yamlload as yamlload

    with pytest.raises(InputError) as caught:
        yamlload.load_text("a: [1, 2\n", "bad.yaml")
    assert caught.value.rule == "yaml-syntax"
    assert "the file ends inside a [...] list that starts at line 1, column 4" in caught.value.message
