"""Rules: loggers — `kestra.kafka.client.loggers`, Kestra's per-message Kafka logging.

Each logger is a mapping: `level` (required: ERROR, WARN, INFO, DEBUG, TRACE), `type` (CONSUMER,
CONSUMER_COMMIT, PRODUCER, PRODUCER_ACK), `topic-regexp`, `key-regexp`, `value-regexp`. Micronaut binds
an enum by its exact name, else by NameUtils.environmentName of the text (upper case; '-', '.' and a
camelCase hump read as '_': `debug`, `producer-ack`, `producerAck`), so kkc accepts those spellings too.
A regexp is a Java regex that must match the WHOLE topic name, key or body (String.matches). Python's
`re` stands in for java.util.regex: Java-only syntax (\\p{Alpha}, \\Q..\\E, \\h, \\R, (?<name>..), inline
flags anywhere, variable-length look-behind, ...) is translated or tolerated, and only errors both
engines raise are reported.
"""

from __future__ import annotations

import difflib
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from compiler.keys import Path_
from compiler.rules.base import Context, Finding, Rule, example

LOGGERS: Path_ = ("kestra", "kafka", "client", "loggers")
LEVELS = ("ERROR", "WARN", "INFO", "DEBUG", "TRACE")
TYPES = ("CONSUMER", "CONSUMER_COMMIT", "PRODUCER", "PRODUCER_ACK")
KEYS = ("level", "type", "topic-regexp", "key-regexp", "value-regexp")
REGEXP_KEYS = ("topic-regexp", "key-regexp", "value-regexp")
INTERCEPTOR_KEY = "interceptor.classes"


# --- Java regex syntax, checked with Python's re --------------------------------------------------

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


@dataclass(frozen=True)
class Translation:
    pattern: str  # a Python pattern that accepts what the Java one accepts (approximately)
    flags: int  # Java's global inline flags (allowed anywhere in Java), applied to the whole pattern
    errors: tuple[str, ...]  # Java-only syntax errors found while translating (Python accepts these)


def _hex_escape(code: int) -> str:
    return f"\\U{code:08x}" if code <= 0x10FFFF else "a"


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
            e = java[i + 1]
            i += 2
            rest = java[i:]
            if e == "U" or e == "u" and not re.match(r"[0-9a-fA-F]{4}", rest):
                errors.append(f"Illegal/unsupported escape sequence \\{e} near index {i - 1}")
                out.append(e)
            elif e == "x" and not re.match(r"[0-9a-fA-F]{2}|\{[0-9a-fA-F]{1,8}\}", rest):
                errors.append(f"Illegal hexadecimal escape sequence near index {i - 1}")
                out.append(e)
            elif e == "0" and not re.match(r"[0-7]", rest):
                errors.append(f"Illegal octal escape sequence near index {i - 1}")
                out.append(e)
            elif e == "Q":
                end = java.find("\\E", i)
                text = java[i:] if end < 0 else java[i:end]
                i = n if end < 0 else end + 2
                out.append("".join("\\" + ch if not ch.isalnum() else ch for ch in text))
            elif e in "pP":
                if i < n and java[i] == "{":
                    end = java.find("}", i)
                    i = n if end < 0 else end + 1
                else:
                    i += 1
                out.append("\\w" if e == "p" else "\\W")
            elif e in "hRX":
                out.append("\\s" if e != "X" else "\\w")
            elif e in "HV":
                out.append("\\S")
            elif e == "G":
                out.append("(?:)" if depth == 0 else "G")
            elif e == "z":
                out.append("\\Z" if depth == 0 else "z")
            elif e == "e":
                out.append("\\x1b")
            elif e == "c" and i < n:
                out.append(_hex_escape(ord(java[i]) ^ 64))
                i += 1
            elif e == "x" and rest.startswith("{"):
                end = java.find("}", i)
                out.append(_hex_escape(int(java[i + 1 : end], 16)))
                i = end + 1
            elif e == "0":
                m = re.match(r"[0-3][0-7]{2}|[0-7]{1,2}", rest)
                assert m is not None
                out.append(_hex_escape(int(m.group(0), 8)))
                i += len(m.group(0))
            elif e == "k" and i < n and java[i] == "<":
                end = java.find(">", i)
                if end < 0:
                    out.append("\\k")
                else:
                    out.append(f"(?P={java[i + 1 : end]})")
                    i = end + 1
            elif e == "N" and rest.startswith("{") and "}" in rest:
                end = java.find("}", i)
                out.append(java[i - 2 : end + 1])
                i = end + 1
            elif e == "b" and java.startswith("{g}", i):
                out.append("\\b")
                i += 3
            else:
                out.append("\\" + e)
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
        if c == "{" and not re.match(r"\{\d+(,\d*)?\}", java[i:]):
            errors.append(f"Illegal repetition near index {i}")
        if java.startswith(("(?P", "(?#", "(?("), i):
            errors.append(f"Unknown inline modifier near index {i + 2}")
        if java.startswith("(?<", i) and i + 3 < n and java[i + 3] not in "=!":
            out.append("(?P<")
            i += 3
            continue
        m = re.match(r"\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?([:)])", java[i:])
        if m and (m.group(1) or m.group(2)) and set(m.group(1) + (m.group(2) or "")) <= _JAVA_FLAGS:
            on, off, end = m.group(1), m.group(2) or "", m.group(3)
            if end == ")":
                flags |= sum(flag for letter, flag in _GLOBAL_FLAGS.items() if letter in on)
                out.append("(?:)")  # Python accepts global flags only at the very start
            else:
                keep_on = "".join(f for f in on if f in _PYTHON_SCOPED_FLAGS)
                keep_off = "".join(f for f in off if f in _PYTHON_SCOPED_FLAGS)
                out.append(f"(?{keep_on}-{keep_off}:" if keep_off else f"(?{keep_on}:" if keep_on else "(?:")
            i += len(m.group(0))
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


