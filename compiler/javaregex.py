"""Java regular expressions (java.util.regex) checked and matched with Python's `re`.

Java-only syntax is translated to a Python equivalent (\\p{Alpha}, \\Q..\\E, \\h, \\R, \\z, (?<name>..),
inline flags anywhere, ...) or tolerated where Python only warns (nested classes, `&&`); the result is
close enough for a syntax check and an approximate match. java_regex_error reports the errors both
engines raise, and the Java-only ones translate finds (\\U, \\u or \\x without hex digits, a bare `{`,
(?P...)); it stays silent where Python is stricter than Java.
"""

from __future__ import annotations

import re
import warnings

from compiler.patterns import lazy
from compiler.records import record

_JAVA_FLAGS = set("idmsuxU")
_PYTHON_SCOPED_FLAGS = set("imsx")
_GLOBAL_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}
# Python re errors that java.util.regex raises too (after translation); anything else is not reported.
_CLEAR_ERRORS = (
    "missing ), unterminated subpattern",
    "unbalanced parenthesis",
    "unterminated character set",
    "nothing to repeat",
    "multiple repeat",
    "min repeat greater than max repeat",
    "bad character range",
    "bad escape",
    "missing group name",
    "bad character in group name",
    "unknown group name",
    "unknown extension",
    "unknown flag",
    "missing -, : or )",
    "unexpected end of pattern",
    "redefinition of group name",
)


@record
class Translation:
    pattern: str  # a Python pattern that accepts what the Java one accepts (approximately)
    flags: int  # Java's global inline flags (allowed anywhere in Java), applied to the whole pattern
    errors: tuple[str, ...]  # Java-only syntax errors found while translating (Python accepts these)


def _hex_escape(code: int) -> str:
    return f"\\U{code:08x}" if code <= 0x10FFFF else "a"


# Escapes Java reads as one character class or character, whatever follows them.
_SIMPLE_ESCAPES = {"h": "\\s", "R": "\\s", "X": "\\w", "H": "\\S", "V": "\\S", "e": "\\x1b"}
# Anchors Python lacks (\G) or spells otherwise (\z); inside a class Java reads them as the letter.
_ANCHORS = {"G": "(?:)", "z": "\\Z"}
_INLINE_FLAGS = lazy(r"\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?([:)])")


def _escape_error(e: str, rest: str, i: int) -> str | None:
    """Java's error for the escape `\\<e>` followed by `rest` (`i` is the index after `e`), if Java rejects it."""
    if e == "U" or e == "u" and not re.match(r"[0-9a-fA-F]{4}", rest):
        return f"Illegal/unsupported escape sequence \\{e} near index {i - 1}"
    if e == "x" and not re.match(r"[0-9a-fA-F]{2}|\{[0-9a-fA-F]{1,8}\}", rest):
        return f"Illegal hexadecimal escape sequence near index {i - 1}"
    if e == "0" and not re.match(r"[0-7]", rest):
        return f"Illegal octal escape sequence near index {i - 1}"
    return None


def _escape_with_argument(java: str, i: int) -> tuple[str, int]:
    """(Python text, index after it) for the escape whose letter is java[i - 1] and what it reads after it."""
    e, rest, n = java[i - 1], java[i:], len(java)
    if e == "Q":
        end = java.find("\\E", i)
        text = java[i:] if end < 0 else java[i:end]
        return "".join("\\" + ch if not ch.isalnum() else ch for ch in text), n if end < 0 else end + 2
    if e in "pP":
        if i < n and java[i] == "{":
            end = java.find("}", i)
            i = n if end < 0 else end + 1
        else:
            i += 1
        return ("\\w" if e == "p" else "\\W"), i
    if e == "c" and i < n:
        return _hex_escape(ord(java[i]) ^ 64), i + 1
    if e == "x" and rest.startswith("{"):
        end = java.find("}", i)
        return _hex_escape(int(java[i + 1 : end], 16)), end + 1
    if e == "0":
        m = re.match(r"[0-3][0-7]{2}|[0-7]{1,2}", rest)
        assert m is not None
        return _hex_escape(int(m.group(0), 8)), i + len(m.group(0))
    if e == "k" and i < n and java[i] == "<":
        end = java.find(">", i)
        return ("\\k", i) if end < 0 else (f"(?P={java[i + 1 : end]})", end + 1)
    if e == "N" and rest.startswith("{") and "}" in rest:
        end = java.find("}", i)
        return java[i - 2 : end + 1], end + 1
    if e == "b" and java.startswith("{g}", i):
        return "\\b", i + 3
    return "\\" + e, i


def _escape(java: str, i: int, depth: int) -> tuple[str, int, str | None]:
    """(Python text, index after it, Java-only error) for the escape whose letter is java[i - 1].

    `depth` is the character class nesting the escape is in (0: outside any class).
    """
    e = java[i - 1]
    error = _escape_error(e, java[i:], i)
    if error is not None:
        return e, i, error
    if e in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[e], i, None
    if e in _ANCHORS:
        return (_ANCHORS[e] if depth == 0 else e), i, None
    text, end = _escape_with_argument(java, i)
    return text, end, None


def _syntax_errors(java: str, i: int) -> list[str]:
    """Java-only errors at java[i], outside a class: a `{` that is no repetition, Python's own (?P (?# (?(."""
    errors: list[str] = []
    if java[i] == "{" and not re.match(r"\{\d+(,\d*)?\}", java[i:]):
        errors.append(f"Illegal repetition near index {i}")
    if java.startswith(("(?P", "(?#", "(?("), i):
        errors.append(f"Unknown inline modifier near index {i + 2}")
    return errors


