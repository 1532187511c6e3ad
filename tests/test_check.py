"""`kkc compile --all --out build/ --check`: the guard for teams that commit their build outputs."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import REPO, kkc


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def setup(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "conf", tmp_path / "conf")
    assert kkc("compile", "--all", "--out", "build", cwd=tmp_path).code == 0
    return tmp_path


def test_identical_outputs_pass(tmp_path: Path) -> None:
    setup(tmp_path)
    run = kkc("compile", "--all", "--out", "build", "--check", cwd=tmp_path)
    assert run.code == 0
    assert "24 files under build match their sources" in run.err


def test_stale_missing_and_extra_files_fail_and_nothing_is_written(tmp_path: Path) -> None:
    setup(tmp_path)
    conf = tmp_path / "conf" / "env" / "prod.yaml"
    conf.write_text(conf.read_text().replace("partitions: 16", "partitions: 24"))
    (tmp_path / "build" / "dev" / "admin.properties").unlink()
    (tmp_path / "build" / "old").mkdir()
    (tmp_path / "build" / "old" / "topics.yaml").write_text("x\n")
    before = _tree(tmp_path / "build")
    run = kkc("compile", "--all", "--out", "build", "--check", cwd=tmp_path)
    assert run.code == 1
    assert "missing: build/dev/admin.properties" in run.err
    assert "extra: build/old/topics.yaml (no target produces it)" in run.err
    assert "stale: build/prod/eu1/topics.yaml" in run.err
    assert "-    partitions: 16\n" in run.err and "+    partitions: 24\n" in run.err
    assert "build is stale; regenerate it: kkc compile --all --out build; then delete the extra files" in run.err
    assert _tree(tmp_path / "build") == before


def test_one_target_ignores_other_targets_files(tmp_path: Path) -> None:
    setup(tmp_path)
    run = kkc("compile", "env=prod", "instance=eu1", "--out", "build", "--check", cwd=tmp_path)
    assert run.code == 0, run.err


def test_check_needs_out(tmp_path: Path) -> None:
    run = kkc("compile", "--all", "--check", cwd=REPO)
    assert run.code == 2 and "--check compares with the files under --out DIR" in run.err


def test_files_of_an_emit_run_point_at_the_emit_option(tmp_path: Path) -> None:
    setup(tmp_path)
    assert kkc("compile", "--all", "--out", "build", "--emit", "strimzi", cwd=tmp_path).code == 0
    run = kkc("compile", "--all", "--out", "build", "--check", cwd=tmp_path)
    assert run.code == 1
    assert "extra: build/prod/eu1/strimzi-topics.yaml (written by --emit strimzi, not given here)" in run.err
    assert run.err.splitlines()[-1] == (
        "kkc: build holds --emit outputs; check them with: kkc compile --all --out build --check --emit strimzi"
    )
    assert "is stale" not in run.err
    assert kkc("compile", "--all", "--out", "build", "--check", "--emit", "strimzi", cwd=tmp_path).code == 0


def test_check_with_invalid_config_says_so_in_one_line(tmp_path: Path) -> None:
    setup(tmp_path)
    prod = tmp_path / "conf" / "env" / "prod.yaml"
    prod.write_text(prod.read_text().replace("replication-factor: 3", "replication-factor: 5"))
    run = kkc("compile", "--all", "--out", "build", "--check", cwd=tmp_path)
    assert run.code == 1
    assert run.err == "kkc: 1 error in the config (kkc validate lists them): build was not compared\n"
