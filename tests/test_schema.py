"""`kkc schema`: a JSON Schema that the example layers satisfy and that rejects known-bad layers."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.conftest import CASES, REPO, kkc

# Golden cases that use forms Kestra accepts but kkc warns about: the schema flags them too.
WARNED = {
    "tests/cases/camelcase/conf/config.yaml": {
        "consumerPrefix",
        "topicPrefix",
        "replicationFactor",
        "messageProtection",
    },
    "tests/cases/camelcase/conf/env/dev.yaml": {"consumerPrefix", "replicationFactor"},
    "tests/cases/doc-variant/conf/config.yaml": {"topics", "stream"},
}


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    run = kkc("schema")
    assert run.code == 0
    schema = json.loads(run.out)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


LAYERS = sorted(p.relative_to(REPO).as_posix() for p in [*(REPO / "conf").rglob("*.yaml"), *CASES.rglob("*.yaml")])


@pytest.mark.parametrize("layer", LAYERS)
def test_example_and_golden_layers(layer: str, validator: jsonschema.Draft202012Validator) -> None:
    errors = list(validator.iter_errors(yaml.safe_load((REPO / layer).read_text()) or {}))
    if layer in WARNED:
        unexpected = set()
        for error in errors:
            unexpected |= set(error.message.split("'")[1::2])
        assert unexpected == WARNED[layer]
    else:
        assert [e.message for e in errors] == []


BAD = {
    "partitions-not-a-number": (
        "kestra:\n  kafka:\n    defaults:\n      topic:\n        partitions: many\n",
        ["kestra", "kafka", "defaults", "topic", "partitions"],
    ),
    "unknown-defaults-key": (
        "kestra:\n  kafka:\n    defaults:\n      topic-prefx: x\n",
        ["kestra", "kafka", "defaults"],
    ),
    "acks-wrong-case": (
        "kestra:\n  kafka:\n    client:\n      properties:\n        acks: ALL\n",
        ["kestra", "kafka", "client", "properties", "acks"],
    ),
    "unknown-topic-property": (
        "kestra:\n  kafka:\n    topics:\n      flow:\n        properties:\n          retention.msec: 1\n",
        ["kestra", "kafka", "topics", "flow", "properties"],
    ),
    "logger-without-level": (
        "kestra:\n  kafka:\n    client:\n      loggers:\n        - type: PRODUCER\n",
        ["kestra", "kafka", "client", "loggers", 0],
    ),
    "bad-kafka-version": ("cluster:\n  kafka-version: '2.8'\n", ["cluster", "kafka-version"]),
    "rules-bad-level": ("rules:\n  literal-secret: warn\n  security: error\n", ["rules", "literal-secret"]),
    "rules-unknown-id": ("rules:\n  literal-secrets: error\n", ["rules"]),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_known_bad_layers_are_rejected(name: str, validator: jsonschema.Draft202012Validator) -> None:
    text, where = BAD[name]
    errors = list(validator.iter_errors(yaml.safe_load(text)))
    assert [list(e.absolute_path) for e in errors] == [where]


def test_placeholders_are_accepted_anywhere(validator: jsonschema.Draft202012Validator) -> None:
    layer = yaml.safe_load(
        "kestra:\n  kafka:\n    client:\n      properties:\n        security.protocol: ${PROTO}\n"
        "        linger.ms: ${LINGER}\n    defaults:\n      topic:\n        partitions: ${P}\n"
    )
    assert list(validator.iter_errors(layer)) == []


def test_schema_is_written_for_editors(tmp_path: Path) -> None:
    schema = json.loads(kkc("schema").out)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    producer = schema["properties"]["kestra"]["properties"]["kafka"]["properties"]["defaults"]["properties"]["producer"]
    acks = producer["properties"]["properties"]["properties"]["acks"]
    assert acks["anyOf"][0] == {"enum": ["all", "-1", "0", "1"]}
    assert "default all" in acks["description"]
