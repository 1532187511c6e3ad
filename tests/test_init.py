"""`kkc init`: a starting tree that validates as is, never overwriting a file."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from tests.conftest import kkc


def test_init_writes_a_tree_that_validates_strictly(tmp_path: Path) -> None:
    run = kkc("init", cwd=tmp_path)
    assert run.code == 0, run.err
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert written == [
        "conf/config.yaml",
        "conf/env/dev.yaml",
        "conf/env/prod.yaml",
        "conf/instance/main.yaml",
        "conf/kkc-schema.json",
    ]
    check = kkc("validate", "--all", "--strict", cwd=tmp_path)
    assert check.code == 0, check.out
    assert check.out.splitlines()[-1].startswith("0 errors, 0 warnings")
    assert kkc("compile", "--all", "--out", "build", cwd=tmp_path).code == 0


def test_init_layers_match_their_schema(tmp_path: Path) -> None:
    kkc("init", "cfg", cwd=tmp_path)
    schema = json.loads((tmp_path / "cfg" / "kkc-schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    for layer in (tmp_path / "cfg").rglob("*.yaml"):
        text = layer.read_text()
        assert "# yaml-language-server: $schema=" in text
        assert list(validator.iter_errors(yaml.safe_load(text))) == []


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "conf" / "env").mkdir(parents=True)
    (tmp_path / "conf" / "env" / "prod.yaml").write_text("# mine\n")
    run = kkc("init", cwd=tmp_path)
    assert run.code == 1
    assert "refusing to overwrite conf/env/prod.yaml; nothing written" in run.err
    assert sorted(p.name for p in (tmp_path / "conf").rglob("*") if p.is_file()) == ["prod.yaml"]
