"""`kkc validate` as a user runs it: exit codes, the four output formats, every target in one run."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.generate import generate
from tests.conftest import REPO, kkc

BROKEN_RF = "kestra:\n  kafka:\n    defaults:\n      topic:\n        partitions: 0\n"


@pytest.fixture
def conf(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "conf", tmp_path / "conf")
    return tmp_path / "conf"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_example_tree_is_clean() -> None:
    run = kkc("validate", "--all", cwd=REPO)
    assert run.code == 0, run.out
    # what it was checked against, 2 info lines (one shared by prod/eu1 and prod/eu2), and the count says 2
    lines = run.out.splitlines()
    assert (
        lines[0] == "Checked as Kestra 1.3 Enterprise (cluster.kestra-version) with Kafka 4.1 (cluster.kafka-version)"
    )
    assert lines[-1] == "0 errors, 0 warnings, 2 infos in 4 targets"
    assert len(lines) == 4


def test_every_problem_of_every_target_in_one_run(conf: Path) -> None:
    write(
        conf / "env" / "dev.yaml",
        "# @package _global_\nkestra:\n  kafka:\n    defaults:\n      topic:\n        partitions: 0\n",
    )
    write(conf / "instance" / "eu2.yaml", "# @package _global_\nkestra: [unclosed\n")
    run = kkc("validate", "--all", "--config-dir", str(conf), "--format", "json")
    assert run.code == 1
    doc = json.loads(run.out)
    by_target = {(d["target"], d["rule"]) for d in doc["diagnostics"]}
    assert ("dev", "invalid-value") in by_target
    assert ("prod/eu2", "yaml-syntax") in by_target
    assert doc["summary"]["errors"] == sum(1 for d in doc["diagnostics"] if d["level"] == "error")


def test_minus_one_partitions_or_replication_factor_is_the_brokers_default(tmp_path: Path) -> None:
    # CreateTopics takes -1 for either (KIP-464): the real broker applies num.partitions and
    # default.replication.factor; -2 and 0 it refuses.
    for field, value, errors in (("partitions", -1, 0), ("replication-factor", -1, 0), ("partitions", -2, 1)):
        text = f"cluster:\n  brokers: 1\nkestra:\n  kafka:\n    topics:\n      logentry:\n        {field}: {value}\n"
        run = kkc("validate", str(write(tmp_path / f"{field}{value}.yml", text)), "--format", "json")
        found = [d for d in json.loads(run.out)["diagnostics"] if d["level"] == "error"]
        assert len(found) == errors, (field, value, found)


def test_json_record_shape(tmp_path: Path) -> None:
    path = write(tmp_path / "application.yml", BROKEN_RF)
    run = kkc("validate", str(path), "--format", "json")
    assert run.code == 1
    doc = json.loads(run.out)
    assert set(doc) == {"diagnostics", "summary", "checked-as"}
    assert doc["checked-as"] == {
        str(path): {"kestra": "1.3", "kestra-from": "assumed", "kafka": ["3.9", "4.3"], "kafka-from": "kestra"}
    }
    assert set(doc["summary"]) == {"errors", "warnings", "infos"}
    record = next(d for d in doc["diagnostics"] if d["rule"] == "invalid-value")
    assert record == {
        "file": str(path),
        "line": 5,
        "column": 9,
        "key": "kestra.kafka.defaults.topic.partitions",
        "level": "error",
        "rule": "invalid-value",
        "message": (
            "'kestra.kafka.defaults.topic.partitions' is 0; it must be at least 1 (or -1 for the broker's default)"
        ),
        "target": str(path),
    }


def test_text_format_lines(tmp_path: Path) -> None:
    path = write(tmp_path / "application.yml", BROKEN_RF)
    run = kkc("validate", str(path))
    assert f"{path}:5:9: error [invalid-value] 'kestra.kafka.defaults.topic.partitions' is 0" in run.out
    assert re.search(r"^\d+ errors?, \d+ warnings?, \d+ infos? in 1 file$", run.out, re.M)


def test_github_annotations(tmp_path: Path) -> None:
    path = write(tmp_path / "application.yml", BROKEN_RF)
    run = kkc("validate", str(path), "--format", "github")
    assert (
        f"::error file={path},line=5,col=9,title=invalid-value::'kestra.kafka.defaults.topic.partitions' is 0"
        in run.out
    )


def test_sarif_has_results_with_regions(tmp_path: Path) -> None:
    path = write(tmp_path / "application.yml", BROKEN_RF)
    doc = json.loads(kkc("validate", str(path), "--format", "sarif").out)
    assert doc["version"] == "2.1.0"
    run = doc["runs"][0]
    result = next(r for r in run["results"] if r["ruleId"] == "invalid-value")
    assert result["level"] == "error"
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 5, "startColumn": 9}
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "invalid-value"


def test_warnings_pass_unless_strict(tmp_path: Path) -> None:
    path = write(
        tmp_path / "application.yml",
        "kestra:\n  kafka:\n    defaults:\n      topicPrefix: acme_\n      consumerPrefix: acme_\n",
    )
    assert kkc("validate", str(path)).code == 0
    run = kkc("validate", str(path), "--strict")
    assert run.code == 1 and "[camel-case-key]" in run.out


def test_yaml_syntax_error_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    path = write(tmp_path / "application.yml", "kestra:\n  kafka: {\n")
    run = kkc("validate", str(path))
    assert run.code == 1
    assert f"{path}:3:1: error [yaml-syntax]" in run.out
    assert "Traceback" not in run.out + run.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["missing.yml"], "no such file: missing.yml"),
        (["env=nope"], "unknown env 'nope'"),
        (["--kafka-version", "2.8"], "'2.8' is not a Kafka version kkc knows"),
        (["--brokers", "zero"], "'zero' is not a whole number"),
        (["client.properties"], "say which client reads it with --as admin|consumer|producer|streams"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str, tmp_path: Path) -> None:
    write(tmp_path / "client.properties", "acks=all\n")
    shutil.copytree(REPO / "conf", tmp_path / "conf")
    run = kkc("validate", *args, cwd=tmp_path)
    assert run.code == 2, run.out + run.err
    assert message in run.err


def test_properties_file_as_producer(tmp_path: Path) -> None:
    path = write(tmp_path / "client.properties", "# a producer\nbootstrap.servers=a:9092\nacks=all\n")
    run = kkc("validate", str(path), "--as", "producer")
    assert run.code == 0, run.out


def test_secret_values_never_printed(tmp_path: Path) -> None:
    secret = "s3cr3t-Planted-Value"
    path = write(
        tmp_path / "application.yml",
        (
            "kestra:\n  kafka:\n    client:\n      properties:\n"
            f"        ssl.keystore.password: {secret}\n"
            "        sasl.jaas.config: 'org.apache.kafka.common.security.plain.PlainLoginModule required "
            f'username="u" password="{secret}";\'\n'
            f"        ssl.key.password: {secret}\n"
        ),
    )
    for fmt in ("text", "json", "github", "sarif"):
        run = kkc("validate", str(path), "--format", fmt)
        assert secret not in run.out + run.err, fmt


def test_control_characters_are_escaped_in_every_message(tmp_path: Path) -> None:
    path = write(tmp_path / "application.yml", 'kestra:\n  kafka:\n    defaults:\n      topic-prefix: "a\\e[31mX_"\n')
    for fmt in ("text", "json", "github"):
        run = kkc("validate", str(path), "--format", fmt)
        assert "\x1b" not in run.out + run.err
    assert "'a\\x1b[31mX_'" in kkc("validate", str(path)).out


def test_empty_out_is_refused() -> None:
    run = kkc("compile", "--out", "", cwd=REPO)
    assert run.code == 2 and "an empty directory name" in run.err


def _on_a_terminal(args: list[str], env: dict[str, str]) -> str:
    """Run kkc with stdout on a pseudo-terminal, as a person at a shell would."""
    import pty

    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "compiler", *args], stdout=follower, stderr=follower, cwd=REPO, env=env
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait()
    os.close(leader)
    return b"".join(chunks).decode()


def test_colour_only_on_a_terminal_and_never_with_no_color(tmp_path: Path) -> None:

    path = write(tmp_path / "application.yml", BROKEN_RF)
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    assert "\x1b[31merror\x1b[0m" in _on_a_terminal(["validate", str(path)], env)
    assert "\x1b[" not in _on_a_terminal(["validate", str(path)], {**env, "NO_COLOR": "1"})
    assert "\x1b[" not in kkc("validate", str(path)).out


def test_github_annotation_of_a_bundled_default_points_at_the_users_file(tmp_path: Path) -> None:
    path = write(tmp_path / "application.yml", "kestra:\n  queue:\n    type: kafka\n")
    run = kkc("validate", str(path), "--format", "github")
    lines = [line for line in run.out.splitlines() if "max-request-size-above-max-message-bytes" in line]
    assert lines and all(line.startswith(f"::notice file={path},line=1,col=1,title=") for line in lines)
    assert all("::(<kestra-defaults>:23:11) the producer's max.request.size" in line for line in lines)


def test_a_key_twice_in_a_properties_file_is_a_warning(tmp_path: Path) -> None:
    """Kafka starts with the later value (its constructors accept the file): a risk, not a refusal."""
    path = write(tmp_path / "client.properties", "bootstrap.servers=k:9092\nacks=all\nlinger.ms=5\nacks=1\n")
    run = kkc("validate", str(path), "--as", "producer")
    assert run.code == 0, run.out
    assert f"{path}:4:1: warning [duplicate-property] 'acks' is set twice (first at line 2)" in run.out


def test_an_explicit_key_beside_a_merge_key_keeps_its_own_position(tmp_path: Path) -> None:
    path = write(
        tmp_path / "application.yml",
        "base: &t\n  partitions: 4\nkestra:\n  kafka:\n    topics:\n"
        "      flow:\n        <<: *t\n        partitions: 0\n",
    )
    assert (
        f"{path}:8:9: error [invalid-value] 'kestra.kafka.topics.flow.partitions' is 0"
        in kkc("validate", str(path)).out
    )


def test_one_target_names_itself_and_how_many_others_there_are() -> None:
    run = kkc("validate", cwd=REPO)
    assert run.code == 0
    assert run.out.splitlines()[-1] == "0 errors, 0 warnings, 0 infos in 1 target (dev; --all checks all 4)"


def test_strict_says_why_warnings_fail(tmp_path: Path) -> None:
    path = write(tmp_path / "application.yml", "# only a comment\n")
    run = kkc("validate", str(path), "--strict", "--brokers", "1")
    assert run.code == 1
    assert run.out.splitlines()[-1].endswith("in 1 file; --strict: warnings fail the run")


_ENV_PROVIDER = (
    "config.providers=env\nconfig.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider\n"
)


def test_config_provider_references_are_run_time_values_kafka_resolves(tmp_path: Path) -> None:
    """`${env:NAME}` with `env` declared: not a literal secret, not a placeholder to replace before Kafka reads it."""
    path = write(
        tmp_path / "client.properties",
        "bootstrap.servers=kafka:9092\nsecurity.protocol=SASL_SSL\nsasl.mechanism=PLAIN\n"
        + _ENV_PROVIDER
        + "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required "
        'username="kestra" password="${env:KAFKA_PASSWORD}";\n',
    )
    run = kkc("validate", str(path), "--as", "producer")
    assert run.code == 0, run.out
    assert run.out.splitlines() == [
        "Checked as Kafka 4.3 (assumed: the latest kkc knows; set --kafka-version)",
        "0 errors, 0 warnings, 0 infos in 1 file",
    ]


def test_a_config_provider_reference_without_its_provider(tmp_path: Path) -> None:
    path = write(
        tmp_path / "client.properties", "bootstrap.servers=kafka:9092\nclient.id=${file:/etc/kafka/ids:kestra}\n"
    )
    run = kkc("validate", str(path), "--as", "consumer")
    assert run.code == 0, run.out
    assert run.out.splitlines() == [
        "Checked as Kafka 4.3 (assumed: the latest kkc knows; set --kafka-version)",
        f"{path}:2:1: warning [config-provider-undeclared] client.id: ${{file:/etc/kafka/ids:kestra}} is written as "
        "a Kafka config-provider reference, but the file sets no config.providers: Kafka passes the text on as the "
        "value itself; add config.providers=file and "
        "config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider",
        "0 errors, 1 warning, 0 infos in 1 file",
    ]


@pytest.mark.parametrize(
    ("version", "advice"),
    [
        ("4.3", "${env:KAFKA_SSL_TRUSTSTORE_PASSWORD} with config.providers=env and config.providers.env.class="),
        ("3.4", "${file:/etc/kafka/secrets.properties:ssl.truststore.password} with config.providers=file"),
    ],
)
def test_literal_secret_in_a_client_file_advises_a_config_provider(tmp_path: Path, version: str, advice: str) -> None:
    """A plain client file is read by Kafka, not Kestra: a Kestra placeholder would reach the client as text."""
    path = write(
        tmp_path / "client.properties",
        "bootstrap.servers=kafka:9092\nsecurity.protocol=SSL\nssl.truststore.location=/etc/kafka/truststore.jks\n"
        "ssl.truststore.password=hunter22\n",
    )
    run = kkc("validate", str(path), "--as", "consumer", "--kafka-version", version)
    assert f"{path}:4:1: warning [literal-secret] ssl.truststore.password holds a literal value" in run.out
    assert f"write a config-provider reference such as {advice}" in run.out
    assert "hunter22" not in run.out and "Kestra" not in run.out


def test_the_header_says_what_each_target_was_checked_against(conf: Path) -> None:
    """Targets that differ get a line each, naming them; a declared release names where it came from."""
    write(conf / "env" / "dev.yaml", '# @package _global_\ncluster:\n  kestra-version: "0.6"\n  kafka-version: null\n')
    run = kkc("validate", "--all", "--config-dir", str(conf))
    assert run.out.splitlines()[:2] == [
        "Checked as Kestra 0.6 open source (cluster.kestra-version) with Kafka 3.1 (the client Kestra 0.6 ships) (dev)",
        "Checked as Kestra 1.3 Enterprise (cluster.kestra-version) with Kafka 4.1 (cluster.kafka-version) "
        "(staging/eu1, prod/eu1, prod/eu2)",
    ]
    run = kkc("validate", "--all", "--config-dir", str(conf), "--kestra-version", "0.20", "--kafka-version", "3.9")
    assert (
        run.out.splitlines()[0]
        == "Checked as Kestra 0.20 Enterprise (--kestra-version) with Kafka 3.9 (--kafka-version)"
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0.3", "'0.3': kkc knows Kestra from 0.4 (earlier releases named their topics differently)"),
        ("latest", "'latest': write a Kestra release as X.Y or X.Y.Z, for example 1.3 or 0.20"),
    ],
)
def test_a_kestra_version_kkc_does_not_know_is_a_usage_error(value: str, message: str) -> None:
    run = kkc("validate", "--all", "--kestra-version", value, cwd=REPO)
    assert run.code == 2 and message in run.err


def test_a_kestra_version_yaml_reads_as_a_number_says_to_quote_it(tmp_path: Path) -> None:
    path = write(tmp_path / "application.yml", "cluster:\n  kestra-version: 0.20\nkestra:\n  queue:\n    type: kafka\n")
    run = kkc("validate", str(path))
    assert run.code == 1
    assert (
        f"{path}:2:3: error [wrong-type] 'cluster.kestra-version' must be string, not float 0.2: quote it as "
        'written ("4.1", "0.20"): YAML reads 0.20 as the number 0.2'
    ) in run.out


def test_enterprise_stream_and_executor_settings_are_accepted(tmp_path: Path) -> None:
    """Kestra's performance notes: Streams poll.ms/commit.interval.ms at 25 ms, executor.stream-threads (1.0.1+)."""
    path = write(
        tmp_path / "application.yml",
        "kestra:\n  queue:\n    type: kafka\n  kafka:\n    client:\n      properties:\n"
        "        bootstrap.servers: kafka:9092\n    executor:\n      stream-threads: 0\n"
        "    defaults:\n      stream:\n        properties:\n          poll.ms: 25\n          commit.interval.ms: 25\n",
    )
    run = kkc("validate", str(path), "--brokers", "1", "--format", "json")
    assert run.code == 0
    assert [d["rule"] for d in json.loads(run.out)["diagnostics"] if d["level"] != "info"] == []
    run = kkc("validate", str(path), "--brokers", "1", "--kestra-version", "0.20", "--format", "json")
    [info] = [d for d in json.loads(run.out)["diagnostics"] if d["rule"] == "key-before-kestra-version"]
    assert info["level"] == "info" and info["key"] == "kestra.kafka.executor.stream-threads"


