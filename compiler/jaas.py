"""`sasl.jaas.config`, tokenized as `java.io.StreamTokenizer` does in Kafka's `JaasConfig`.

Kafka's client reads the value with a StreamTokenizer: `//` and `/* */` comments (a lone `/` also
starts one), `"` and `'` quotes (a backslash takes the next character as it is), words (a letter, `_`
or `$` first, then also digits, `.` and `-`) and numbers (parsed, their text lost). Each entry is
`<login module class> <control flag> key=value ... ;`, and a client takes exactly one.

Run-time placeholders (`${...}`) are replaced by a sentinel word before tokenizing: when one lands
where the entry's structure is decided (class, flag, option name, unquoted value), the structure is
only known at run time and parse_jaas returns None.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from compiler.placeholders import PlaceholderSyntaxError, find
from compiler.records import record

CONTROL_FLAGS = ("REQUIRED", "REQUISITE", "SUFFICIENT", "OPTIONAL")

_WORD, _QUOTED, _NUMBER, _EOF = "word", "quoted", "number", "eof"
_SENTINEL = "kkcRuntimePlaceholder"

Token = tuple[str, str | None]


@record
class JaasEntry:
    module: str
    flag: str
    options: dict[str, str]


# StreamTokenizer's escapes inside a quoted JAAS value (Kafka's JaasConfig reads options with it)
_ESCAPES = {"a": "\x07", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\x0b"}


def _is_alpha(c: str) -> bool:
    code = ord(c)
    return c.isascii() and c.isalpha() or code >= 160 or c in "-_$"


def _is_digit(c: str) -> bool:
    return c in "0123456789.-"


def _tokens(text: str) -> Iterator[Token]:
    """(kind, string value) pairs; `kind` is word, quoted, number, eof or the ordinary character itself."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if ord(c) <= 32:
            i += 1
            continue
        if _is_digit(c):
            if c == "-" and (i + 1 >= n or (text[i + 1] != "." and not text[i + 1].isdigit())):
                i += 1
                yield "-", None
                continue
            i += 1
            seen_dot = c == "."
            while i < n and (text[i].isdigit() or text[i] == "." and not seen_dot):
                seen_dot = seen_dot or text[i] == "."
                i += 1
            yield _NUMBER, None
            continue
        if _is_alpha(c):
            start = i
            while i < n and (_is_alpha(text[i]) or _is_digit(text[i])):
                i += 1
            yield _WORD, text[start:i]
            continue
        if c in "\"'":
            i += 1
            chars: list[str] = []
            while i < n and text[i] not in (c, "\n", "\r"):
                if text[i] == "\\" and i + 1 < n:
                    i += 1
                    if text[i] in "01234567":  # java.io.StreamTokenizer: an octal escape of up to 3 digits
                        first, code, i = text[i], int(text[i]), i + 1
                        if i < n and text[i] in "01234567":
                            code, i = code * 8 + int(text[i]), i + 1
                            if i < n and text[i] in "01234567" and first <= "3":
                                code, i = code * 8 + int(text[i]), i + 1
                        chars.append(chr(code))
                        continue
                    chars.append(_ESCAPES.get(text[i], text[i]))
                    i += 1
                    continue
                chars.append(text[i])
                i += 1
            if i < n and text[i] == c:
                i += 1
            yield _QUOTED, "".join(chars)
            continue
        if c == "/":
            if text.startswith("/*", i):
                end = text.find("*/", i + 2)
                i = n if end < 0 else end + 2
                continue
            while i < n and text[i] not in "\n\r":  # a lone '/' is a comment character too
                i += 1
            continue
        i += 1
        yield c, None
    while True:
        yield _EOF, None


@lru_cache(maxsize=4096)
def parse_jaas(value: str) -> JaasEntry | str | None:
    """The single login module entry of a client's sasl.jaas.config, or why Kafka rejects it.

    None when the entry's structure is only known at run time (a placeholder outside quotes).
    Error texts never quote option names or values: after a broken token they may be a secret.
    Memoised: the rules read the same text many times per target, and every target of an env shares it
    (issue 16: 132 parses per target). The entry is frozen; its options are only read.
    """
    try:
        placeholders = find(value)
    except PlaceholderSyntaxError:
        return None
    text: list[str] = []
    last = 0
    for ph in placeholders:
        text.append(value[last : ph.start])
        text.append(_SENTINEL)
        last = ph.end
    text.append(value[last:])
    tokens = _tokens("".join(text))
    entries: list[JaasEntry] = []
    kind, sval = next(tokens)
    while kind != _EOF:
        if sval is not None and _SENTINEL in sval:
            return None
        module = sval
        kind, flag = next(tokens)
        if kind == _EOF:
            return "the login module class must be followed by a control flag (required)"
        if flag is not None and _SENTINEL in flag:
            return None
        if flag is None or flag.upper() not in CONTROL_FLAGS:
            return "the control flag after the login module class must be required, requisite, sufficient or optional"
        options: dict[str, str] = {}
        count = 0
        kind, key = next(tokens)
        while kind not in (_EOF, ";"):
            count += 1
            if kind == _WORD and key is not None and _SENTINEL in key:
                return None
            eq, _ = next(tokens)
            vkind, option_value = next(tokens)
            if vkind == _WORD and option_value is not None and _SENTINEL in option_value:
                return None
            if eq != "=" or vkind == _EOF or option_value is None:
                return (
                    f'option {count} is not written key="value" (a value is missing, or an unquoted value '
                    "starts with a digit or holds a character such as / : @ that ends it: quote every value)"
                )
            options[key or ""] = option_value
            kind, key = next(tokens)
        if kind != ";":
            return "the entry must end with ';' (Kafka: JAAS config entry not terminated by semi-colon)"
        if not module:
            return "the entry must start with the login module's class name"
        entries.append(JaasEntry(module, flag, options))
        kind, sval = next(tokens)
    if not entries:
        return "no login module is given"
    if len(entries) != 1:
        return f"it holds {len(entries)} login module entries; a Kafka client takes exactly one"
    return entries[0]