# --- reading the loggers --------------------------------------------------------------------------


def _loggers(ctx: Context) -> list[tuple[int, Any]]:
    node = ctx.get(LOGGERS)
    if not isinstance(node, list):
        return []
    return list(enumerate(node))


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _enum_name(value: str) -> str:
    """Micronaut's fallback when Enum.valueOf fails: NameUtils.environmentName (`producerAck`, `producer-ack`)."""
    name = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", value.strip())
    return name.upper().replace("-", "_").replace(".", "_")


def _level(ctx: Context) -> Iterator[Finding]:
    for index, logger in _loggers(ctx):
        if not isinstance(logger, dict):
            continue
        value = _text(logger.get("level"))
        if value is None or not value.strip():
            yield Finding(
                (*LOGGERS, index),
                f"logger {index + 1} has no level: Kestra requires one of {', '.join(LEVELS)}",
            )
        elif "${" not in value and _enum_name(value) not in LEVELS:
            close = [level for level in LEVELS if _enum_name(value).startswith(level)] or difflib.get_close_matches(
                _enum_name(value), LEVELS, n=1, cutoff=0.75
            )
            hint = f"; did you mean {close[0]}?" if close else ""
            yield Finding(
                (*LOGGERS, index, "level"),
                f"logger {index + 1}: level '{value}' is not one of {', '.join(LEVELS)}; Kestra fails to start{hint}",
            )


def _type(ctx: Context) -> Iterator[Finding]:
    for index, logger in _loggers(ctx):
        value = _text(logger.get("type")) if isinstance(logger, dict) else None
        if value is None:
            continue  # optional: without a type the logger logs every type
        if "${" not in value and _enum_name(value) not in TYPES:
            shown = f"'{value}'" if value.strip() else "empty"
            close = difflib.get_close_matches(_enum_name(value), TYPES, n=1, cutoff=0.75)
            hint = f"; did you mean {close[0]}?" if close else ""
            yield Finding(
                (*LOGGERS, index, "type"),
                f"logger {index + 1}: type {shown} is not one of {', '.join(TYPES)} (leave it out to log every "
                f"type); Kestra fails to start{hint}",
            )


