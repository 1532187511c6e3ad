"""validate --all checks each target as it is compiled and drops it: the compiled targets alive at
any moment do not grow with N, and the report is the one check() gives over the kept list."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest

from compiler import validate
from compiler.commands.common import compile_all, partial_files
from compiler.layers import ConfigTree
from compiler.model import Compiled
from tests.conftest import colliding_tree, kkc

N = 24


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return colliding_tree(tmp_path_factory.mktemp("stream") / "conf", N)


def test_compiled_targets_alive_stay_bounded(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    alive: list[weakref.ref[Compiled]] = []
    most = 0
    added = 0
    add = validate.Checker.add

    def counting(self: validate.Checker, compiled: Compiled) -> None:
        nonlocal most, added
        add(self, compiled)
        alive.append(weakref.ref(compiled))
        added += 1
        gc.collect()
        most = max(most, sum(1 for ref in alive if ref() is not None))

    monkeypatch.setattr(validate.Checker, "add", counting)
    run = kkc("validate", "--all", "--no-cache", "--jobs", "1", "--config-dir", str(tree))
    assert added == N, run.err + run.out[-500:]
    assert most <= 2, f"{most} compiled targets alive at once out of {N}"
    assert "shared-cluster-prefix-collision" in run.out


def test_streamed_report_is_check_over_the_whole_list(tree: Path) -> None:
    config = ConfigTree(tree)
    targets = config.all_targets()
    compiled, _ = compile_all(config, targets, [])
    options = validate.Options(partial_files=partial_files(config, targets))
    whole = validate.check(compiled, options)
    checker = validate.Checker(options)
    compile_all(config, targets, [], checker)
    assert checker.outcome() == whole
    assert any(d.rule == "shared-cluster-prefix-collision" for d in whole.diagnostics)
    assert checker.versions == validate.versions_of(compiled, options)
