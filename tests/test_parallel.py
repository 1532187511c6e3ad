"""--jobs: targets compiled and checked in worker processes give exactly the output of a serial run."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from bench.generate import generate
from compiler import parallel
from compiler.cache import without_jobs
from compiler.commands import common
from compiler.errors import UsageError
from compiler.layers import ConfigTree
from compiler.model import Compiled
from tests.conftest import colliding_tree, kkc

N = 36  # 3 envs of 12 instances: enough targets for 2 workers (parallel.MIN_PER_WORKER each)

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked")


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # findings of every kind a run merges: a cross-target one, and a target that does not compile at all
    conf = colliding_tree(tmp_path_factory.mktemp("jobs") / "conf", N)
    odd = conf / "instance" / "prod-005.yaml"
    odd.write_text(odd.read_text() + "x: ${no.such.key}\n")
    return conf


def _forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    made: list[int] = []
    fork = os.fork

    def counting() -> int:
        pid = fork()
        if pid:
            made.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", counting)
    return made


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_validate_output_is_the_same_for_any_jobs(tree: Path, fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["validate", "--all", "--no-cache", "--format", fmt, "--config-dir", str(tree)]
    serial = kkc(*args, "--jobs", "1")
    forks = _forks(monkeypatch)
    two = kkc(*args, "--jobs", "2")
    assert len(forks) == 2, "two workers compiled the targets"
    three = kkc(*args, "--jobs", "3")
    assert len(forks) == 5
    assert serial.code == two.code == three.code == 1, serial.err
    assert two.out == serial.out and three.out == serial.out
    assert two.err == serial.err and three.err == serial.err
    if fmt == "text":
        assert "shared-cluster-prefix-collision" in serial.out
        assert "no.such.key" in serial.out  # the target that does not compile is reported in its place


def test_compile_writes_the_same_files_for_any_jobs(tree: Path, tmp_path: Path) -> None:
    clean = tmp_path / "conf"
    generate(N, clean, "heavy")
    outs = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        run = kkc("compile", "--all", "--config-dir", str(clean), "--out", str(out), "-j", jobs, "--emit", "strimzi")
        assert run.code == 0, run.err
        assert run.err == f"kkc: wrote {N * 7} files for {N} targets under {out}\n"
        outs[jobs] = {
            str(p.relative_to(out)): (p.read_bytes(), stat.S_IMODE(p.stat().st_mode))
            for p in sorted(out.rglob("*"))
            if p.is_file()
        }
    assert outs["1"] == outs["2"]
    out1 = str(tmp_path / "out1")
    again = kkc("compile", "--all", "--config-dir", str(clean), "--out", out1, "--check", "-j2", "--emit", "strimzi")
    assert again.code == 0, again.err


def test_compile_with_errors_writes_nothing_with_jobs(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    serial = kkc("compile", "--all", "--config-dir", str(tree), "--out", str(out), "--jobs", "1")
    two = kkc("compile", "--all", "--config-dir", str(tree), "--out", str(out), "--jobs", "2")
    assert serial.code == two.code == 1
    assert two.err == serial.err
    assert "nothing written" in two.err
    assert not out.exists()


@pytest.mark.parametrize("syncfs", [True, False])
def test_staged_files_reach_the_disk_before_any_rename(
    tmp_path: Path, syncfs: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from compiler import writer

    conf = tmp_path / "conf"
    generate(N, conf, "heavy")
    out = tmp_path / "out"
    first = kkc("compile", "--all", "--config-dir", str(conf), "--out", str(out), "-j", "2")
    assert first.code == 0, first.err
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    calls: list[str] = []
    real_syncfs, real_fsync = writer._syncfs, os.fsync

    def counted_syncfs(directory: Path) -> bool:
        calls.append("syncfs")
        return real_syncfs(directory) if syncfs else False  # False: as where there is no syncfs

    def failing_fsync(fd: int) -> None:
        calls.append("fsync")
        if len(calls) == 4:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(writer, "_syncfs", counted_syncfs)
    monkeypatch.setattr(os, "fsync", failing_fsync)
    changed = "++kestra.kafka.client.properties[client.id]=new"  # every target's files change
    run = kkc("compile", "--all", changed, "--config-dir", str(conf), "--out", str(out), "-j", "2")
    monkeypatch.undo()
    if syncfs:
        assert run.code == 0, run.err
        assert calls == ["syncfs"]  # one call for every staged file, not one per file
    else:
        assert run.code == 2, run.err
        assert f"cannot write under --out {out}: No space left on device" in run.err
        assert calls[0] == "syncfs" and calls.count("fsync") >= 3
        assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before  # nothing replaced


def _kill_at_5(n: int) -> int:
    if n == 5:
        os.kill(os.getpid(), 9)  # as the out-of-memory killer would
    return n


def test_a_killed_worker_is_a_usage_error_not_a_bug() -> None:
    with pytest.raises(parallel.WorkerLost, match="with --jobs 1"):
        list(parallel.fan_out(list(range(20)), 2, _kill_at_5))


def test_no_fork_left_runs_here(monkeypatch: pytest.MonkeyPatch) -> None:
    real, calls = os.fork, []

    def refusing() -> int:
        calls.append(1)
        if len(calls) == 2:
            raise BlockingIOError(11, "Resource temporarily unavailable")
        return real()

    monkeypatch.setattr(os, "fork", refusing)
    assert list(parallel.fan_out(list(range(30)), 2, lambda n: n + 1)) == list(range(1, 31))


def test_a_long_instance_name_compiles_with_jobs(tmp_path: Path) -> None:
    conf = tmp_path / "conf"
    generate(N, conf, "heavy")
    name = "i" * 200
    (conf / "instance" / "dev-000.yaml").rename(conf / "instance" / f"{name}.yaml")
    config = (conf / "config.yaml").read_text().replace('instance: "dev-000"}', f'instance: "{name}"}}')
    (conf / "config.yaml").write_text(config)
    run = kkc("compile", "--all", "--config-dir", str(conf), "--out", str(tmp_path / "out"), "-j", "2")
    assert run.code == 0, run.err
    assert (tmp_path / "out" / "dev" / name / "application-kafka.yml").is_file()


def test_few_targets_stay_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    forks = _forks(monkeypatch)
    run = kkc("validate", "--all", "--no-cache", "--jobs", "8", "--config-dir", "conf")
    assert run.code == 0, run.err
    assert forks == []  # 4 targets: forking would cost more than it saves
    assert parallel.workers_for(8, 4) == 0
    assert parallel.workers_for(8, 16) == 2
    assert parallel.workers_for(2, 1000) == 2
    assert parallel.workers_for(1, 1000) == 0


def test_results_come_back_in_order() -> None:
    items = list(range(50))
    assert list(parallel.fan_out(items, 3, lambda n: n * n)) == [n * n for n in items]


def _fail_at_7(n: int) -> int:
    if n == 7:
        raise RuntimeError("boom at 7")
    return n


def _reaped(pids: list[int]) -> bool:
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            continue  # already waited for by fan_out
        return False
    return True


def test_a_worker_bug_reaches_the_parent_at_its_item(monkeypatch: pytest.MonkeyPatch) -> None:
    forks = _forks(monkeypatch)
    got = []
    with pytest.raises(parallel.WorkerFailed, match="boom at 7"):
        for value in parallel.fan_out(list(range(20)), 2, _fail_at_7):
            got.append(value)
    assert got == list(range(7))
    assert len(forks) == 2 and _reaped(forks)


def test_stopping_early_reaps_the_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    forks = _forks(monkeypatch)
    results = parallel.fan_out(list(range(10_000)), 2, lambda n: "x" * 1000)
    assert next(results) == "x" * 1000
    results.close()  # the parent met an error: the workers are not needed any more
    assert len(forks) == 2 and _reaped(forks)


class _RaiseAt:
    """A Work whose carry refuses one target, as --emit refuses a target that cannot be written."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.taken: list[str] = []

    def add(self, compiled: Compiled) -> None:
        self.carry(compiled)
        self.taken.append(compiled.target)

    def carry(self, compiled: Compiled) -> object:
        if compiled.target == self.target:
            raise UsageError(f"cannot write {compiled.target}")
        return compiled.target

    def take(self, carried: object) -> None:
        self.taken.append(str(carried))


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_usage_error_is_raised_at_its_target(tree: Path, jobs: int) -> None:
    config = ConfigTree(tree)
    targets = [t for t in config.all_targets() if t.id != "prod/prod-005"]
    work = _RaiseAt(targets[20].id)
    with pytest.raises(UsageError, match=f"cannot write {targets[20].id}"):
        common.compile_all(config, targets, [], work, jobs=jobs)
    assert work.taken == [t.id for t in targets[:20]]


def test_jobs_is_not_part_of_the_cache_key() -> None:
    argv = ["validate", "--all", "--jobs", "2", "-j", "3", "-j4", "--jobs=5", "--config-dir", "conf"]
    assert without_jobs(argv) == ("validate", "--all", "--config-dir", "conf")


@pytest.mark.parametrize("bad", ["0", "-1", "two"])
def test_jobs_must_be_a_positive_number(bad: str) -> None:
    run = kkc("validate", "--all", "--jobs", bad)
    assert run.code == 2
    assert "--jobs" in run.err and ("at least 1" in run.err or "not a whole number" in run.err)
