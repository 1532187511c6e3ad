"""The console entry pauses garbage collection while modules load; the work of a run has it again.

Each case runs in its own interpreter: collection and freezing are global to a process.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

# Reports, from an exit handler (cli.entry runs them before its os._exit), whether collection is on and
# whether anything was frozen out of it.
PROBE = """
import atexit, gc, sys
atexit.register(lambda: print(gc.isenabled(), gc.get_freeze_count() > 0))
import compiler.cli
sys.argv = ["kkc", *sys.argv[1:]]
compiler.cli.entry()
"""


def _state(*argv: str, cwd: Path = REPO) -> str:
    run = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, check=False, cwd=cwd, timeout=120
    )
    return run.stdout.splitlines()[-1]


def test_a_command_without_targets_runs_with_collection_paused() -> None:
    assert _state("--help") == "False False"


def test_validating_files_resumes_collection_with_the_loaded_modules_frozen(tmp_path: Path) -> None:
    config = tmp_path / "application.yml"
    config.write_text("kestra:\n  kafka:\n    client:\n      properties:\n        bootstrap.servers: k:9092\n")
    assert _state("validate", "--no-cache", str(config)) == "True True"


def test_compiling_targets_resumes_collection(tmp_path: Path) -> None:
    assert _state("validate", "--all", "--no-cache", "--jobs", "1") == "True True"
    assert _state("compile", "--all", "--out", str(tmp_path / "out")) == "True True"


def test_main_as_a_library_leaves_collection_as_the_caller_set_it(tmp_path: Path) -> None:
    code = (
        "import gc; from compiler.cli import main; gc.disable(); "
        "main(['validate', '--all', '--no-cache', '--jobs', '1']); print(gc.isenabled())"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=REPO, timeout=120
    )
    assert run.stdout.splitlines()[-1] == "False"
