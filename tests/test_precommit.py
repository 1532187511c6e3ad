"""The hooks in .pre-commit-hooks.yaml, read from the file and run for real by pre-commit."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

HOOKS = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
BIN = Path(sys.executable).parent


def test_hooks_are_declared() -> None:
    assert set(HOOKS) >= {"kkc-validate", "kkc-check-build", "kkc-validate-deployed"}
    for hook in HOOKS.values():
        # the tree hooks check the whole tree; the deployed-files hook checks the files that changed
        assert hook["language"] == "python" and hook["pass_filenames"] is (hook["id"] == "kkc-validate-deployed")
        assert hook["entry"].startswith("kkc ")


def _hook_takes(hook: str, path: str) -> bool:
    declared = HOOKS[hook]
    return bool(re.search(declared["files"], path)) and not re.search(declared.get("exclude", "^$"), path)


@pytest.mark.parametrize(
    ("hook", "path", "matches"),
    [
        ("kkc-validate", "conf/config.yaml", True),
        ("kkc-validate", "conf/env/prod.yaml", True),
        ("kkc-validate", "conf/instance/eu1.yml", True),
        ("kkc-validate", "build/prod/eu1/topics.yaml", False),
        ("kkc-validate", "README.md", False),
        ("kkc-validate", "other/conf/config.yaml", False),
        ("kkc-check-build", "conf/env/dev.yaml", True),
        ("kkc-check-build", "build/prod/eu1/admin.properties", True),
        ("kkc-check-build", "src/app.py", False),
        ("kkc-validate-deployed", "docker-compose.yml", True),
        ("kkc-validate-deployed", "deploy/compose.prod.yaml", True),
        ("kkc-validate-deployed", "helm/kestra/values.yaml", True),
        ("kkc-validate-deployed", "helm/values-prod.yml", True),
        ("kkc-validate-deployed", "k8s/kestra-configmap.yaml", True),
        ("kkc-validate-deployed", "k8s/kafka-secret.yaml", True),
        ("kkc-validate-deployed", "charts/kestra/templates/configmap.yaml", False),
        ("kkc-validate-deployed", "conf/env/prod.yaml", False),
        ("kkc-validate-deployed", "build/prod/kestra-secret.yaml", False),
        ("kkc-validate-deployed", "README.md", False),
        ("kkc-validate-deployed", "src/values.json", False),
    ],
)
def test_files_patterns(hook: str, path: str, matches: bool) -> None:
    assert _hook_takes(hook, path) is matches


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        env={
            **os.environ,
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@t",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@t",
        },
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A user's repository: the example conf/, committed build/, and the hooks as local hooks."""
    if shutil.which("pre-commit", path=str(BIN)) is None:
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    shutil.copytree(REPO / "conf", tmp_path / "conf")
    subprocess.run(
        [str(BIN / "kkc"), "compile", "--all", "--out", "build/"], cwd=tmp_path, check=True, capture_output=True
    )
    local = [{**hook, "language": "system"} for hook in HOOKS.values()]
    (tmp_path / ".pre-commit-config.yaml").write_text(yaml.safe_dump({"repos": [{"repo": "local", "hooks": local}]}))
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "start")
    return tmp_path


