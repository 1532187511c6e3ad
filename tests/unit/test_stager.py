"""The Stager: a top-level directory the outputs lack moves in whole, the rest file by file; a directory that
appears meanwhile where a whole one was to go stops the commit with the outputs as they were."""

from __future__ import annotations

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
        stager.add(f"{env}/x", {"app.yml": f"{env}\n", "run.sh": "#!/bin/sh\n"}, set())
    assert len(stager.commit()) == 4
    assert _tree(out) == {
        "dev/x/app.yml": "dev\n",
        "dev/x/run.sh": "#!/bin/sh\n",
        "prod/x/app.yml": "prod\n",
        "prod/x/run.sh": "#!/bin/sh\n",
    }
    assert (out / "dev" / "x" / "run.sh").stat().st_mode & 0o777 == 0o755
