"""compiler.javaregex at its own interface: Java regular expressions checked with Python's re."""

from __future__ import annotations

import re

import pytest

from compiler.javaregex import Translation, alternatives, java_regex, java_regex_error, translate


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


# --- translate: the Python pattern, flags and Java-only errors for each construct -------------------


@pytest.mark.parametrize(
    ("java", "pattern", "flags"),
    [
        # Java accepts these and Python's re does not (or reads them otherwise): translated
        pytest.param(r"\Qa.b(\E+", r"a\.b\(+", 0, id="quote-block"),
        pytest.param(r"x\Q[*]\Ey", r"x\[\*\]y", 0, id="quote-block-mid-pattern"),
        pytest.param(r"\Qa.b", r"a\.b", 0, id="quote-block-without-end"),
        pytest.param(r"\Q\E", "", 0, id="empty-quote-block"),
        pytest.param(r"\p{Alpha}+", r"\w+", 0, id="posix-class-as-word"),
        pytest.param(r"\pL", r"\w", 0, id="one-letter-category"),
        pytest.param(r"\P{Digit}", r"\W", 0, id="negated-class-as-non-word"),
        pytest.param(r"\p{Alpha", r"\w", 0, id="unclosed-property-swallows-the-rest"),
        pytest.param(r"(?<name>x)\k<name>", r"(?P<name>x)(?P=name)", 0, id="named-group-and-backreference"),
        pytest.param(r"(?<=a)b(?<!c)", r"(?<=a)b(?<!c)", 0, id="look-behind-kept"),
        pytest.param(r"(?i)abc", "(?:)abc", re.I, id="leading-inline-flag"),
        pytest.param(r"a(?i)bc", "a(?:)bc", re.I, id="inline-flag-mid-pattern-applies-to-all"),
        pytest.param(r"(?s)a.b", "(?:)a.b", re.S, id="inline-dotall"),
        pytest.param(r"(?m)^a$", "(?:)^a$", re.M, id="inline-multiline"),
        pytest.param(r"(?x) a b ", "(?:) a b ", re.X, id="inline-verbose"),
        pytest.param(r"(?idmsuxU)x", "(?:)x", re.I | re.M | re.S | re.X, id="every-java-flag"),
        pytest.param(r"(?d)x", "(?:)x", 0, id="unix-lines-flag-dropped"),
        pytest.param(r"(?U)x", "(?:)x", 0, id="unicode-class-flag-dropped"),
        pytest.param(r"(?-i)x", "(?:)x", 0, id="flag-off-dropped"),
        pytest.param(r"a(?i:b)c", "a(?i:b)c", 0, id="scoped-flag-kept"),
        pytest.param(r"(?iu:b)", "(?i:b)", 0, id="scoped-java-only-flag-dropped"),
        pytest.param(r"(?im-sx:b)", "(?im-sx:b)", 0, id="scoped-flags-on-and-off"),
        pytest.param(r"(?u-d:b)", "(?:b)", 0, id="scoped-java-only-flags-leave-a-plain-group"),
        pytest.param(r"[a-z&&[^e]]", r"[a-z&&[^e]]", 0, id="class-intersection-passed-through"),
        pytest.param(r"[a-z[0-9]]", r"[a-z[0-9]]", 0, id="class-union-passed-through"),
        pytest.param(r"\h\H\V", r"\s\S\S", 0, id="horizontal-and-vertical-space"),
        pytest.param(r"\R", r"\s", 0, id="linebreak-as-one-space"),
        pytest.param(r"\X", r"\w", 0, id="grapheme-as-word"),
        pytest.param(r"a\z", r"a\Z", 0, id="end-of-input"),
        pytest.param(r"\Ga", "(?:)a", 0, id="end-of-previous-match-dropped"),
        pytest.param(r"[\z\G]", "[zG]", 0, id="anchors-in-a-class-are-letters"),
        pytest.param(r"\b{g}", r"\b", 0, id="grapheme-boundary"),
        pytest.param(r"\e", r"\x1b", 0, id="escape-character"),
        pytest.param(r"\cA\cJ", r"\U00000001\U0000000a", 0, id="control-characters"),
        pytest.param(r"\0101\07\0377", r"\U00000041\U00000007\U000000ff", 0, id="octal-escapes"),
        pytest.param(r"\0400", r"\U000000200", 0, id="octal-escape-stops-at-0377"),
        pytest.param(r"\x{41}\x{1F600}", r"\U00000041\U0001f600", 0, id="braced-hex-escapes"),
        pytest.param(r"\x{110000}", "a", 0, id="hex-escape-beyond-unicode-becomes-a-letter"),
        # the same meaning in both engines: left as written
        pytest.param(r"a*+b++c?+a{2,3}+", r"a*+b++c?+a{2,3}+", 0, id="possessive-quantifiers"),
        pytest.param(r"(?>ab)", r"(?>ab)", 0, id="atomic-group"),
        pytest.param(r"\x41\u0041", r"\x41\u0041", 0, id="plain-hex-escapes"),
        pytest.param(r"\N{LATIN SMALL LETTER A}", r"\N{LATIN SMALL LETTER A}", 0, id="named-character"),
        pytest.param(r"\v", r"\v", 0, id="vertical-space-left-to-python"),
        pytest.param(r"[^a-z]", r"[^a-z]", 0, id="negated-class"),
        pytest.param(r"[]a]", r"[]a]", 0, id="bracket-first-in-a-class"),
        pytest.param(r"(?<=ab|abc)x", r"(?<=ab|abc)x", 0, id="variable-length-look-behind"),
        pytest.param(r"a{2}{3}", r"a{2}{3}", 0, id="repeated-repetition"),
        pytest.param("", "", 0, id="empty"),
    ],
)
def test_translate(java: str, pattern: str, flags: int) -> None:
    assert translate(java) == Translation(pattern, flags, ())


