"""Rules: how a team tunes kkc itself, the `rules:` key and `# kkc: disable=...` comments.

The validate stage applies both (compiler/validate.py) and reports what it cannot apply under these
ids; they are declared here so that `kkc rules`, docs/rules.md and the examples cover them. They
have no check of their own.
"""

from __future__ import annotations

from compiler.rules.base import Rule, example

_FIVE_BROKERS = "cluster:\n  brokers: 5\nkestra:\n  kafka:\n    defaults:\n      topic:\n"

RULES: tuple[Rule, ...] = (
    Rule(
        id="rule-level-invalid",
        family="tuning",
        level="error",
        summary="An entry of rules: kkc cannot apply: an unknown rule or family, a bad level, a stage error lowered",
        why="The rules: key sets the level of a rule id or of a whole family (the family column of kkc rules) to "
        "error, warning, info or off. An entry kkc cannot apply (a misspelt id, a level such as 'warn') is "
        "ignored, so the tuning the team meant silently does not happen. Errors that stop compilation (invalid "
        "YAML, a missing reference) cannot be lowered: nothing is compiled to check. Error, like an unknown "
        "policy: kkc validate exits 1 until the entry is fixed.",
        failing=example("rules:\n  replication-factor-below-broker: off\n"),
        passing=example("rules:\n  replication-factor-below-brokers: off\n"),
    ),
    Rule(
        id="suppression-invalid",
        family="tuning",
        level="warning",
        summary="A '# kkc: disable=...' comment that names no rule, or that kkc cannot read as a directive",
        why="A '# kkc: disable=RULE-ID reason' comment silences the findings of RULE-ID (or of a whole family) on "
        "its line, or on the line directly below it when it stands alone. One that names an id kkc does not "
        "know (a typo), an error that stops compilation, or that is malformed silences nothing, so the finding "
        "it was meant for is still reported, or the typo hides that the finding is gone. In a .properties file "
        "a '#' after a value is part of the value Kafka reads. Warning: nothing is wrong with Kafka or Kestra.",
        failing=example(
            _FIVE_BROKERS + "        replication-factor: 3  # kkc: disable=replication-factor-below-broker 3 is ok\n"
        ),
        passing=example(
            _FIVE_BROKERS + "        replication-factor: 3  # kkc: disable=replication-factor-below-brokers 3 is ok\n"
        ),
    ),
    Rule(
        id="suppression-unused",
        family="tuning",
        level="warning",
        summary="A '# kkc: disable=...' comment that silences nothing",
        why="The finding a suppression was written for is gone (the value was fixed, or the comment is on the wrong "
        "line), so the comment only misleads the next reader, and it would silently hide a new finding of that "
        "rule on that line later. Reported once every target that reads the file is checked (always with --all). "
        "Warning, as ruff's RUF100 and eslint's unused-disable report: remove the comment.",
        failing=example(
            "kestra:\n  kafka:\n    defaults:\n      topic:\n"
            "        replication-factor: 1  # kkc: disable=replication-factor-below-brokers\n"
        ),
        passing=example(
            _FIVE_BROKERS + "        replication-factor: 3  # kkc: disable=replication-factor-below-brokers\n"
        ),
    ),
)