def _unknown_keys(ctx: Context) -> Iterator[Finding]:
    for index, logger in _loggers(ctx):
        if not isinstance(logger, dict):
            continue
        for key in logger:
            name = str(key)
            if name in KEYS:
                continue
            wanted = name.lower().replace("_", "-").replace(".", "-")
            close = wanted if wanted in KEYS else None
            if close is None:
                matches = difflib.get_close_matches(wanted, KEYS, n=1, cutoff=0.6)
                close = matches[0] if matches else None
            hint = f"; did you mean '{close}'?" if close else f" (known: {', '.join(KEYS)})"
            yield Finding(
                (*LOGGERS, index, key),
                f"logger {index + 1}: Kestra does not know the key '{name}', so it is ignored{hint}",
            )


def _regexps(ctx: Context) -> Iterator[Finding]:
    for index, logger in _loggers(ctx):
        if not isinstance(logger, dict):
            continue
        for key in REGEXP_KEYS:
            value = _text(logger.get(key))
            if value is None or "${" in value:
                continue
            error = java_regex_error(value)
            if error:
                yield Finding(
                    (*LOGGERS, index, key),
                    f"logger {index + 1}: {key} '{value}' is not a valid Java regular expression ({error}); "
                    "Kafka messages fail to be logged",
                )


def _topic_matches_nothing(ctx: Context) -> Iterator[Finding]:
    names = sorted({plan.name for plan in ctx.compiled.topics})
    if not names:
        return
    for index, logger in _loggers(ctx):
        if not isinstance(logger, dict):
            continue
        value = _text(logger.get("topic-regexp"))
        if value is None or "${" in value or java_regex_error(value):
            continue
        compiled = java_regex(value)
        if compiled is None or any(compiled.fullmatch(name) for name in names):
            continue
        close = difflib.get_close_matches(value, names, n=1, cutoff=0.6)
        hint = f". Did you mean '{close[0]}'?" if close else ""
        yield Finding(
            (*LOGGERS, index, "topic-regexp"),
            f"logger {index + 1}: topic-regexp '{value}' matches none of this target's topics (it must match "
            f"the WHOLE topic name), so the logger never logs anything; tried on: {', '.join(names)}{hint}",
        )


def _alternatives(pattern: str) -> list[tuple[str, str]]:
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
    out = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        alternative = pattern[a + 1 : b]
        out.append((alternative, pattern[:body_start] + alternative + pattern[end:]))
    return out


