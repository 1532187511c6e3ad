"""Teams tune the rules: levels under `rules:` (layered per target), --select/--ignore, and inline
`# kkc: disable=RULE-ID reason` comments, as a user sees them in kkc's output and exit codes."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import REPO, Run, kkc

# A 5-broker cluster whose topics keep 3 copies: otherwise clean.
CLUSTER = (
    "cluster:\n"
    "  brokers: 5\n"
    "kestra:\n"
    "  kafka:\n"
    "    client:\n"
    "      properties:\n"
    '        bootstrap.servers: "kafka-0:9092,kafka-1:9092,kafka-2:9092,kafka-3:9092,kafka-4:9092"\n'
    "    defaults:\n"
    "      topic:\n"
    "        replication-factor: 3\n"
    "        properties:\n"
    '          max.message.bytes: "10485760"\n'
)
BELOW = (
    "warning [replication-factor-below-brokers] the topic default replication factor 3 (used by 15 topics and "
    "Streams' internal topics) is below the 5 brokers declared: each partition keeps 3 copies, so it survives at "
    "most 2 brokers down; the Kestra documentation recommends the broker count: set it to 5 (Kestra never changes "
    "the factor of an existing topic: raise it on existing topics with kafka-reassign-partitions)"
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def validate(cwd: Path, *args: str) -> Run:
    """`kkc validate` with Kestra 0.20 (its Kafka client is public, 3.9): the text report without its header
    line, which tests/test_validate_cli.py covers."""
    run = kkc("validate", "--kestra-version", "0.20", *args, cwd=cwd)
    header, _, rest = run.out.partition("\n")
    if header.startswith("Checked as "):
        return replace(run, out=rest)
    return run


def lines(run: Run) -> list[str]:
    return run.out.splitlines()


def as_json(run: Run) -> dict:
    return json.loads(run.out)


# --- the demonstration -----------------------------------------------------------------------------


def test_one_line_of_rules_makes_a_five_broker_cluster_with_three_copies_clean(tmp_path: Path) -> None:
    write(tmp_path / "cluster.yml", CLUSTER)
    before = validate(tmp_path, "cluster.yml", "--strict")
    assert lines(before) == [
        f"cluster.yml:10:9: {BELOW}",
        "0 errors, 1 warning, 0 infos in 1 file; --strict: warnings fail the run",
    ]
    assert before.code == 1

    write(tmp_path / "cluster.yml", "rules: {replication-factor-below-brokers: off}\n" + CLUSTER)
    after = validate(tmp_path, "cluster.yml", "--strict")
    assert lines(after) == ["0 errors, 0 warnings, 0 infos in 1 file"]
    assert after.code == 0


# --- levels under rules: ---------------------------------------------------------------------------


# prod shares dev's cluster: its own prefixes keep the two instances apart
PROD_PREFIXES = "kestra:\n  kafka:\n    defaults:\n      topic-prefix: prod_\n      consumer-prefix: prod_\n"


def tree(tmp_path: Path, dev: str = "", prod: str = "", config: str = "") -> Path:
    """Two targets on 5 brokers with 3 copies: dev and prod, each adding its own lines."""
    conf = tmp_path / "conf"
    write(conf / "config.yaml", "defaults:\n  - _self_\n  - env: dev\n" + config + CLUSTER)
    write(conf / "env" / "dev.yaml", "# @package _global_\n" + dev)
    write(conf / "env" / "prod.yaml", "# @package _global_\n" + prod + PROD_PREFIXES)
    return conf


def test_levels_are_layered_per_target_dev_off_prod_error(tmp_path: Path) -> None:
    tree(
        tmp_path,
        dev="rules:\n  replication-factor-below-brokers: off\n",
        prod="rules:\n  replication-factor-below-brokers: error\n",
    )
    run = validate(tmp_path, "--all")
    assert lines(run) == [
        f"conf/config.yaml:13:9: {BELOW.replace('warning', 'error', 1)} (target prod)",
        "1 error, 0 warnings, 0 infos in 2 targets",
    ]
    assert run.code == 1
    assert validate(tmp_path, "env=dev").code == 0


def test_a_family_name_sets_every_rule_of_the_family_and_a_rule_id_beats_its_family(tmp_path: Path) -> None:
    tree(tmp_path, dev="rules:\n  replication: info\n", prod="rules:\n  replication: off\n")
    dev = validate(tmp_path, "env=dev")
    assert lines(dev)[0] == f"conf/config.yaml:13:9: {BELOW.replace('warning', 'info', 1)}"
    assert (
        validate(tmp_path, "env=prod").out == "0 errors, 0 warnings, 0 infos in 1 target (prod; --all checks all 2)\n"
    )
    # The rule id is more specific than its family, whichever layer sets each.
    tree(tmp_path, config="rules:\n  replication-factor-below-brokers: error\n", dev="rules:\n  replication: off\n")
    assert lines(validate(tmp_path, "env=dev"))[0].startswith("conf/config.yaml:15:9: error [replication-factor-")


def test_levels_from_an_override_and_from_a_root_dotted_key(tmp_path: Path) -> None:
    tree(tmp_path, dev="rules.replication-factor-below-brokers: off\n")
    assert lines(validate(tmp_path, "env=dev")) == [
        "conf/env/dev.yaml:2:1: info [dotted-key-expanded] dotted key 'rules.replication-factor-below-brokers' read "
        "as the nested path rules.replication-factor-below-brokers",
        "0 errors, 0 warnings, 1 info in 1 target (dev; --all checks all 2)",
    ]
    run = validate(tmp_path, "env=prod", "+rules.replication-factor-below-brokers=off")
    assert run.out == "0 errors, 0 warnings, 0 infos in 1 target (prod; --all checks all 2)\n"


def test_off_under_rules_is_a_level_not_a_yaml11_boolean(tmp_path: Path) -> None:
    write(tmp_path / "a.yml", "rules:\n  replication-factor-below-brokers: off\n" + CLUSTER)
    assert "yaml11-ambiguous" not in validate(tmp_path, "a.yml").out


def test_unknown_rule_bad_level_and_a_lowered_stage_error_are_errors_at_their_key(tmp_path: Path) -> None:
    write(
        tmp_path / "a.yml",
        "rules:\n"
        "  replication-factor-below-broker: off\n"
        "  literal-secret: warn\n"
        "  yaml-syntax: warning\n"
        "  security: [error]\n" + CLUSTER,
    )
    run = validate(tmp_path, "a.yml")
    assert lines(run) == [
        "a.yml:2:3: error [rule-level-invalid] rules.replication-factor-below-broker: no rule or family "
        "'replication-factor-below-broker'; did you mean 'replication-factor-below-brokers'?",
        "a.yml:3:3: error [rule-level-invalid] rules.literal-secret is 'warn'; a level is one of error, warning, "
        "info, off; did you mean 'warning'?",
        "a.yml:4:3: error [rule-level-invalid] rules.yaml-syntax: 'yaml-syntax' is an error that stops compilation "
        "(the target cannot be compiled at all), so it cannot be lowered or silenced: fix the input",
        "a.yml:5:3: error [rule-level-invalid] rules.security is 'list'; a level is one of error, warning, info, off",
        f"a.yml:15:9: {BELOW}",
        "4 errors, 1 warning, 0 infos in 1 file",
    ]
    assert run.code == 1


# --- --select and --ignore -------------------------------------------------------------------------


def test_ignore_and_select_take_rule_ids_and_families(tmp_path: Path) -> None:
    write(tmp_path / "a.yml", CLUSTER)
    clean = "0 errors, 0 warnings, 0 infos in 1 file\n"
    assert validate(tmp_path, "a.yml", "--strict", "--ignore", "replication-factor-below-brokers").out == clean
    assert validate(tmp_path, "a.yml", "--strict", "--ignore", "security,replication").code == 0
    assert validate(tmp_path, "a.yml", "--select", "security", "--select", "topics").out == clean
    assert lines(validate(tmp_path, "a.yml", "--select", "replication"))[0] == f"a.yml:10:9: {BELOW}"
    # --ignore wins over --select
    assert validate(tmp_path, "a.yml", "--select", "replication", "--ignore", "replication").out == clean


def test_select_filters_it_never_raises_a_rule_the_config_turned_off(tmp_path: Path) -> None:
    write(tmp_path / "a.yml", "rules:\n  replication-factor-below-brokers: off\n" + CLUSTER)
    assert validate(tmp_path, "a.yml", "--select", "replication-factor-below-brokers").out == (
        "0 errors, 0 warnings, 0 infos in 1 file\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--ignore", "replication-factor-below-broker"],
            "argument --ignore: no rule or family "
            "'replication-factor-below-broker'; did you mean 'replication-factor-below-brokers'?",
        ),
        (
            ["--select", "replicaton,security"],
            "argument --select: no rule or family 'replicaton'; did you mean 'replication'?",
        ),
        (
            ["--ignore", "yaml-syntax"],
            "argument --ignore: 'yaml-syntax' is an error that stops compilation (the "
            "target cannot be compiled at all), so it cannot be lowered or silenced: fix the input",
        ),
        (["--select", ","], "argument --select: give rule ids or family names, comma-separated (kkc rules lists them)"),
    ],
)
def test_unknown_names_are_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    write(tmp_path / "a.yml", CLUSTER)
    run = validate(tmp_path, "a.yml", *args)
    assert run.code == 2
    assert run.out == ""
    assert run.err.splitlines()[-1] == f"kkc: error: {message}"


def test_compile_takes_ignore_and_writes_what_an_error_would_stop(tmp_path: Path) -> None:
    tree(tmp_path)
    six = "kestra.kafka.defaults.topic.replication-factor=6"
    stopped = kkc("compile", "env=prod", six, "--out", "build", cwd=tmp_path)
    assert stopped.code == 1
    assert "error [replication-factor-exceeds-brokers]" in stopped.err
    tuned = kkc(
        "compile", "env=prod", six, "--out", "build", "--ignore", "replication-factor-exceeds-brokers", cwd=tmp_path
    )
    assert tuned.code == 0, tuned.err
    assert tuned.err == "kkc: wrote 6 files for 1 target under build\n"


# --- inline suppressions ---------------------------------------------------------------------------

RF_LINE = "        replication-factor: 3\n"


def test_yaml_trailing_comment_suppresses_and_the_summary_counts_it(tmp_path: Path) -> None:
    line = RF_LINE.rstrip("\n") + "  # kkc: disable=replication-factor-below-brokers the 5th broker is for ingest\n"
    write(tmp_path / "a.yml", CLUSTER.replace(RF_LINE, line))
    run = validate(tmp_path, "a.yml", "--strict")
    assert run.out == "0 errors, 0 warnings, 0 infos in 1 file (1 suppressed)\n"
    assert run.code == 0


def test_yaml_comment_line_above_suppresses(tmp_path: Path) -> None:
    above = "        # kkc: disable=replication-factor-below-brokers the 5th broker is for ingest\n"
    write(tmp_path / "a.yml", CLUSTER.replace(RF_LINE, above + "        # three copies\n" + RF_LINE))
    assert validate(tmp_path, "a.yml").out == "0 errors, 0 warnings, 0 infos in 1 file (1 suppressed)\n"


def test_a_family_name_in_a_comment_suppresses_the_family(tmp_path: Path) -> None:
    line = RF_LINE.rstrip("\n") + "  # kkc: disable=replication\n"
    write(tmp_path / "a.yml", CLUSTER.replace(RF_LINE, line))
    assert validate(tmp_path, "a.yml").out == "0 errors, 0 warnings, 0 infos in 1 file (1 suppressed)\n"


def test_unknown_id_and_unused_suppression_are_warnings_at_the_comment(tmp_path: Path) -> None:
    text = CLUSTER.replace(
        RF_LINE, RF_LINE.rstrip("\n") + "  # kkc: disable=replication-factor-below-broker,literal-secret typo\n"
    )
    write(tmp_path / "a.yml", text)
    run = validate(tmp_path, "a.yml")
    assert lines(run) == [
        f"a.yml:10:9: {BELOW}",
        "a.yml:10:32: warning [suppression-invalid] '# kkc: disable=replication-factor-below-broker' silences "
        "nothing: no rule or family 'replication-factor-below-broker'; did you mean "
        "'replication-factor-below-brokers'?",
        "a.yml:10:32: warning [suppression-unused] '# kkc: disable=literal-secret' silences nothing: no "
        "literal-secret finding on its own line; remove it",
        "0 errors, 3 warnings, 0 infos in 1 file",
    ]
    assert validate(tmp_path, "a.yml", "--strict").code == 1
    assert (
        validate(tmp_path, "a.yml", "--ignore", "tuning,replication").out == "0 errors, 0 warnings, 0 infos in 1 file\n"
    )


def test_a_comment_line_above_a_blank_line_silences_nothing_and_says_why(tmp_path: Path) -> None:
    write(tmp_path / "a.yml", "# kkc: disable=replication-factor-below-brokers\n\n" + CLUSTER)
    assert lines(validate(tmp_path, "a.yml"))[0] == (
        "a.yml:1:1: warning [suppression-unused] '# kkc: disable=replication-factor-below-brokers' silences "
        "nothing: a directive alone on its line applies to the line directly below it, and there is none (a blank "
        "line or the end of the file); put it directly above the line, or after it on the same line"
    )


def test_errors_that_stop_compilation_cannot_be_suppressed(tmp_path: Path) -> None:
    write(tmp_path / "a.yml", "a: 1  # kkc: disable=duplicate-key\na: 2  # kkc: disable=duplicate-key\n")
    run = validate(tmp_path, "a.yml")
    assert run.code == 1
    assert "error [duplicate-key]" in run.out
    write(tmp_path / "b.yml", CLUSTER.replace(RF_LINE, RF_LINE.rstrip("\n") + "  # kkc: disable=yaml-syntax\n"))
    assert lines(validate(tmp_path, "b.yml"))[1] == (
        "b.yml:10:32: warning [suppression-invalid] '# kkc: disable=yaml-syntax': 'yaml-syntax' is an error that "
        "stops compilation (the target cannot be compiled at all), so it cannot be lowered or silenced: fix the input"
    )


def test_a_suppressed_finding_is_not_counted_when_its_rule_is_off(tmp_path: Path) -> None:
    line = RF_LINE.rstrip("\n") + "  # kkc: disable=replication-factor-below-brokers\n"
    write(tmp_path / "a.yml", CLUSTER.replace(RF_LINE, line))
    run = validate(tmp_path, "a.yml", "--ignore", "replication")
    assert run.out == "0 errors, 0 warnings, 0 infos in 1 file\n"  # and the comment still counts as used


PROPS = "bootstrap.servers=kafka:9092\nacks=1\nenable.idempotence=true\n"


def test_properties_comment_lines_above_suppress_with_hash_or_bang(tmp_path: Path) -> None:
    write(tmp_path / "p.properties", PROPS)
    before = validate(tmp_path, "p.properties", "--as", "producer")
    assert [line.split(" [")[0] + " [" + line.split(" [")[1].split("]")[0] + "]" for line in lines(before)[:-1]] == [
        "p.properties:2:1: error [idempotence-conflict]",
    ]
    for mark in ("#", "!"):
        text = f"bootstrap.servers=kafka:9092\n{mark} kkc: disable=idempotence-conflict acks=1 on purpose\n"
        write(tmp_path / "p.properties", text + "acks=1\nenable.idempotence=true\n")
        run = validate(tmp_path, "p.properties", "--as", "producer")
        assert run.out == "0 errors, 0 warnings, 0 infos in 1 file (1 suppressed)\n", mark
        assert run.code == 0


def test_properties_trailing_comment_is_part_of_the_value_and_said_so(tmp_path: Path) -> None:
    text = "bootstrap.servers=kafka:9092\nlinger.ms=5 # kkc: disable=invalid-property-value\n"
    write(tmp_path / "p.properties", text)
    run = validate(tmp_path, "p.properties", "--as", "producer")
    assert run.code == 1
    found = lines(run)
    assert found[0].startswith("p.properties:2:1: error [invalid-property-value] Invalid value 5 # kkc: ")
    assert found[1] == (
        "p.properties:2:13: warning [suppression-invalid] a '#' after a value is part of the value in a .properties "
        "file (Java's Properties has no trailing comments), so Kafka reads this text as part of the value: put the "
        "directive on its own line directly above"
    )


# --- several targets -------------------------------------------------------------------------------


@pytest.fixture
def example(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "conf", tmp_path / "conf")
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_a_comment_in_an_env_file_suppresses_for_every_target_that_reads_the_line(example: Path) -> None:
    prod = example / "conf" / "env" / "prod.yaml"
    edit(prod, "  brokers: 3\n", "  brokers: 5\n")
    before = validate(example, "--all", "--format", "json")
    assert sorted(d["target"] for d in as_json(before)["diagnostics"] if d["level"] == "warning") == [
        "prod/eu1",
        "prod/eu2",
    ]
    edit(prod, "        replication-factor: 3\n", "        replication-factor: 3  # kkc: disable=replication ingest\n")
    run = validate(example, "--all")
    assert run.out.splitlines()[-1] == "0 errors, 0 warnings, 2 infos in 4 targets (1 suppressed)"
    one = validate(example, "env=prod", "instance=eu2")
    assert (
        one.out.splitlines()[-1]
        == "0 errors, 0 warnings, 1 info in 1 target (prod/eu2; --all checks all 4; 1 suppressed)"
    )
    doc = as_json(validate(example, "--all", "--format", "json"))
    assert doc["summary"] == {"errors": 0, "warnings": 0, "infos": 3, "suppressed": 2}
    assert [(s["target"], s["rule"], s["suppressed-by"]) for s in doc["suppressed"]] == [
        (
            t,
            "replication-factor-below-brokers",
            {"file": "conf/env/prod.yaml", "line": 32, "column": 32, "reason": "ingest"},
        )
        for t in ("prod/eu1", "prod/eu2")
    ]


def test_unused_is_reported_only_once_every_target_reading_the_file_is_checked(example: Path) -> None:
    # config.yaml is read by all 4 targets: checking dev alone cannot tell that no other target needs it.
    edit(example / "conf" / "config.yaml", "  kafka:\n", "  kafka:  # kkc: disable=literal-secret\n")
    assert "suppression-unused" not in validate(example, "env=dev").out
    assert lines(validate(example, "--all"))[0] == (
        "conf/config.yaml:25:11: warning [suppression-unused] '# kkc: disable=literal-secret' silences nothing: no "
        "literal-secret finding on its own line; remove it (all 4 targets)"
    )
    # dev.yaml is read by dev alone
    edit(example / "conf" / "env" / "dev.yaml", "cluster:\n", "cluster:  # kkc: disable=literal-secret\n")
    assert "conf/env/dev.yaml" in validate(example, "env=dev").out


def test_no_suppression_keeps_the_json_and_sarif_shapes(example: Path) -> None:
    doc = as_json(validate(example, "--all", "--format", "json"))
    assert set(doc) == {"diagnostics", "summary", "checked-as"}
    assert set(doc["summary"]) == {"errors", "warnings", "infos"}


def test_secrets_stay_hidden_in_a_suppressed_finding(tmp_path: Path) -> None:
    text = (
        "kestra:\n  kafka:\n    client:\n      properties:\n        bootstrap.servers: kafka:9092\n"
        "        security.protocol: SSL\n"
        "        ssl.truststore.location: /etc/ts.p12\n"
        "        ssl.truststore.password: hunter2-secret  # kkc: disable=literal-secret hunter2-secret: test store\n"
    )
    write(tmp_path / "a.yml", text)
    for fmt in ("text", "json", "sarif", "github"):
        run = validate(tmp_path, "a.yml", "--format", fmt)
        assert "hunter2-secret" not in run.out + run.err, fmt
    (silenced,) = as_json(validate(tmp_path, "a.yml", "--format", "json"))["suppressed"]
    assert (silenced["rule"], silenced["suppressed-by"]["reason"]) == ("literal-secret", "********: test store")


# --- where a level comes from ----------------------------------------------------------------------


def test_explain_shows_the_level_in_force_and_where_it_was_set(tmp_path: Path) -> None:
    tree(tmp_path, dev="rules:\n  replication-factor-below-brokers: off\n")
    run = kkc("explain", "rules.replication-factor-below-brokers", "env=dev", cwd=tmp_path)
    assert run.out == (
        'rules.replication-factor-below-brokers = "off"    [target dev]\n'
        "  set by (lowest layer first):\n"
        '    conf/env/dev.yaml:3:3                    env dev                  "off"\n'
        "  level: off (conf/env/dev.yaml:3:3, rules.replication-factor-below-brokers)\n"
    )
    prod = kkc("explain", "rules.replication-factor-below-brokers", "env=prod", cwd=tmp_path)
    assert prod.out == (
        "rules.replication-factor-below-brokers = (not set in any layer)    [target prod]\n  level: warning (default)\n"
    )
    ignored = kkc(
        "explain", "rules.replication-factor-below-brokers", "env=prod", "--ignore", "replication", cwd=tmp_path
    )
    assert ignored.out.splitlines()[-1] == "  level: off (--ignore)"
    doc = json.loads(kkc("explain", "rules.replication", "env=dev", "--format", "json", cwd=tmp_path).out)
    assert doc["levels"]["replication-factor-below-brokers"] == {
        "level": "off",
        "source": "conf/env/dev.yaml:3:3, rules.replication-factor-below-brokers",
    }
    assert doc["levels"]["replication-factor-exceeds-brokers"] == {"level": "error", "source": "default"}
    typo = kkc("explain", "rules.replicaton", "env=dev", cwd=tmp_path)
    assert typo.code == 1
    assert (
        typo.err
        == "kkc: error [unknown-key] 'rules.replicaton': no rule or family 'replicaton'; did you mean 'replication'?\n"
    )


def test_kkc_rule_shows_the_level_in_each_target(tmp_path: Path) -> None:
    tree(tmp_path, dev="rules:\n  replication-factor-below-brokers: off\n")
    run = kkc("rule", "replication-factor-below-brokers", cwd=tmp_path)
    assert run.out.splitlines()[:3] == [
        "replication-factor-below-brokers  (warning, replication)",
        "level: off (conf/env/dev.yaml:3:3, rules.replication-factor-below-brokers) in dev",
        "level: warning (default) in prod",
    ]
    one = kkc("rule", "replication-factor-below-brokers", "env=prod", "--ignore", "replication", cwd=tmp_path)
    assert one.out.splitlines()[1] == "level: off (--ignore) in prod"
    nowhere = kkc("rule", "replication-factor-below-brokers", cwd=tmp_path / "conf")  # no ./conf there
    assert nowhere.out.splitlines()[1] == "level: warning (default)"
    stage = kkc("rule", "yaml-syntax", cwd=tmp_path)
    assert stage.out.splitlines()[1] == "level: error (stops compilation: it cannot be lowered)"
    doc = json.loads(kkc("rule", "replication-factor-below-brokers", "--format", "json", cwd=tmp_path).out)
    assert doc["in-force"] == [
        {"level": "off", "source": "conf/env/dev.yaml:3:3, rules.replication-factor-below-brokers", "targets": ["dev"]},
        {"level": "warning", "source": "default", "targets": ["prod"]},
    ]


def test_rules_literal_secret_names_a_rule_its_level_is_no_secret(tmp_path: Path) -> None:
    write(tmp_path / "a.yml", "rules:\n  literal-secret: error\n" + CLUSTER)
    run = validate(tmp_path, "a.yml", "--select", "security,tuning")
    assert run.out == "0 errors, 0 warnings, 0 infos in 1 file\n"
    tree(tmp_path, dev="rules:\n  literal-secret: error\n")
    shown = kkc("explain", "rules.literal-secret", "env=dev", cwd=tmp_path)
    assert shown.out.splitlines()[0] == 'rules.literal-secret = "error"    [target dev]'
