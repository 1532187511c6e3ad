"""bench/generate.py writes a valid, realistic tree: kkc validates it cleanly and Hydra composes it as kkc merges it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench.generate import ENVS, TOPICS, files, generate, instances_per_env
from compiler.layers import ConfigTree
from tests.conftest import kkc
from tests.test_hydra_equivalence import hydra_compose, kkc_merge

N = 6


@pytest.fixture(scope="module", params=["default", "heavy"])
def tree(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    conf = tmp_path_factory.mktemp("bench") / "conf"
    generate(N, conf, request.param)
    return conf


def test_the_heavy_shape_overrides_every_topic_in_every_instance() -> None:
    heavy = files(N, "heavy")
    for rel, text in heavy.items():
        if rel.startswith("instance/"):
            assert all(f"      {key}:\n        partitions: " in text for key in TOPICS), rel
    assert {k: v for k, v in heavy.items() if not k.startswith("instance/")} == {
        k: v for k, v in files(N).items() if not k.startswith("instance/")
    }


def _leaves(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return [leaf for child in node.values() for leaf in _leaves(child)]
    if isinstance(node, list):
        return [leaf for child in node for leaf in _leaves(child)]
    return [node]


def test_every_target_validates_without_errors_or_warnings(tree: Path) -> None:
    run = kkc("validate", "--all", "--config-dir", str(tree))
    assert run.code == 0, run.out + run.err
    # one run-time placeholder info per env (3 envs), each line naming the targets it concerns
    assert f"0 errors, 0 warnings, 3 infos in {N} targets" in run.out + run.err


def test_hydra_compose_of_a_target_equals_kkc_merge(tree: Path, tmp_path: Path) -> None:
    args = ["env=prod", "instance=prod-001"]
    expected = hydra_compose(tree, args, tmp_path)
    actual = kkc_merge(tree, args)
    assert json.dumps(actual, indent=1) == json.dumps(expected, indent=1)


def test_targets_are_realistic(tree: Path) -> None:
    merged = kkc_merge(tree, ["env=staging", "instance=staging-000"])
    own = {k: v for k, v in merged.items() if k != "targets"}
    strings = [leaf for leaf in _leaves(own) if isinstance(leaf, str)]
    assert 170 <= len(_leaves(own)) <= 260
    assert 45 <= sum("${kestra." in s or "${cluster." in s for s in strings) <= 65
    assert any("${KAFKA_PASSWORD}" in s for s in strings)
    assert len(merged["kestra"]["kafka"]["topics"]) == 15
    listed = [t.id.split("/")[1] for t in ConfigTree(tree).all_targets()]
    assert listed == [n for names in instances_per_env(N).values() for n in names]


def test_output_is_deterministic_and_prefixes_distinct() -> None:
    assert files(9) == files(9)
    per_env = instances_per_env(10)
    assert [len(per_env[e]) for e in ENVS] == [4, 3, 3]
    prefixes = [text.split('topic-prefix: "')[1].split('"')[0] for rel, text in files(9).items() if "instance/" in rel]
    assert len(set(prefixes)) == 9 and all(p.endswith("_") for p in prefixes)


def test_breakdown_still_instruments_the_pipeline(tree: Path) -> None:
    """bench/breakdown.py wraps kkc's stages by name: a renamed stage must not silently stop it."""
    import subprocess
    import sys

    from tests.conftest import REPO

    run = subprocess.run(
        [sys.executable, str(REPO / "bench" / "breakdown.py"), str(tree)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert f"in {N} targets" in run.stdout
    for stage in ("load: read + parse YAML files", "merge layers", "resolve ${...}", "rules: structure"):
        assert stage in run.stdout
