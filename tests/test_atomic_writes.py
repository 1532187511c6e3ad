"""Nothing half-written: `kkc compile --out` either replaces a file whole or leaves the old one.

A failure before writing leaves every previous output as it was; a failure while files are renamed
into place puts back the ones already replaced; a process killed at any point (SIGKILL, simulated
by a driver that kills itself from inside os.replace or os.fsync) leaves every file either the
complete old or the complete new version, never a partial one.
"""

from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, kkc

CONFIG = (
    "defaults:\n  - _self_\n  - env: a\n  - instance: null\n"
    "targets:\n  - {env: a}\n  - {env: b}\n"
    "cluster:\n  brokers: 1\n"
    "kestra:\n  kafka:\n    client:\n      properties:\n        bootstrap.servers: b:9092\n"
)
ENV = "# @package _global_\nkestra:\n  kafka:\n    defaults:\n      topic-prefix: {p}_\n      consumer-prefix: {p}_\n"
OLD = ("++kestra.kafka.client.properties[client.id]=old-version", "kestra.kafka.defaults.topic.partitions=8")
NEW = ("++kestra.kafka.client.properties[client.id]=new-version", "kestra.kafka.defaults.topic.partitions=9")
FILES_PER_TARGET = 6


@pytest.fixture
def conf(tmp_path: Path) -> Path:
    root = tmp_path / "conf"
    (root / "env").mkdir(parents=True)
    (root / "instance").mkdir()
    (root / "config.yaml").write_text(CONFIG)
    for name in ("a", "b"):
        (root / "env" / f"{name}.yaml").write_text(ENV.format(p=name))
    return root


def compile_all(conf: Path, out: Path, overrides: tuple[str, ...]) -> None:
    run = kkc("compile", "--config-dir", str(conf), "--all", *overrides, "--out", str(out))
    assert run.code == 0, run.err


def snapshot(out: Path, hidden: bool = False) -> dict[str, bytes]:
    """Every file under `out`; kkc's own hidden staging directories (.kkc-*) only when asked."""
    files = {}
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out)
        if path.is_file() and (hidden or not any(part.startswith(".") for part in rel.parts)):
            files[rel.as_posix()] = path.read_bytes()
    return files