@pytest.mark.parametrize(
    ("java", "pattern", "errors"),
    [
        pytest.param(r"\U0041", "U0041", (r"Illegal/unsupported escape sequence \U near index 1",), id="capital-u"),
        pytest.param(r"\u004", "u004", (r"Illegal/unsupported escape sequence \u near index 1",), id="short-u"),
        pytest.param(r"\x4", "x4", ("Illegal hexadecimal escape sequence near index 1",), id="short-x"),
        pytest.param(r"\xG1", "xG1", ("Illegal hexadecimal escape sequence near index 1",), id="x-not-hex"),
        pytest.param(
            r"\x{}",
            "x{}",
            ("Illegal hexadecimal escape sequence near index 1", "Illegal repetition near index 2"),
            id="empty-braced-x",
        ),
        pytest.param(r"\0", "0", ("Illegal octal escape sequence near index 1",), id="bare-zero"),
        pytest.param(r"\08", "08", ("Illegal octal escape sequence near index 1",), id="zero-then-8"),
        pytest.param("x{", "x{", ("Illegal repetition near index 1",), id="open-brace"),
        pytest.param("a{,5}", "a{,5}", ("Illegal repetition near index 1",), id="repetition-without-minimum"),
        pytest.param(r"\N{X", r"\N{X", ("Illegal repetition near index 2",), id="unclosed-named-character"),
        pytest.param("(?P<n>x)", "(?P<n>x)", ("Unknown inline modifier near index 2",), id="python-named-group"),
        pytest.param("(?#note)", "(?#note)", ("Unknown inline modifier near index 2",), id="python-comment"),
        pytest.param("(?(1)a|b)", "(?(1)a|b)", ("Unknown inline modifier near index 2",), id="python-conditional"),
    ],
)
def test_translate_finds_java_only_errors(java: str, pattern: str, errors: tuple[str, ...]) -> None:
    assert translate(java) == Translation(pattern, 0, errors)


