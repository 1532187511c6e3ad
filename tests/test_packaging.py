"""The built wheel and sdist install into a fresh virtual environment and work from any directory."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.conftest import REPO


def _run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, check=False, env=env)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    source = tmp_path_factory.mktemp("src") / "kkc"
    shutil.copytree(
        REPO,
        source,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".ruff_cache"
        ),
    )
    result = _run(
        sys.executable, "-m", "build", "--sdist", "--wheel", "--no-isolation", "--outdir", str(out), cwd=source
    )
    if result.returncode != 0 and "No module named build" in result.stderr:
        pytest.skip("the 'build' package is not installed (pip install -e '.[test]')")
    assert result.returncode == 0, result.stderr[-2000:]
    return out


@pytest.mark.parametrize("kind", ["whl", "tar.gz"])
def test_install_into_a_fresh_venv_and_run_anywhere(kind: str, dist: Path, tmp_path: Path) -> None:
    (artifact,) = dist.glob(f"kkc-*.{kind}")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    pip_env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    installed = _run(str(python), "-m", "pip", "install", "-q", str(artifact), cwd=tmp_path, env=pip_env)
    assert installed.returncode == 0, installed.stderr[-2000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    kkc = str(env_dir / "bin" / "kkc")
    version = _run(kkc, "--version", cwd=elsewhere)
    assert version.returncode == 0 and version.stdout.startswith("kkc ")
    shutil.copytree(REPO / "conf", elsewhere / "conf")
    compiled = _run(kkc, "compile", "--all", "--out", "build", cwd=elsewhere)
    assert compiled.returncode == 0, compiled.stderr
    assert (elsewhere / "build" / "prod" / "eu1" / "topics.yaml").read_text() == (
        REPO / "golden" / "example" / "prod" / "eu1" / "topics.yaml"
    ).read_text()
    module = _run(str(python), "-m", "compiler", "validate", "--all", cwd=elsewhere)
    assert module.returncode == 0, module.stdout
    init = _run(kkc, "init", "fresh", cwd=elsewhere)
    assert init.returncode == 0 and (elsewhere / "fresh" / "env" / "prod.yaml").is_file()