@pytest.fixture
def versions(conf: Path, tmp_path: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The complete old and new outputs, each compiled into its own directory."""
    compile_all(conf, tmp_path / "old", OLD)
    compile_all(conf, tmp_path / "new", NEW)
    old, new = snapshot(tmp_path / "old"), snapshot(tmp_path / "new")
    assert set(old) == set(new) and len(old) == 2 * FILES_PER_TARGET
    assert all(old[name] != new[name] for name in old), "every file must differ between the versions"
    return old, new


FAILURES_BEFORE_WRITING = {
    "invalid-yaml": ({"env/b.yaml": "kestra: [\n"}, (), 1),
    "missing-reference-in-one-target": ({"env/b.yaml": "# @package _global_\nkestra:\n  x: ${kestra.nope}\n"}, (), 1),
    "validation-error": ({}, ("kestra.kafka.defaults.topic.partitions=0",), 1),
    "bad-override": ({}, ("kestra.kafka.defaults.topic.partitions",), 1),
    "unknown-option": ({}, ("--frobnicate",), 2),
}


@pytest.mark.parametrize("name", sorted(FAILURES_BEFORE_WRITING))
def test_a_failure_before_writing_leaves_everything_untouched(
    name: str, conf: Path, tmp_path: Path, versions: tuple[dict[str, bytes], dict[str, bytes]]
) -> None:
    old, _ = versions
    out = tmp_path / "old"
    files, args, code = FAILURES_BEFORE_WRITING[name]
    for rel, text in files.items():
        (conf / rel).write_text(text)
    run = kkc("compile", "--config-dir", str(conf), "--all", *args, "--out", str(out))
    assert run.code == code, run.err
    assert "Traceback" not in run.err
    assert snapshot(out, hidden=True) == old


@pytest.mark.parametrize(("call", "fail_at"), [("replace", 1), ("replace", 7), ("replace", 12), ("fsync", 5)])
def test_a_failure_while_writing_puts_the_old_files_back(
    call: str,
    fail_at: int,
    conf: Path,
    tmp_path: Path,
    versions: tuple[dict[str, bytes], dict[str, bytes]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old, _ = versions
    out = tmp_path / "old"
    real = getattr(os, call)
    calls = 0

    def failing(*args: object) -> object:
        nonlocal calls
        calls += 1
        if calls == fail_at:
            raise OSError(errno.ENOSPC, "No space left on device", str(args[-1]))
        return real(*args)

    monkeypatch.setattr(os, call, failing)
    run = kkc("compile", "--config-dir", str(conf), "--all", *NEW, "--out", str(out))
    monkeypatch.undo()
    assert run.code == 2, run.err
    assert f"cannot write under --out {out}: No space left on device" in run.err
    assert "the previous outputs are untouched" in run.err and "Traceback" not in run.err
    assert snapshot(out, hidden=True) == old


def test_a_failure_on_a_fresh_directory_leaves_nothing(
    conf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first compile moves each env's directory in whole (a/, then b/): the second move fails, the first
    is moved back."""
    out = tmp_path / "fresh"
    real = os.replace
    calls = 0

    def failing(src: object, dst: object) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise OSError(errno.EIO, "Input/output error", str(dst))
        real(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", failing)
    run = kkc("compile", "--config-dir", str(conf), "--all", *NEW, "--out", str(out))
    monkeypatch.undo()
    assert run.code == 2, run.err
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == []


DRIVER = """
import os, signal, sys
call, limit = sys.argv[1], int(sys.argv[2])
real = getattr(os, call)
count = 0
kkc = os.getpid()  # the process killed, also when the call is made by the child staging the files
def dying(*args):
    global count
    count += 1
    if count > limit:
        os.kill(kkc, signal.SIGKILL)
    return real(*args)
setattr(os, call, dying)
from compiler.cli import main
sys.exit(main(sys.argv[3:]))
"""


def run_killed(call: str, limit: int, conf: Path, out: Path) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-c", DRIVER, call, str(limit)]
    argv += ["compile", "--config-dir", str(conf), "--all", *NEW, "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=60, env=env)


@pytest.mark.parametrize(
    ("call", "limit"),
    [("replace", 0), ("replace", 1), ("replace", 6), ("replace", 11), ("fsync", 3)],
    ids=["before-the-first-rename", "after-1-rename", "after-6-renames", "after-11-renames", "while-staging"],
)
def test_a_killed_process_leaves_every_file_old_or_new(
    call: str, limit: int, conf: Path, tmp_path: Path, versions: tuple[dict[str, bytes], dict[str, bytes]]
) -> None:
    old, new = versions
    out = tmp_path / "old"
    proc = run_killed(call, limit, conf, out)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    after = snapshot(out)
    assert set(after) == set(old)
    state = {
        name: "old" if data == old[name] else "new" if data == new[name] else "PARTIAL" for name, data in after.items()
    }
    assert "PARTIAL" not in state.values(), state
    replaced = limit if call == "replace" else 0
    assert sum(1 for s in state.values() if s == "new") == replaced
    # What a kill leaves besides: kkc's hidden staging directory, private to the user, ignored by --check
    # and removed by the next run (its process is gone).
    leftovers = list(out.glob(".kkc-*"))
    assert len(leftovers) == 1 and stat.S_IMODE(leftovers[0].stat().st_mode) == 0o700
    check = kkc("compile", "--config-dir", str(conf), "--all", *OLD, "--out", str(out), "--check")
    assert check.code == (0 if replaced == 0 else 1), check.err
    compile_all(conf, out, NEW)
    assert snapshot(out, hidden=True) == new


def test_a_killed_first_write_leaves_complete_files_only(conf: Path, tmp_path: Path) -> None:
    """Killed between moving a/ in whole and moving b/: a/ holds every one of its files, complete."""
    out = tmp_path / "fresh"
    compile_all(conf, tmp_path / "new", NEW)
    new = snapshot(tmp_path / "new")
    proc = run_killed("replace", 1, conf, out)
    assert proc.returncode == -signal.SIGKILL
    after = snapshot(out)
    assert sorted(after) == sorted(name for name in new if name.startswith("a/"))
    assert len(after) == FILES_PER_TARGET
    assert all(data == new[name] for name, data in after.items())
