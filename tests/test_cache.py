"""The result cache of `kkc validate` (compiler/cache.py): a hit replays the run exactly, anything else
recomputes; corrupt or foreign entries are ignored; concurrent runs never tear an entry; what is stored
is only what was printed, masked, in private files. Work is shown by counting runs, never by timing."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from compiler import cache, cli
from tests.conftest import REPO, kkc

SECRET = "Hunter2xyzzy"
JAAS = f'org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="{SECRET}";'
CONFIG = f"""\
kestra:
  queue:
    type: kafka
  kafka:
    client:
      properties:
        bootstrap.servers: "kafka:9093"
        security.protocol: SASL_SSL
        sasl.mechanism: PLAIN
        sasl.jaas.config: '{JAAS}'
"""


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("KKC_NO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "config.yaml").write_text(CONFIG)
    return conf


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Every time kkc really runs (rather than replays)."""
    calls: list[list[str]] = []
    real = cli._main

    def counting(argv: list[str]) -> int:
        calls.append(argv)
        return real(argv)

    monkeypatch.setattr(cli, "_main", counting)
    return calls


def _entries(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache" / "kkc").glob("*.json"))


def test_a_hit_replays_the_output_and_exit_code(tree: Path, runs: list[list[str]], tmp_path: Path) -> None:
    args = ("validate", "--all", "--strict", "--config-dir", str(tree))
    first = kkc(*args)
    second = kkc(*args)
    assert first.code == 1 and "literal-secret" in first.out
    assert (second.code, second.out, second.err) == (first.code, first.out, first.err)
    assert len(runs) == 1
    assert len(_entries(tmp_path)) == 1


def test_a_changed_input_or_argument_runs_again(tree: Path, runs: list[list[str]]) -> None:
    kkc("validate", "--all", "--config-dir", str(tree))
    (tree / "config.yaml").write_text(CONFIG + "cluster:\n  brokers: 3\n")
    changed = kkc("validate", "--all", "--config-dir", str(tree))
    kkc("validate", "--all", "--format", "json", "--config-dir", str(tree))
    (tree / "env").mkdir()
    (tree / "env" / "x.yaml").write_text("a: 1\n")  # a new file in the tree
    kkc("validate", "--all", "--config-dir", str(tree))
    assert len(runs) == 4
    assert "brokers-not-declared" not in changed.out


def test_no_cache_neither_replays_nor_stores(tree: Path, runs: list[list[str]], tmp_path: Path) -> None:
    for flag in ("--no-cache", "--no-c"):
        kkc("validate", "--all", flag, "--config-dir", str(tree))
        kkc("validate", "--all", flag, "--config-dir", str(tree))
    assert len(runs) == 4
    assert _entries(tmp_path) == []


def test_usage_errors_are_not_stored(tree: Path, runs: list[list[str]], tmp_path: Path) -> None:
    for _ in range(2):
        assert kkc("validate", "--all", "--format", "nope", "--config-dir", str(tree)).code == 2
    assert len(runs) == 2
    assert _entries(tmp_path) == []


@pytest.mark.parametrize(
    "content",
    [
        "",
        "{not json",
        "[1, 2]",
        '{"format": 1, "key": "someone else", "code": 0, "output": [[1, "all fine\\n"]]}',
        '{"format": 99, "key": "KEY", "code": 0, "output": [[1, "all fine\\n"]]}',
        '{"format": 1, "key": "KEY", "code": 7, "output": []}',
        '{"format": 1, "key": "KEY", "code": 0, "output": [[3, "x"]]}',
        '{"format": 1, "key": "KEY", "code": 0, "output": "text"}',
    ],
    ids=["empty", "truncated", "list", "foreign-key", "other-format", "bad-code", "bad-stream", "bad-output"],
)
def test_a_corrupt_or_foreign_entry_is_ignored_and_replaced(
    content: str, tree: Path, runs: list[list[str]], tmp_path: Path
) -> None:
    args = ("validate", "--all", "--config-dir", str(tree))
    first = kkc(*args)
    (entry,) = _entries(tmp_path)
    entry.write_text(content.replace("KEY", entry.stem))
    again = kkc(*args)
    assert (again.code, again.out, again.err) == (first.code, first.out, first.err)
    assert len(runs) == 2
    assert json.loads(entry.read_text())["key"] == entry.stem  # rewritten
    replay = kkc(*args)
    assert replay.out == first.out and len(runs) == 2


def test_an_unwritable_cache_is_no_cache(tree: Path, runs: list[list[str]], tmp_path: Path) -> None:
    (tmp_path / "cache").write_text("a file where the directory should be")
    first = kkc("validate", "--all", "--config-dir", str(tree))
    second = kkc("validate", "--all", "--config-dir", str(tree))
    assert first.out == second.out and len(runs) == 2


def test_entries_are_private_and_hold_no_secret(tree: Path, tmp_path: Path) -> None:
    run = kkc("validate", "--all", "--config-dir", str(tree))
    assert SECRET not in run.out + run.err
    (entry,) = _entries(tmp_path)
    assert SECRET not in entry.read_text()
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert stat.S_IMODE(entry.parent.stat().st_mode) == 0o700


def test_concurrent_runs_leave_one_whole_entry(tree: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    argv = [sys.executable, "-m", "compiler", "validate", "--all", "--config-dir", str(tree)]
    procs = [
        subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for _ in range(4)
    ]
    outputs = {proc.communicate(timeout=120)[0] for proc in procs}
    assert len(outputs) == 1 and all(proc.returncode == 0 for proc in procs)
    (entry,) = _entries(tmp_path)
    assert json.loads(entry.read_text())["output"]
    assert not list(entry.parent.glob(".entry-*"))  # no temporary file left


def test_a_symlink_in_the_tree_turns_the_cache_off(tree: Path, runs: list[list[str]], tmp_path: Path) -> None:
    (tree / "env").mkdir()
    (tree / "env" / "a.yaml").symlink_to(tree / "config.yaml")
    kkc("validate", "--all", "--config-dir", str(tree))
    kkc("validate", "--all", "--config-dir", str(tree))
    assert len(runs) == 2 and _entries(tmp_path) == []


def test_only_existing_files_and_the_tree_are_inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KKC_NO_CACHE", raising=False)
    (tmp_path / "app.yml").write_text("a: 1\n")
    os.chdir(tmp_path)
    try:
        assert cache.inputs_of(["validate", "app.yml", "env=prod", "--format", "json"]) == [
            Path("app.yml"),
            Path("conf"),
        ]
        assert cache.inputs_of(["validate", "--config-dir=x"]) == [Path("x")]
        assert cache.inputs_of(["validate", "--conf", "x"]) is None  # abbreviated: which tree is unknown
        assert cache.inputs_of(["validate", "--help"]) is None
    finally:
        os.chdir(REPO)


def test_a_run_whose_output_pipe_closed_is_not_stored(
    tree: Path, runs: list[list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`kkc validate | head -1`: kkc exits 0 on a closed pipe whatever it found; that is no result to replay."""

    class Closed(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError

        def fileno(self) -> int:
            return os.open(os.devnull, os.O_WRONLY)

    with monkeypatch.context() as patch:
        patch.setattr(sys, "stdout", Closed())
        assert cli.main(["validate", "--all", "--strict", "--config-dir", str(tree)]) == 0
    assert _entries(tmp_path) == []
    assert kkc("validate", "--all", "--strict", "--config-dir", str(tree)).code == 1
    assert len(runs) == 2 and len(_entries(tmp_path)) == 1


def test_every_file_of_kkcs_package_is_in_the_key() -> None:
    from compiler.cache import _package_fingerprint

    names = {name for name, _, _ in _package_fingerprint()}
    # data files kkc's verdicts come from, whatever their extension: a changed one must not replay a verdict
    assert {"data/kafka-classes.json.gz", "data/kestra-classes.json.gz", "cache.py"} <= names
    assert not any(name.endswith(".pyc") for name in names)
