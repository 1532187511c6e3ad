"""compiler.javaregex at its own interface: Java regular expressions checked with Python's re."""

from __future__ import annotations

import pytest

from compiler.javaregex import java_regex, java_regex_error


@pytest.mark.parametrize(
    "pattern",
    [
        r"\p{Alpha}+",
        r"\P{L}\pL",
        r"a*+b++",
        r"(?>ab)",
        r"(?<name>x)\k<name>",
        r"kestra_(?i)EXEC.*",
        r"(?d)x",
        r"\Qa.b(\E+",
        r"[a-z&&[^aeiou]]",
        r"\h+\R\z\G",
        r"\x{1F600}\e\cA\0101",
        r"(?<=ab|abc)x",
        r"(\w)\2",
        r"[\w-a]",
        r"a{2}{3}",
        r"{1}",
        r"^*\b+",
        r"\N{LATIN SMALL LETTER A}",
    ],
)
def test_valid_java_regexps_are_accepted(pattern: str) -> None:
    assert java_regex_error(pattern) is None


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("kestra_(exec", "unterminated subpattern"),
        ("exec)", "unbalanced parenthesis"),
        ("[abc", "unterminated character set"),
        ("*abc", "nothing to repeat"),
        ("a**", "multiple repeat"),
        ("a{3,2}", "min repeat greater than max repeat"),
        ("[z-a]", "bad character range"),
        (r"\y", "bad escape"),
        ("x{", "Illegal repetition"),
        ("a{,5}", "Illegal repetition"),
        ("(?P<n>x)", "Unknown inline modifier"),
        (r"\x4", "Illegal hexadecimal escape"),
    ],
)
def test_invalid_java_regexps_are_reported(pattern: str, reason: str) -> None:
    error = java_regex_error(pattern)
    assert error is not None and reason in error


def test_java_inline_flags_apply_when_matching() -> None:
    compiled = java_regex("kestra_(?i)EXECUTION")
    assert compiled is not None and compiled.fullmatch("kestra_execution")