def test_an_env_file_without_its_package_header_is_an_error_when_its_settings_are_lost(conf: Path) -> None:
    prod = conf / "env" / "prod.yaml"
    lines = prod.read_text().splitlines(keepends=True)
    assert lines[0].startswith("# @package _global_")
    prod.write_text("".join(lines[1:]))
    run = kkc("validate", "--config-dir", str(conf), "env=prod", "instance=eu1")
    assert run.code == 1
    assert "error [group-file-not-global]" in run.out
    assert "its kestra:, cluster:, policy: settings are not applied at all" in run.out
    built = kkc("compile", "--config-dir", str(conf), "env=prod", "instance=eu1", "--out", str(conf.parent / "out"))
    assert built.code == 1 and not (conf.parent / "out").exists()


def test_keys_placed_under_the_group_on_purpose_are_a_warning(conf: Path) -> None:
    write(conf / "env" / "dev.yaml", "name: dev\n")  # read through ${env.name}, as Hydra allows
    run = kkc("validate", "--config-dir", str(conf), "env=dev")
    assert "warning [group-file-not-global]" in run.out and "not applied at all" not in run.out


def test_a_default_option_without_its_file_is_reported_by_validate_all(conf: Path) -> None:
    config = conf / "config.yaml"
    config.write_text(config.read_text().replace("  - env: dev\n", "  - env: devv\n", 1))
    run = kkc("validate", "--all", "--config-dir", str(conf))
    assert run.code == 0, run.out
    assert "warning [defaults-option-missing] the defaults list chooses env 'devv'" in run.out
    assert "did you mean 'dev'?" in run.out
    alone = kkc("validate", "--config-dir", str(conf))
    assert alone.code == 1 and "error [defaults-list]" in alone.out + alone.err