def _group_opener(java: str, i: int) -> tuple[str, int, int] | None:
    """(Python text, characters read, global flags) for a named group or inline flags at java[i]; else None."""
    if java.startswith("(?<", i) and i + 3 < len(java) and java[i + 3] not in "=!":
        return "(?P<", 3, 0
    m = _INLINE_FLAGS().match(java, i)
    if not m or not (m.group(1) or m.group(2)) or not set(m.group(1) + (m.group(2) or "")) <= _JAVA_FLAGS:
        return None
    on, off, closer = m.group(1), m.group(2) or "", m.group(3)
    if closer == ")":
        flags = sum(flag for letter, flag in _GLOBAL_FLAGS.items() if letter in on)
        return "(?:)", len(m.group(0)), flags  # Python accepts global flags only at the very start
    keep_on = "".join(f for f in on if f in _PYTHON_SCOPED_FLAGS)
    keep_off = "".join(f for f in off if f in _PYTHON_SCOPED_FLAGS)
    text = f"(?{keep_on}-{keep_off}:" if keep_off else f"(?{keep_on}:" if keep_on else "(?:"
    return text, len(m.group(0)), 0


def translate(java: str) -> Translation:
    """A Python equivalent of a Java regex, for a syntax check and an approximate match."""
    out: list[str] = []
    flags = 0
    errors: list[str] = []
    depth = 0  # character class nesting (Java allows [a-z[0-9]])
    i, n = 0, len(java)
    while i < n:
        c = java[i]
        if c == "\\" and i + 1 < n:
            text, i, error = _escape(java, i + 2, depth)
            if error is not None:
                errors.append(error)
            out.append(text)
            continue
        if depth:
            if c == "[":
                depth += 1
            elif c == "]":
                depth -= 1
            out.append(c)
            i += 1
            continue
        if c == "[":
            depth = 1
            out.append(c)
            i += 1
            if i < n and java[i] == "^":
                out.append("^")
                i += 1
            continue
        errors.extend(_syntax_errors(java, i))
        group = _group_opener(java, i)
        if group is not None:
            text, length, group_flags = group
            out.append(text)
            flags |= group_flags
            i += length
            continue
        out.append(c)
        i += 1
    return Translation("".join(out), flags, tuple(errors))


def _compile(translation: Translation) -> re.Pattern[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nested sets and && are Java syntax; Python only warns
        return re.compile(translation.pattern, translation.flags)


def _java_repeats(message: str, pattern: str, pos: int | None) -> bool:
    """Repetitions Python rejects and Java accepts: `a{2}{3}`, `{1}`, `^*`, `\\b+` (a zero-width atom)."""
    if not message.startswith(("nothing to repeat", "multiple repeat")) or pos is None:
        return False
    if pattern[pos : pos + 1] == "{":
        return True
    before = pattern[:pos]
    return message.startswith("nothing to repeat") and (
        before.endswith(("^", "$", ")")) or re.search(r"\\[bBAZ]$", before) is not None
    )


def java_regex_error(pattern: str) -> str | None:
    """Why java.util.regex rejects `pattern`, when that is clear; None when it is (or may be) valid."""
    translation = translate(pattern)
    if translation.errors:
        return translation.errors[0]
    try:
        _compile(translation)
    except re.error as exc:
        message = exc.msg
        if not message.startswith(_CLEAR_ERRORS) or _java_repeats(message, translation.pattern, exc.pos):
            return None
        if message.startswith("bad escape") and not re.match(r"bad escape (\(end of pattern\)|\\[A-Za-z])", message):
            return None
        if message.startswith("bad character range") and "\\" in message:
            return None  # Java reads [\w-a] as a class, '-' and 'a'; Python rejects it
        position = (
            f" at position {exc.pos + 1}" if exc.pos is not None and translate(pattern).pattern == pattern else ""
        )
        return f"{message}{position}"
    return None


def java_regex(pattern: str) -> re.Pattern[str] | None:
    """An approximate Python equivalent to match with, None when it cannot be built."""
    try:
        return _compile(translate(pattern))
    except re.error:
        return None


def alternatives(pattern: str) -> list[tuple[str, str]]:
    """(alternative, the pattern with only that alternative) for the outermost alternation.

    That is the top level (a|b) or, failing that, the first group holding a '|' directly.
    """
    spans: list[tuple[int, int, list[int]]] = []  # (group start, group end, '|' positions) per depth-1 group
    top_bars: list[int] = []
    stack: list[tuple[int, list[int]]] = []
    i, in_class = 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            stack.append((i, []))
        elif ch == ")" and stack:
            start, bars = stack.pop()
            if bars and not stack:
                spans.append((start, i, bars))
        elif ch == "|":
            (stack[-1][1] if stack else top_bars).append(i)
        i += 1
    if top_bars:
        cuts = [-1, *top_bars, len(pattern)]
        return [(pattern[a + 1 : b], pattern[a + 1 : b]) for a, b in zip(cuts, cuts[1:], strict=False)]
    if not spans:
        return []
    start, end, bars = spans[0]
    body_start = start + 1
    if pattern.startswith("?:", body_start):
        body_start += 2
    cuts = [body_start - 1, *bars, end]
    out: list[tuple[str, str]] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        alternative = pattern[a + 1 : b]
        out.append((alternative, pattern[:body_start] + alternative + pattern[end:]))
    return out