# --- java_regex_error: what is reported, and what is left alone -------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [
        pytest.param(r"[\w-a]", id="class-shorthand-then-dash"),
        pytest.param("{1}", id="repetition-of-nothing"),
        pytest.param("^*", id="repeated-start-anchor"),
        pytest.param("$*", id="repeated-end-anchor"),
        pytest.param(r"\b+", id="repeated-word-boundary"),
        pytest.param(r"(\w)\2", id="backreference-to-a-missing-group"),
        pytest.param("(?<=a+)x", id="unbounded-look-behind"),
        pytest.param("(?u)x", id="unicode-case-flag"),
        pytest.param("[a-z&&]", id="empty-intersection"),
        pytest.param(r"\\", id="escaped-backslash"),
        pytest.param("é+", id="non-ascii"),
    ],
)
def test_errors_python_raises_and_java_may_not_are_not_reported(pattern: str) -> None:
    assert java_regex_error(pattern) is None


@pytest.mark.parametrize(
    ("pattern", "error"),
    [
        pytest.param("a**", "multiple repeat at position 3", id="multiple-repeat"),
        pytest.param("*abc", "nothing to repeat at position 1", id="nothing-to-repeat"),
        pytest.param("a{3,2}", "min repeat greater than max repeat at position 3", id="min-over-max"),
        pytest.param("[z-a]", "bad character range z-a at position 2", id="bad-range"),
        pytest.param("[abc", "unterminated character set at position 1", id="unterminated-class"),
        pytest.param("exec)", "unbalanced parenthesis at position 5", id="unbalanced-parenthesis"),
        pytest.param("kestra_(exec", "missing ), unterminated subpattern at position 8", id="unterminated-group"),
        pytest.param(r"\y", r"bad escape \y at position 1", id="unknown-escape"),
        pytest.param("\\", "bad escape (end of pattern) at position 1", id="trailing-backslash"),
        pytest.param("(?q)x", "unknown extension ?q at position 2", id="unknown-flag-letter"),
        pytest.param("(?", "unexpected end of pattern at position 3", id="bare-group-opener"),
        pytest.param("(?i", "missing -, : or ) at position 4", id="unclosed-inline-flag"),
        # translated patterns: no position, it would point into the translation
        pytest.param(r"\k<name", r"bad escape \k at position 1", id="unclosed-named-backreference"),
        pytest.param("(?<1a>x)", "bad character in group name '1a'", id="group-name-starting-with-a-digit"),
        pytest.param("(?<>a)", "missing group name", id="empty-group-name"),
        pytest.param(r"\k<missing>", "unknown group name 'missing'", id="backreference-to-an-unknown-name"),
        pytest.param("(?<n>a)(?<n>b)", "redefinition of group name 'n' as group 2; was group 1", id="group-name-twice"),
        # Java-only errors found by translate come first
        pytest.param(r"\x{}", "Illegal hexadecimal escape sequence near index 1", id="first-of-two-java-errors"),
    ],
)
def test_reported_errors(pattern: str, error: str) -> None:
    assert java_regex_error(pattern) == error


# --- java_regex: matching with the approximate Python pattern ---------------------------------------


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        pytest.param("a*+b", "aaab", True, id="possessive-then-other"),
        pytest.param("a*+a", "aaa", False, id="possessive-gives-nothing-back"),
        pytest.param("(?>ab|a)b", "ab", False, id="atomic-group-gives-nothing-back"),
        pytest.param(r"\Qa.b\E", "a.b", True, id="quote-block-literal-dot"),
        pytest.param(r"\Qa.b\E", "axb", False, id="quote-block-dot-is-not-any"),
        pytest.param(r"\p{Alpha}+", "abc", True, id="posix-alpha"),
        pytest.param(r"\p{Alpha}+", "abc123", True, id="posix-alpha-approximated-by-word-takes-digits"),
        pytest.param(r"\P{Alpha}", "-", True, id="negated-posix"),
        pytest.param(r"(?<n>ab)\k<n>", "abab", True, id="named-backreference"),
        pytest.param(r"(?<n>ab)\k<n>", "abba", False, id="named-backreference-differs"),
        pytest.param("kestra_(?i)EXECUTION", "kestra_execution", True, id="inline-flag"),
        pytest.param("a(?i)b", "AB", True, id="inline-flag-also-applied-before-it"),
        pytest.param("a(?i:b)c", "aBc", True, id="scoped-flag"),
        pytest.param("a(?i:b)c", "aBC", False, id="scoped-flag-ends-with-its-group"),
        pytest.param("[a-z&&[^e]]", "b", False, id="intersection-read-by-python-as-a-class-then-bracket"),
        pytest.param("[a-z&&[^e]]", "e]", True, id="intersection-python-reading"),
        pytest.param("[a-z[0-9]]", "5]", True, id="union-python-reading"),
        pytest.param(r"\h", "\n", True, id="horizontal-space-approximated-takes-a-line-feed"),
        pytest.param(r"\R", "\n", True, id="linebreak"),
        pytest.param(r"\R", "\r\n", False, id="linebreak-crlf-is-two-characters"),
        pytest.param(r"a\z", "a", True, id="end-of-input"),
        pytest.param(r"\e\cA\0101", "\x1b\x01A", True, id="escape-control-octal"),
        pytest.param(r"\x{1F600}", "\U0001f600", True, id="braced-hex-beyond-bmp"),
        pytest.param("(?s)a.b", "a\nb", True, id="dotall"),
        pytest.param("a.b", "a\nb", False, id="dot-without-dotall"),
        pytest.param("(?x) a b ", "ab", True, id="verbose"),
        pytest.param(r"\v", "\n", False, id="vertical-space-read-as-vertical-tab"),
    ],
)
def test_matching(pattern: str, text: str, matches: bool) -> None:
    compiled = java_regex(pattern)
    assert compiled is not None
    assert bool(compiled.fullmatch(text)) is matches