def test_a_trailing_comment_in_a_properties_file_is_explained(tmp_path: Path) -> None:
    props = write(tmp_path / "p.properties", "bootstrap.servers=localhost:9092\nlinger.ms=5 # batch a little\n")
    run = kkc("validate", str(props), "--as", "producer")
    assert run.code == 1
    assert "Invalid value 5 # batch a little for configuration linger.ms" in run.out
    assert "Java's Properties has no trailing comments: the text after the value is part of what Kafka reads" in run.out


def test_kkcs_own_property_files_need_no_as(tmp_path: Path) -> None:
    assert kkc("compile", "--all", "--out", str(tmp_path / "build"), cwd=REPO).code == 0
    files = [str(tmp_path / "build" / "prod" / "eu1" / f"{role}.properties") for role in ("admin", "producer")]
    run = kkc("validate", *files)
    assert run.code == 0, run.out + run.err
    assert "in 2 files" in run.out


def test_a_file_with_no_kestra_setting_gets_no_findings_about_kestras_defaults(tmp_path: Path) -> None:
    other = write(tmp_path / "akhq.yaml", "akhq:\n  connections:\n    local:\n      properties:\n        a: b\n")
    run = kkc("validate", str(other))
    assert "warning [no-kestra-settings]" in run.out
    assert "<kestra-defaults>" not in run.out
    assert "0 errors, 1 warning, 0 infos in 1 file" in run.out


