"""Every output of every target, byte for byte, against golden/.

golden/example/   `kkc compile --all --out` on this repository's conf/
golden/cases/X/   the focused case tests/cases/X/ (its conf/ and the arguments in args.txt):
                  the files `--out` writes, plus compile.json (`--format json`)
Regenerate only with:  pytest tests/test_golden.py --update-golden   (then review the diff)
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import CASES, GOLDEN, REPO, UPDATE_COMMAND, case_args, kkc


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _compare(actual: dict[str, bytes], golden_dir: Path, update: bool) -> None:
    if update:
        shutil.rmtree(golden_dir, ignore_errors=True)
        for name, data in actual.items():
            (golden_dir / name).parent.mkdir(parents=True, exist_ok=True)
            (golden_dir / name).write_bytes(data)
        return
    expected = _tree(golden_dir) if golden_dir.is_dir() else {}
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    changed = sorted(n for n in set(actual) & set(expected) if actual[n] != expected[n])
    if missing or extra or changed:
        import difflib

        details = []
        for name in changed[:3]:
            diff = difflib.unified_diff(
                expected[name].decode().splitlines(),
                actual[name].decode().splitlines(),
                f"golden/{name}",
                f"actual/{name}",
                lineterm="",
                n=1,
            )
            details.append("\n".join(list(diff)[:40]))
        pytest.fail(
            f"outputs differ from {golden_dir.relative_to(REPO)}: changed={changed} missing={missing} "
            f"extra={extra}\n" + "\n".join(details) + f"\nIf the change is intended: {UPDATE_COMMAND}"
        )


def test_example_tree_every_target(tmp_path: Path, update_golden: bool) -> None:
    run = kkc("compile", "--all", "--out", str(tmp_path / "build"), cwd=REPO)
    assert run.code == 0, run.err
    assert "wrote 24 files for 4 targets" in run.err
    _compare(_tree(tmp_path / "build"), GOLDEN / "example", update_golden)


CASE_NAMES = sorted(p.name for p in CASES.iterdir() if (p / "args.txt").is_file())


@pytest.mark.parametrize("case", CASE_NAMES)
def test_focused_case(case: str, tmp_path: Path, update_golden: bool) -> None:
    folder = CASES / case
    args = ["compile", "--config-dir", str(folder / "conf"), *case_args(folder)]
    written = kkc(*args, "--out", str(tmp_path / "out"), cwd=REPO)
    assert written.code == 0, written.err
    printed = kkc(*without_emit(args), "--format", "json", cwd=REPO)
    assert printed.code == 0, printed.err
    actual = _tree(tmp_path / "out")
    actual["compile.json"] = printed.out.encode()
    _compare(actual, GOLDEN / "cases" / case, update_golden)


def without_emit(args: list[str]) -> list[str]:
    out: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg == "--emit":
            skip = True
        else:
            out.append(arg)
    return out


def test_output_is_deterministic(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert kkc("compile", "--all", "--out", str(tmp_path / name), cwd=REPO).code == 0
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")
