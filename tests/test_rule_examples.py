"""Every registered rule's own failing and passing example, run through the real pipeline.

An example is one or more YAML layers; each is compiled as one target over Kestra's bundled
defaults (as `kkc validate file.yml` does) and all of them are validated together.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.diagnostics import Diagnostic
from compiler.pipeline import compile_files
from compiler.rules import REGISTRY
from compiler.rules.base import Example
from compiler.validate import Options, validate


def run_example(example: Example, tmp_path: Path) -> list[Diagnostic]:
    if example.properties:
        from compiler.pipeline import compile_properties

        role, text = example.properties
        (tmp_path / "client.properties").write_text(text)
        return validate([compile_properties(tmp_path / "client.properties", role)], Options())
    if example.tree:
        from compiler.layers import ConfigTree
        from compiler.pipeline import compile_target

        for rel, text in example.tree:
            (tmp_path / "conf" / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / "conf" / rel).write_text(text)
        tree = ConfigTree(tmp_path / "conf")
        return validate([compile_target(tree, t, []) for t in tree.all_targets()], Options())
    compiled = []
    for index, text in enumerate(example.layers):
        path = tmp_path / f"layer{index}.yaml"
        path.write_text(text)
        compiled.append(compile_files([path], []))
    options = dict(example.options)
    return validate(compiled, Options(brokers=options.get("brokers"), kafka_version=options.get("kafka_version")))


RULES = sorted(REGISTRY)


def test_every_rule_has_both_examples() -> None:
    missing = [r for r in RULES if REGISTRY[r].failing is None or REGISTRY[r].passing is None]
    assert missing == []


@pytest.mark.parametrize("rule_id", RULES)
def test_failing_example_fires(rule_id: str, tmp_path: Path) -> None:
    rule = REGISTRY[rule_id]
    assert rule.failing is not None
    found = [d for d in run_example(rule.failing, tmp_path) if d.rule == rule_id]
    assert found, f"{rule_id} did not fire on its failing example"
    for d in found:
        assert d.file and d.line > 0 and d.column > 0, d
        assert d.level in ("error", "warning", "info")


@pytest.mark.parametrize("rule_id", RULES)
def test_passing_example_is_clean(rule_id: str, tmp_path: Path) -> None:
    rule = REGISTRY[rule_id]
    assert rule.passing is not None
    found = [d for d in run_example(rule.passing, tmp_path) if d.rule == rule_id]
    assert found == [], f"{rule_id} fired on its passing example: {found}"