def test_github_annotations_of_an_override_point_at_no_file() -> None:
    bad = kkc("validate", "env=dev", "kestra.kafka.defaults.topic.partitons=3", "--format", "github", cwd=REPO)
    assert bad.out.startswith("::error title=bad-override::override 'kestra.kafka.defaults.topic.partitons=3'")
    value = kkc(
        "validate",
        "env=dev",
        "+kestra.kafka.topics.execution.properties.min.insync.replicas=0",
        "--format",
        "github",
        cwd=REPO,
    )
    line = next(x for x in value.out.splitlines() if "invalid-property-value" in x)
    assert line.startswith("::error title=invalid-property-value::(<override #2 ")
    assert "file=" not in line


def test_a_key_an_override_creates_is_reported_at_the_override() -> None:
    run = kkc("validate", "env=dev", "+kestra.kafka.topics.executions.name=x", cwd=REPO)
    line = next(x for x in run.out.splitlines() if "[unknown-topic-key]" in x)
    assert line.startswith("<override #2 '+kestra.kafka.topics.executions.name=x'>: warning [unknown-topic-key]")


@pytest.mark.parametrize(
    ("line", "broken", "where", "said"),
    [
        (31, "       partitions: 16", "31:8", "line 32 is indented deeper than line 31 ('partitions: 16'), which"),
        (31, "        partitions 16", "31:9", "'partitions 16' has no ':' after its key, so YAML reads line 32 as"),
        (23, '        security.protocol: "SASL_SSL', "23:28", "a double-quoted string opened here is not closed"),
    ],
)
def test_a_yaml_mistake_is_reported_where_it_is_not_where_the_parser_trips(
    conf: Path, line: int, broken: str, where: str, said: str
) -> None:
    prod = conf / "env" / "prod.yaml"
    lines = prod.read_text().splitlines()
    assert lines[line - 1].strip().split(":")[0] == broken.strip().split(":")[0].split(" ")[0]
    lines[line - 1] = broken
    prod.write_text("\n".join(lines) + "\n")
    run = kkc("validate", "--config-dir", str(conf), "env=prod", "instance=eu1")
    assert f"{prod}:{where}: error [yaml-syntax] invalid YAML: {said}" in run.out + run.err