@pytest.mark.parametrize(
    "pattern",
    [
        pytest.param(r"[\w-a]", id="class-shorthand-then-dash"),
        pytest.param("a{2}{3}", id="repeated-repetition"),
        pytest.param(r"\b+", id="repeated-word-boundary"),
        pytest.param("(?<=ab|abc)x", id="variable-length-look-behind"),
        pytest.param(r"(\w)\2", id="backreference-to-a-missing-group"),
        pytest.param("kestra_(exec", id="invalid-in-both"),
    ],
)
def test_no_python_equivalent(pattern: str) -> None:
    assert java_regex(pattern) is None


# --- alternatives: the outermost alternation, one alternative at a time -----------------------------


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        pytest.param("a|b", [("a", "a"), ("b", "b")], id="top-level"),
        pytest.param("x|", [("x", "x"), ("", "")], id="empty-alternative"),
        pytest.param("[a|b]|c", [("[a|b]", "[a|b]"), ("c", "c")], id="bar-in-a-class-is-literal"),
        pytest.param("a|b)", [("a", "a"), ("b)", "b)")], id="unbalanced-close"),
        pytest.param(
            "kestra_(execution|workertaskresult)",
            [("execution", "kestra_(execution)"), ("workertaskresult", "kestra_(workertaskresult)")],
            id="group",
        ),
        pytest.param("kestra_(?:a|b)_x", [("a", "kestra_(?:a)_x"), ("b", "kestra_(?:b)_x")], id="non-capturing"),
        pytest.param("x(a|b)(c|d)", [("a", "x(a)(c|d)"), ("b", "x(b)(c|d)")], id="first-group-only"),
        pytest.param("(a|(b|c))", [("a", "(a)"), ("(b|c)", "((b|c))")], id="nested-group-kept-whole"),
        # a group opener other than (?: is read as part of the first alternative
        pytest.param("x(?<n>a|b)", [("?<n>a", "x(?<n>a)"), ("b", "x(b)")], id="named-group"),
        pytest.param("(?i:a|b)", [("?i:a", "(?i:a)"), ("b", "(b)")], id="flag-group"),
        pytest.param(r"\Q|\E", [(r"\Q", r"\Q"), (r"\E", r"\E")], id="quote-block-not-understood"),
        pytest.param("((a|b))", [], id="alternation-only-deeper"),
        pytest.param(r"a\|b", [], id="escaped-bar"),
        pytest.param("[|]a", [], id="bar-only-in-a-class"),
        pytest.param("(a|b", [], id="unclosed-group"),
        pytest.param("(a)b", [], id="no-alternation"),
        pytest.param("", [], id="empty"),
    ],
)
def test_alternatives(pattern: str, expected: list[tuple[str, str]]) -> None:
    assert alternatives(pattern) == expected