def _dead_alternatives(ctx: Context) -> Iterator[Finding]:
    names = sorted({plan.name for plan in ctx.compiled.topics})
    if not names:
        return
    for index, logger in _loggers(ctx):
        value = _text(logger.get("topic-regexp")) if isinstance(logger, dict) else None
        if value is None or "${" in value or java_regex_error(value):
            continue
        whole = java_regex(value)
        if whole is None or not any(whole.fullmatch(name) for name in names):
            continue  # logger-topic-regexp-matches-nothing says it
        for alternative, alone in _alternatives(value):
            compiled = java_regex(alone)
            if compiled is None or any(compiled.fullmatch(name) for name in names):
                continue
            close = difflib.get_close_matches(alone, names, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            yield Finding(
                (*LOGGERS, index, "topic-regexp"),
                f"logger {index + 1}: in topic-regexp '{value}', the alternative '{alternative}' matches no topic "
                f"of this target (the regexp must match the WHOLE name), so those messages are never logged{hint}",
            )


def _performance(ctx: Context) -> Iterator[Finding]:
    loggers = [item for _, item in _loggers(ctx)]
    if not loggers:
        return
    count = len(loggers)
    yield Finding(
        LOGGERS,
        f"{count} Kafka logger{'s are' if count > 1 else ' is'} configured: for every message Kestra runs the "
        "regexps and serializes the message (the doc page warns of a huge performance impact), and it replaces "
        "the clients' interceptor.classes with its own; messages appear only if the log level of "
        "io.kestra.runner.kafka.AbstractInterceptor allows the logger's level. Remove the loggers after debugging",
    )


def _interceptors(ctx: Context) -> Iterator[Finding]:
    if not _loggers(ctx):
        return
    from compiler.rules.security import client_sets

    seen: set[Path_] = set()
    for role, props in client_sets(ctx).items():
        for key in sorted(props):
            if key != INTERCEPTOR_KEY and not key.endswith("." + INTERCEPTOR_KEY):
                continue
            path, _ = ctx.client_origin(role, key)
            if path in seen:
                continue
            seen.add(path)
            yield Finding(
                path,
                f"{key} is set while kestra.kafka.client.loggers is configured: Kestra replaces it with its own "
                "logging interceptor, so these interceptors never run; remove the loggers or the interceptors",
            )


_LOGGER = """kestra:
  kafka:
    client:
      properties:
        bootstrap.servers: "kafka:9092"
      loggers:
        - level: {level}
          type: {type}
          topic-regexp: "{topic}"
"""


def _logger(level: str = "INFO", type: str = "PRODUCER", topic: str = "kestra_(execution|workertaskresult)") -> str:
    return _LOGGER.format(level=level, type=type, topic=topic)


_NO_LOGGER = 'kestra:\n  kafka:\n    client:\n      properties:\n        bootstrap.servers: "kafka:9092"\n'

RULES: tuple[Rule, ...] = (
    Rule(
        id="logger-level-invalid",
        family="loggers",
        level="error",
        summary="A logger without a level, or with one that is not ERROR, WARN, INFO, DEBUG or TRACE",
        check=_level,
        failing=example(_logger(level="VERBOSE")),
        passing=example(_logger(level="debug")),
    ),
    Rule(
        id="logger-type-invalid",
        family="loggers",
        level="error",
        summary="A logger type that is not CONSUMER, CONSUMER_COMMIT, PRODUCER or PRODUCER_ACK",
        check=_type,
        failing=example(_logger(type="PRODUCERS")),
        passing=example(_logger(type="PRODUCER_ACK")),
    ),
    Rule(
        id="logger-unknown-key",
        family="loggers",
        level="warning",
        summary="A logger key Kestra does not bind (ignored)",
        check=_unknown_keys,
        failing=example(_logger() + '          topic-regex: "kestra_logs"\n'),
        passing=example(_logger()),
    ),
    Rule(
        id="logger-regexp-invalid",
        family="loggers",
        level="error",
        summary="A logger regexp that is not a valid Java regular expression",
        check=_regexps,
        failing=example(_logger(topic="kestra_(execution")),
        passing=example(_logger(topic="kestra_\\\\p{Alpha}+")),
    ),
    Rule(
        id="logger-topic-regexp-matches-nothing",
        family="loggers",
        level="warning",
        summary="A logger topic-regexp that fully matches none of the target's topic names",
        check=_topic_matches_nothing,
        failing=example(_logger(topic="kestra_executions")),
        passing=example(_logger(topic="kestra_(executions|workertaskresult)")),
    ),
    Rule(
        id="logger-topic-regexp-dead-alternative",
        family="loggers",
        level="warning",
        summary="An alternative of a logger topic-regexp that matches no topic (the doc page's 'executions')",
        check=_dead_alternatives,
        failing=example(_logger(topic="kestra_(executions|workertaskresult)")),
        passing=example(_logger(topic="kestra_(execution|workertaskresult)")),
    ),
    Rule(
        id="loggers-performance",
        family="loggers",
        level="info",
        summary="Kafka loggers are configured: a large performance cost, and interceptor.classes is replaced",
        check=_performance,
        failing=example(_logger()),
        passing=example(_NO_LOGGER),
    ),
    Rule(
        id="loggers-interceptors-replaced",
        family="loggers",
        level="warning",
        summary="interceptor.classes is set while loggers are configured: Kestra replaces it",
        check=_interceptors,
        failing=example(
            _logger().replace("        bootstrap", "        interceptor.classes: com.acme.Audit\n        bootstrap")
        ),
        passing=example(_NO_LOGGER + "        interceptor.classes: com.acme.Audit\n"),
    ),
)