def test_a_value_holding_colon_space_still_says_quote_it(tmp_path: Path) -> None:
    path = write(tmp_path / "a.yml", "kestra:\n  kafka:\n    defaults:\n      topic-prefix: a: b\n")
    run = kkc("validate", str(path))
    assert "a value holding ': ' must be quoted" in run.out + run.err


@pytest.mark.parametrize("size", ["small", "large"])
def test_console_script_prints_everything_and_keeps_the_exit_code(size: str, tmp_path: Path) -> None:
    """`kkc` skips the interpreter's teardown: all its output is flushed first, a few lines (which sit
    in stdout's buffer) or more than a pipe holds."""

    conf = tmp_path / "conf"
    generate(120, conf)
    for instance in (conf / "instance").glob("*.yaml"):  # a key twice: an error in each file
        instance.write_text(instance.read_text(encoding="utf-8") + "kestra: {}\n", encoding="utf-8")
    if size == "small":
        args = ["validate", "--no-cache", str(conf / "instance" / "dev-000.yaml")]
    else:
        args = ["validate", "--all", "--no-cache", "--format", "sarif", "--config-dir", str(conf)]
    inside = kkc(*args)
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    proc = subprocess.run(
        [sys.executable, "-m", "compiler", *args], capture_output=True, text=True, check=False, env=buffered
    )
    assert (len(proc.stdout) > 65536) == (size == "large")
    assert (proc.returncode, proc.stdout, proc.stderr) == (inside.code, inside.out, inside.err)
    assert proc.returncode == 1


@pytest.mark.parametrize(("args", "closed"), [(["--version"], ">&-"), (["validate", "--no-cache", "CONF"], "2>&-")])
def test_console_script_with_a_closed_stdout_or_stderr_exits_as_before(args: list[str], closed: str) -> None:
    """A closed descriptor makes sys.stdout or sys.stderr None: nothing to flush, not a crash."""

    argv = [sys.executable, "-m", "compiler", *(str(REPO / "conf" / "config.yaml") if a == "CONF" else a for a in args)]
    proc = subprocess.run(
        ["sh", "-c", f"exec {shlex.join(argv)} {closed}"], capture_output=True, text=True, check=False, cwd=REPO
    )
    assert (proc.returncode, proc.stderr) == (0, "")
