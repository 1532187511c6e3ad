"""kkc's own layer engine gives exactly Hydra compose's merged result.

For every target of the example conf/ and of every golden case, Hydra's compose API (the
reference semantics) and kkc's engine (each file loaded once, merged without Hydra) must produce
the same tree, key order included, before kkc's Micronaut normalization and resolution.
Overrides with a bracketed Kafka property name are given to Hydra in its dict form.
"""

from __future__ import annotations

import json
import re
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from compiler.commands.compile import EMITS
from compiler.layers import ConfigTree, bundled_layer
from compiler.merge import merge_layers
from compiler.overrides import apply, split_args
from tests.conftest import CASES, REPO, case_args

_BRACKET = re.compile(r"^(\+{0,2})([^\[=]+)\[([^\]]+)\]=(.*)$")


def to_hydra(override: str) -> str:
    """`a.b[x.y]=v` is kkc's spelling of Hydra's `a.b={x.y:'v'}`."""
    match = _BRACKET.match(override)
    if not match:
        return override
    plus, parent, key, value = match.groups()
    if not re.fullmatch(r"-?\d+", value):
        value = "'" + value.replace("'", "\\'") + "'"
    return f"{plus}{parent}={{{key}:{value}}}"


def hydra_compose(config_dir: Path, overrides: list[str], work: Path) -> dict[str, Any]:
    """Hydra compose of Kestra's bundled defaults (layer 0), then the user's primary config."""
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    tree = work / "conf"
    shutil.copytree(config_dir, tree)
    (tree / "kkc_bundled.yaml").write_text(bundled_text())
    (tree / "kkc_root.yaml").write_text("defaults:\n  - kkc_bundled\n  - config\n  - _self_\n")
    with initialize_config_dir(config_dir=str(tree.resolve()), version_base="1.3"):
        cfg = compose(config_name="kkc_root", overrides=[to_hydra(o) for o in overrides])
    result = OmegaConf.to_container(cfg, resolve=False)
    assert isinstance(result, dict)
    result.pop("targets", None)  # kkc reads the target list once, not into every target's tree
    return result  # type: ignore[return-value]


def bundled_text() -> str:
    return (resources.files("compiler") / "data" / "kestra-defaults.yaml").read_text("utf-8")


def kkc_merge(config_dir: Path, args: list[str]) -> dict[str, Any]:
    tree = ConfigTree(config_dir)
    choices, overrides = split_args(args, list(tree.groups))
    merged = merge_layers([bundled_layer(), *tree.layers(tree.target(choices))])
    apply(merged, overrides)
    return merged.tree


def _targets(config_dir: Path, extra: list[str]) -> list[list[str]]:
    tree = ConfigTree(config_dir)
    out = []
    for target in tree.all_targets():
        choices = [f"{g}={o}" for g, o in target.choices if o is not None]
        out.append(choices + extra)
    return out


# Micronaut syntax that OmegaConf's grammar rejects: kkc reads it, Hydra cannot compose it at all.
HYDRA_CANNOT_LOAD = {"runtime-placeholders": "token recognition error at: '`'"}

CASE_RUNS = [("conf", REPO / "conf", args) for args in _targets(REPO / "conf", [])]
for case in sorted(CASES.iterdir()):
    if not (case / "args.txt").is_file():
        continue
    given = case_args(case)
    extra = [a for a in given if not a.startswith("--") and a not in EMITS]  # --emit NAME is not an override
    groups = list(ConfigTree(case / "conf").groups)
    if "--all" in given or not any(a.split("=")[0] in groups for a in extra):
        runs = _targets(case / "conf", [a for a in extra if a.split("=")[0] not in groups])
    else:
        runs = [extra]
    CASE_RUNS += [(case.name, case / "conf", args) for args in runs]


@pytest.mark.parametrize(("name", "config_dir", "args"), CASE_RUNS, ids=[f"{n}:{' '.join(a)}" for n, _, a in CASE_RUNS])
def test_engine_matches_hydra_compose(name: str, config_dir: Path, args: list[str], tmp_path: Path) -> None:
    if name in HYDRA_CANNOT_LOAD:
        from hydra.errors import ConfigCompositionException

        with pytest.raises(ConfigCompositionException) as info:
            hydra_compose(config_dir, args, tmp_path)
        assert HYDRA_CANNOT_LOAD[name] in str(info.value.__cause__)
        assert kkc_merge(config_dir, args)
        return
    expected = hydra_compose(config_dir, args, tmp_path)
    actual = kkc_merge(config_dir, args)
    assert json.dumps(actual, indent=1) == json.dumps(expected, indent=1)


def test_every_example_target_is_covered() -> None:
    ids = {" ".join(a) for n, _, a in CASE_RUNS if n == "conf"}
    assert ids == {"env=dev", "env=staging instance=eu1", "env=prod instance=eu1", "env=prod instance=eu2"}


def test_optional_group_without_its_file_and_a_hydra_key(tmp_path: Path) -> None:
    conf = tmp_path / "src"
    (conf / "env").mkdir(parents=True)
    (conf / "instance").mkdir()
    (conf / "config.yaml").write_text(
        "defaults:\n  - _self_\n  - env: dev\n  - optional instance: eu9\nhydra:\n  job:\n    name: x\n"
        "kestra:\n  queue:\n    type: kafka\n"
    )
    (conf / "env" / "dev.yaml").write_text("# @package _global_\ncluster:\n  brokers: 1\n")
    expected = hydra_compose(conf, [], tmp_path / "hydra")
    assert json.dumps(kkc_merge(conf, []), indent=1) == json.dumps(expected, indent=1)


def test_a_list_over_a_mapping_is_refused_by_both(tmp_path: Path) -> None:
    from compiler.errors import InputError

    conf = tmp_path / "src"
    (conf / "env").mkdir(parents=True)
    (conf / "config.yaml").write_text("defaults:\n  - _self_\n  - env: dev\ncluster:\n  name: a\n")
    (conf / "env" / "dev.yaml").write_text("# @package _global_\ncluster: [a]\n")
    from hydra.errors import ConfigCompositionException

    with pytest.raises(ConfigCompositionException):
        hydra_compose(conf, [], tmp_path / "hydra")
    with pytest.raises(InputError, match="'cluster' must be a mapping, not list"):
        kkc_merge(conf, [])