def run_hooks(repo: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "PRE_COMMIT_HOME": str(repo / ".cache"),
        "NO_COLOR": "1",
    }
    return subprocess.run(
        [str(BIN / "pre-commit"), "run", "--all-files", "--color", "never"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_good_tree_passes(repo: Path) -> None:
    result = run_hooks(repo)
    assert result.returncode == 0, result.stdout
    assert re.search(r"kkc validate \(Kestra Kafka config\)\.+Passed", result.stdout)
    assert re.search(r"kkc compiled outputs are up to date\.+Passed", result.stdout)


def test_broken_tree_fails_with_the_problem(repo: Path) -> None:
    prod = repo / "conf" / "env" / "prod.yaml"
    prod.write_text(prod.read_text().replace("replication-factor: 3", "replication-factor: 5"))
    result = run_hooks(repo)
    assert result.returncode == 1
    assert re.search(r"kkc validate \(Kestra Kafka config\)\.+Failed", result.stdout)
    assert "conf/env/prod.yaml:32:9: error [replication-factor-exceeds-brokers]" in result.stdout
    assert re.search(r"kkc compiled outputs are up to date\.+Failed", result.stdout)
    # The build check does not repeat the finding the validate hook printed: one line says why it stopped.
    assert result.stdout.count("[replication-factor-exceeds-brokers]") == 1
    assert "kkc: 1 error in the config (kkc validate lists them): build was not compared" in result.stdout


# --- the README's pre-commit configurations, copied as a user would ------------------------------

README_URL = "https://git.example.com/platform/kkc"


def readme_block(marker: str) -> str:
    """The indented code block that follows `<!-- marker -->` in the README."""
    after = (REPO / "README.md").read_text(encoding="utf-8").split(f"<!-- {marker} -->\n", 1)[1]
    lines = []
    for line in after.splitlines():
        if not line.startswith("    "):
            break
        lines.append(line[4:])
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def kkc_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The user's copy of the kkc repository: a clone of this one's HEAD, tagged v0.1.0."""
    if shutil.which("pre-commit", path=str(BIN)) is None:
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    if not (REPO / ".git").exists():
        pytest.skip(f"{REPO} is not a git checkout: pre-commit installs hooks from a git repository")
    copy = tmp_path_factory.mktemp("copy") / "kkc"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(copy)], check=True, capture_output=True)
    _git(copy, "tag", "v0.1.0")
    return copy


def commit_with_hooks(repo: Path, config: str) -> subprocess.CompletedProcess[str]:
    """A user's repository with the config committed and hooks installed; then a commit that breaks prod."""
    shutil.copytree(REPO / "conf", repo / "conf")
    subprocess.run([str(BIN / "kkc"), "compile", "--all", "--out", "build/"], cwd=repo, check=True, capture_output=True)
    (repo / ".pre-commit-config.yaml").write_text(config)
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "start")
    env = {**os.environ, "PRE_COMMIT_HOME": str(repo.parent / "pre-commit-home"), "NO_COLOR": "1"}
    subprocess.run([str(BIN / "pre-commit"), "install"], cwd=repo, env=env, check=True, capture_output=True)
    prod = repo / "conf" / "env" / "prod.yaml"
    prod.write_text(prod.read_text().replace("replication-factor: 3", "replication-factor: 5"))
    _git(repo, "add", "-A")
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-m", "more replicas"],
        cwd=repo,
        env={**env, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


@pytest.mark.parametrize("variant", ["precommit-remote", "precommit-local"])
def test_the_readme_config_works_when_copied(variant: str, kkc_copy: Path, tmp_path: Path) -> None:
    config = readme_block(variant)
    assert README_URL in config and "v0.1.0" in config
    result = commit_with_hooks(tmp_path / "user", config.replace(README_URL, kkc_copy.as_uri()))
    shown = result.stdout + result.stderr
    print(shown)
    assert result.returncode == 1, shown
    assert re.search(r"kkc validate \(Kestra Kafka config\)\.+Failed", shown)
    assert shown.count("conf/env/prod.yaml:32:9: error [replication-factor-exceeds-brokers]") == 1
    assert re.search(r"kkc compiled outputs are up to date\.+Failed", shown)
    assert "kkc: 1 error in the config (kkc validate lists them): build was not compared" in shown
    for line in readme_commit_transcript():  # what the README shows is what a user sees
        assert line in shown.splitlines(), line


def readme_commit_transcript() -> list[str]:
    """The README's failing commit, without pre-commit's one-time [INFO] lines."""
    after = (REPO / "README.md").read_text(encoding="utf-8").split('    $ git commit -m "more replicas"\n', 1)[1]
    lines = []
    for line in after.splitlines():
        if line and not line.startswith("    "):
            break
        if line.strip() and not line.startswith("    [INFO]"):
            lines.append(line[4:])
    assert len(lines) > 8
    return lines


# --- the deployed-files hook on compose files, Helm values and manifests --------------------------

DEPLOYED = {
    "docker-compose.yml": (
        "services:\n  kestra:\n    image: kestra/kestra:latest\n    environment:\n      KESTRA_CONFIGURATION: |\n"
        "        kestra:\n          queue:\n            type: kafka\n          kafka:\n            client:\n"
        "              properties:\n                bootstrap.servers: kafka:9092\n"
    ),
    "helm/values.yaml": (
        "configuration:\n  kestra:\n    queue:\n      type: kafka\nsecrets:\n  kestra:\n    kafka:\n"
        "      client:\n        properties:\n          bootstrap.servers: kafka:9092\n"
    ),
    "k8s/kestra-configmap.yaml": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kestra\ndata:\n  application.yml: |\n"
        "    kestra:\n      queue:\n        type: kafka\n      kafka:\n        client:\n          properties:\n"
        "            bootstrap.servers: kafka:9092\n"
    ),
    # a chart template: not passed to the hook (exclude), so its Go template never fails a commit
    "helm/templates/configmap.yaml": "data:\n{{ .Values.configuration | toYaml | indent 2 }}\n",
}


@pytest.fixture
def deployed(tmp_path: Path) -> Path:
    if shutil.which("pre-commit", path=str(BIN)) is None:
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    for name, text in DEPLOYED.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    local = [{**HOOKS["kkc-validate-deployed"], "language": "system"}]
    (tmp_path / ".pre-commit-config.yaml").write_text(yaml.safe_dump({"repos": [{"repo": "local", "hooks": local}]}))
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "start")
    return tmp_path


def test_deployed_files_hook_passes_good_files(deployed: Path) -> None:
    result = run_hooks(deployed)
    assert result.returncode == 0, result.stdout
    assert re.search(
        r"kkc validate \(Kestra config in Helm values, compose files, ConfigMaps and Secrets\)\.+Passed", result.stdout
    )


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("docker-compose.yml", "docker-compose.yml:13:17"),
        ("helm/values.yaml", "helm/values.yaml:11:11"),
        ("k8s/kestra-configmap.yaml", "k8s/kestra-configmap.yaml:14:13"),
    ],
)
def test_deployed_files_hook_fails_at_the_outer_line(deployed: Path, name: str, line: str) -> None:
    path = deployed / name
    text = path.read_text()
    setting = text.splitlines()[-1]
    indent = setting[: len(setting) - len(setting.lstrip())]
    path.write_text(text + f"{indent}acks: ALL\n")
    result = run_hooks(deployed)
    assert result.returncode == 1, result.stdout
    assert f"{line}: error [invalid-property-value]" in result.stdout
