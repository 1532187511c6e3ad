"""What every rule-family test does: validate a small Kestra file, keep one family's diagnostics."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from compiler.rules import REGISTRY
from tests.conftest import kkc

Diagnostics = list[dict[str, Any]]


def family_rules(family: str) -> set[str]:
    return {r.id for r in REGISTRY.values() if r.family == family}


def family_validator(family: str, *fixed: str) -> Callable[..., tuple[int, Diagnostics]]:
    """validate(tmp_path, text, *args, name=...) -> (exit code, this family's diagnostics)."""
    rules = family_rules(family)

    def validate(tmp_path: Path, text: str, *args: str, name: str = "kestra.yml") -> tuple[int, Diagnostics]:
        (tmp_path / name).write_text(text)
        run = kkc("validate", name, "--format", "json", *fixed, *args, cwd=tmp_path)
        assert run.code in (0, 1), run.err
        return run.code, [d for d in json.loads(run.out)["diagnostics"] if d["rule"] in rules]

    return validate


def only(diagnostics: Diagnostics, rule: str) -> Diagnostics:
    return [d for d in diagnostics if d["rule"] == rule]
