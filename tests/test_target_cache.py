"""The per-target cache of `kkc validate` (compiler/cache.py): when one instance file changes, only its target
is compiled and checked again, the others' records stand in for them, and the report is the one a run
without cache prints. Records are stored only by runs that found no literal secret; a corrupt or foreign
entry is a miss; entries are private. Work is shown by counting compiled targets, never by timing."""

from __future__ import annotations

import pickle
import stat
from pathlib import Path

import pytest

from bench.generate import generate
from compiler import cache, pipeline
from tests.conftest import kkc

N = 9


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("KKC_NO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    conf = tmp_path / "conf"
    generate(N, conf, "heavy")
    # two instances on one prefix, one rule level, one inline directive: every kind of kept fact is used
    for name in ("dev-000.yaml", "dev-001.yaml"):
        path = conf / "instance" / name
        path.write_text(path.read_text().replace("dev000_kestra_", "same_").replace("dev001_kestra_", "same_"))
    (conf / "instance" / "prod-000.yaml").write_text(
        (conf / "instance" / "prod-000.yaml").read_text() + "rules:\n  prefix-missing-separator: info\n"
    )
    return conf


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The targets really compiled."""
    done: list[str] = []
    real = pipeline.compile_target

    def counting(*args: object, **kwargs: object) -> object:
        done.append(args[1].id)  # type: ignore[attr-defined]
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "compile_target", counting)
    return done


def _stored(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache" / "kkc").glob("targets-*.pickle"))


def _change(tree: Path, name: str, text: str) -> None:
    path = tree / "instance" / name
    path.write_text(path.read_text() + text)


def test_one_changed_file_recompiles_its_target_only(tree: Path, compiled: list[str], tmp_path: Path) -> None:
    args = ("validate", "--all", "--config-dir", str(tree))
    first = kkc(*args)
    assert len(compiled) == N and "shared-cluster-prefix-collision" in first.out
    compiled.clear()
    _change(tree, "staging-001.yaml", "# edited\n")
    second = kkc(*args)
    assert compiled == ["staging/staging-001"]
    fresh = kkc(*args, "--no-cache")
    assert (second.code, second.out, second.err) == (fresh.code, fresh.out, fresh.err)
    # a change that makes a new collision: the cross-target rule compares stored and new facts
    compiled.clear()
    path = tree / "instance" / "dev-002.yaml"
    path.write_text(path.read_text().replace("dev002_kestra_", "same_"))
    third = kkc(*args)
    assert compiled == ["dev/dev-002"]
    assert "'dev/dev-002'" in third.out
    fresh = kkc(*args, "--no-cache")
    assert (third.code, third.out, third.err) == (fresh.code, fresh.out, fresh.err)


def test_entries_are_private(tree: Path, tmp_path: Path) -> None:
    kkc("validate", "--all", "--config-dir", str(tree))
    (entry,) = _stored(tmp_path)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert stat.S_IMODE(entry.parent.stat().st_mode) == 0o700


def test_a_run_with_a_literal_secret_stores_no_record(tree: Path, tmp_path: Path) -> None:
    secret = "Hunter2xyzzy"
    path = tree / "instance" / "dev-002.yaml"
    text = path.read_text().replace(
        "  kafka:\n", f"  kafka:\n    client:\n      properties:\n        ssl.key.password: {secret}\n", 1
    )
    path.write_text(text)
    run = kkc("validate", "--all", "--config-dir", str(tree))
    assert "literal-secret" in run.out and secret not in run.out
    assert _stored(tmp_path) == []
    assert all(secret.encode() not in p.read_bytes() for p in (tmp_path / "cache").rglob("*") if p.is_file())


@pytest.mark.parametrize("kind", ["corrupt", "foreign", "wrong-format"])
def test_a_bad_entry_is_a_miss(tree: Path, compiled: list[str], tmp_path: Path, kind: str) -> None:
    args = ("validate", "--all", "--config-dir", str(tree))
    first = kkc(*args)
    (entry,) = _stored(tmp_path)
    name = entry.name.removeprefix("targets-").removesuffix(".pickle")
    if kind == "corrupt":
        entry.write_bytes(entry.read_bytes()[:100])
    elif kind == "foreign":  # a global that is not kkc's data: refused before anything runs
        entry.write_bytes(pickle.dumps({"format": cache.FORMAT, "name": name, "targets": {"k": print}}))
    else:
        entry.write_bytes(pickle.dumps({"format": -1, "name": name, "targets": {}}))
    assert cache.read_targets(name) == {}
    compiled.clear()
    _change(tree, "prod-002.yaml", "# edited\n")
    second = kkc(*args)
    assert len(compiled) == N  # nothing reused
    assert second.code == first.code and second.err == first.err
    assert second.out == kkc(*args, "--no-cache").out
    assert cache.read_targets(name) != {}  # rewritten


def test_no_cache_reads_and_writes_nothing(tree: Path, compiled: list[str], tmp_path: Path) -> None:
    kkc("validate", "--all", "--no-cache", "--config-dir", str(tree))
    assert _stored(tmp_path) == []
