"""Every diagnostic id kkc can print is registered, documented, and docs/rules.md says the same."""

from __future__ import annotations

import ast
import re
import shlex
from pathlib import Path

import pytest

from compiler.commands.rules import markdown
from compiler.registry import registry
from compiler.stage_ids import STAGE_IDS
from tests.conftest import REPO, kkc

REGENERATE = "kkc rules --format markdown > docs/rules.md"


def raised_ids() -> set[str]:
    """Every `rule="..."` id the compiler's stages and commands pass to an error."""
    found: set[str] = set()
    for path in (REPO / "compiler").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "rule" and isinstance(node.value, ast.Constant):
                found.add(str(node.value.value))
    return found


def test_docs_rules_md_is_generated_from_the_registry() -> None:
    committed = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == markdown(), f"docs/rules.md is stale; regenerate it: {REGENERATE}"


def test_every_id_a_stage_raises_is_registered() -> None:
    assert raised_ids() - set(registry()) == set()


@pytest.mark.parametrize("rule_id", sorted(registry()))
def test_every_id_is_documented(rule_id: str) -> None:
    entry = registry()[rule_id]
    assert entry.summary and entry.why and entry.level in ("error", "warning", "info")
    assert entry.failing and entry.passing


def test_kkc_rule_explains_one_and_suggests_on_a_typo() -> None:
    run = kkc("rule", "replication-factor-exceeds-brokers")
    assert run.code == 0
    assert run.out.startswith("replication-factor-exceeds-brokers  (error, replication)\n")
    assert "\nWhy: " in run.out and "\nFails:\n" in run.out and "\nPasses:\n" in run.out
    typo = kkc("rule", "replication-factor-exceed-brokers")
    assert typo.code == 2
    assert "did you mean replication-factor-exceeds-brokers?" in typo.err


def test_kkc_rules_lists_every_id() -> None:
    run = kkc("rules")
    assert run.code == 0
    lines = run.out.splitlines()
    assert lines[-1] == f"{len(registry())} diagnostic ids; kkc rule ID explains one"
    assert [line.split()[0] for line in lines[:-1]] == list(registry())


RUNNABLE = [s for s in STAGE_IDS if not s.failing.startswith("kkc ") or "#" not in s.failing]


@pytest.mark.parametrize("stage", RUNNABLE, ids=[s.id for s in RUNNABLE])
def test_stage_examples_fail_and_pass_as_documented(stage: object, tmp_path: Path) -> None:
    """The failing example gets its id, the passing one does not (a layer, a tree's config.yaml, or a command)."""
    assert hasattr(stage, "failing")
    for text, expected in ((stage.failing, True), (stage.passing, False)):  # type: ignore[attr-defined]
        work = tmp_path / ("fails" if expected else "passes")
        work.mkdir()
        run = _run_example(text, work)
        shown = run.out + run.err
        assert (f"[{stage.id}]" in shown) is expected, shown  # type: ignore[attr-defined]


def _run_example(text: str, work: Path) -> object:
    if text.startswith("kkc "):
        assert kkc("init", cwd=work).code == 0
        return kkc(*shlex.split(text)[1:], cwd=work)
    if text.startswith("# config.yaml"):
        assert kkc("init", cwd=work).code == 0
        (work / "conf" / "config.yaml").write_text(text, encoding="utf-8")
        return kkc("validate", cwd=work)  # the default target: the one the defaults list chooses
    (work / "layer.yml").write_text(text, encoding="utf-8")
    return kkc("validate", "layer.yml", cwd=work)


def test_the_registry_text_has_no_unfilled_placeholder() -> None:
    for entry in registry().values():
        assert not re.search(r"\bTODO\b|\{[a-z_]+\}", entry.why), entry.id
