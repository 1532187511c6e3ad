"""The README's terminal transcripts (`$ kkc ...` and what follows) are what kkc prints today."""

from __future__ import annotations

import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO, kkc


@dataclass
class Transcript:
    line: int  # where the first command is, in README.md
    steps: list[tuple[list[str], str, int | None]]  # (argv after `kkc`, expected output, expected exit code)


def transcripts() -> list[Transcript]:
    """Each indented block holding `$ kkc` commands; `$ echo $?` gives the previous command's exit code."""
    found: list[Transcript] = []
    current: Transcript | None = None
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, 1):
        if not line.startswith("    ") and line.strip():
            current = None
            continue
        text = line[4:]
        if text.startswith("$ kkc "):
            if current is None:
                current = Transcript(number, [])
                found.append(current)
            current.steps.append((shlex.split(text[len("$ kkc ") :]), "", None))
        elif text == "$ echo $?" and current is not None:
            argv, output, _ = current.steps[-1]
            current.steps[-1] = (argv, output, -1)
        elif current is not None and current.steps:
            argv, output, code = current.steps[-1]
            if code == -1:
                current.steps[-1] = (argv, output, int(text))
            elif text or output:
                current.steps[-1] = (argv, output + text + "\n", code)
    return found


TRANSCRIPTS = transcripts()


def test_the_readme_has_its_transcripts() -> None:
    commands = [" ".join(argv[:1]) for t in TRANSCRIPTS for argv, _, _ in t.steps]
    assert {"validate", "diff", "explain", "init"} <= set(commands)


@pytest.mark.parametrize("transcript", TRANSCRIPTS, ids=[f"README.md:{t.line}" for t in TRANSCRIPTS])
def test_transcript(transcript: Transcript, tmp_path: Path) -> None:
    if transcript.steps[0][0][:1] != ["init"]:
        shutil.copytree(REPO / "conf", tmp_path / "conf")
        assert kkc("compile", "--all", "--out", "build/", cwd=tmp_path).code == 0
    for argv, expected, code in transcript.steps:
        run = kkc(*argv, cwd=tmp_path)
        assert (run.out + run.err).rstrip("\n") == expected.rstrip("\n"), f"kkc {shlex.join(argv)}"
        if code is not None:
            assert run.code == code
