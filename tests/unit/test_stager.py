"""The Stager: a top-level directory the outputs lack moves in whole, the rest file by file; a directory that
appears meanwhile where a whole one was to go stops the commit with the outputs as they were."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from compiler.errors import UsageError
from compiler.writer import Stager


def _tree(out: Path) -> dict[str, str]:
    """The outputs' files (not kkc's hidden staging directory)."""
    files = [p for p in sorted(out.rglob("*")) if p.is_file() and not p.relative_to(out).parts[0].startswith(".")]
    return {p.relative_to(out).as_posix(): p.read_text() for p in files}


@pytest.fixture
def out(tmp_path: Path) -> Path:
    root = tmp_path / "out"
    (root / "a").mkdir(parents=True)
    (root / "a" / "same.yml").write_text("same\n")
    (root / "a" / "changed.yml").write_text("old\n")
    (root / "a" / "same.yml").chmod(0o644)
    return root


def test_a_new_env_moves_in_whole_and_an_existing_one_file_by_file(out: Path) -> None:
    stager = Stager(out, in_child=False)
    stager.add("a", {"same.yml": "same\n", "changed.yml": "new\n"}, set())
    stager.add("b/eu1", {"app.yml": "b1\n"}, set())
    stager.add("b/us1", {"app.yml": "b2\n"}, {"b/us1/app.yml"})
    assert [final.relative_to(out).as_posix() for _, final in stager.moves] == ["a/changed.yml"]
    assert [Path(final).relative_to(out).as_posix() for _, final in stager.placed] == ["b/eu1/app.yml", "b/us1/app.yml"]
    written = stager.commit()
    assert len(written) == 4
    assert _tree(out) == {
        "a/changed.yml": "new\n",
        "a/same.yml": "same\n",
        "b/eu1/app.yml": "b1\n",
        "b/us1/app.yml": "b2\n",
    }
    assert (out / "b" / "us1" / "app.yml").stat().st_mode & 0o777 == 0o600
    assert not list(out.glob(".kkc-*"))


@pytest.mark.parametrize("appeared", ["a directory with a file", "an empty directory"])
def test_a_directory_that_appears_meanwhile_stops_the_commit(out: Path, appeared: str) -> None:
    stager = Stager(out, in_child=False)
    stager.add("a", {"changed.yml": "new\n"}, set())
    stager.add("b", {"app.yml": "mine\n"}, set())
    (out / "b").mkdir()  # another process, between staging and commit
    if appeared == "a directory with a file":
        (out / "b" / "theirs.yml").write_text("theirs\n")
    before = _tree(out)
    with pytest.raises(
        UsageError, match="cannot write under --out .*: File exists .*the previous outputs are untouched"
    ):
        stager.commit()
    assert _tree(out) == before
    assert not list(out.glob(".kkc-*"))


@pytest.mark.parametrize("child", [True, False], ids=["forked writer", "in process"])
def test_a_first_compile_with_or_without_the_writer_child(tmp_path: Path, child: bool) -> None:
    out = tmp_path / "fresh"
    stager = Stager(out, in_child=child)
    for env in ("dev", "prod"):
        stager.add(f"{env}/x", {"app.yml": f"{env}\n", "run.sh": "#!/bin/sh\n"}, {"prod/x/app.yml"})
    assert len(stager.commit()) == 4
    assert _tree(out) == {
        "dev/x/app.yml": "dev\n",
        "dev/x/run.sh": "#!/bin/sh\n",
        "prod/x/app.yml": "prod\n",
        "prod/x/run.sh": "#!/bin/sh\n",
    }
    assert (out / "dev" / "x" / "run.sh").stat().st_mode & 0o777 == 0o755
    assert (out / "prod" / "x" / "app.yml").stat().st_mode & 0o777 == 0o600
    assert (out / "dev" / "x" / "app.yml").stat().st_mode & 0o777 == 0o644


def test_a_failure_after_a_whole_directory_moved_in_takes_it_back_out(
    out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stager = Stager(out, in_child=False)
    stager.add("a", {"changed.yml": "new\n"}, set())
    stager.add("b", {"app.yml": "mine\n"}, set())
    before = _tree(out)
    real, calls = os.replace, []

    def failing(src: object, dst: object) -> None:
        calls.append(dst)
        if len(calls) == 2:  # b/ has moved in; a/changed.yml's rename fails
            raise OSError(errno.EIO, "Input/output error", str(dst))
        real(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(UsageError, match="Input/output error.*the previous outputs are untouched"):
        stager.commit()
    monkeypatch.undo()
    assert [Path(str(c)).relative_to(out).as_posix() for c in calls[:2]] == ["b", "a/changed.yml"]
    assert _tree(out) == before and not (out / "b").exists()


def test_out_dot_with_a_dangling_link_where_a_directory_goes_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dev").symlink_to(tmp_path / "gone")
    stager = Stager(Path("."), in_child=False)
    stager.add("dev/x", {"app.yml": "a\n"}, set())
    with pytest.raises(UsageError, match="cannot write under --out .: File exists"):
        stager.commit()
    assert (tmp_path / "dev").is_symlink() and not (tmp_path / "gone").exists()


def test_a_target_staged_again_replaces_its_staged_files(tmp_path: Path) -> None:
    """When forking fails part-way, the targets a killed worker staged are staged again by the parent."""
    stager = Stager(tmp_path / "out", in_child=False)
    stager.add("dev/x", {"app.yml": "first\n"}, set())
    stager.add("dev/x", {"app.yml": "again\n"}, set())
    stager.placed = stager.placed[1:]
    stager.commit()
    assert _tree(tmp_path / "out") == {"dev/x/app.yml": "again\n"}
