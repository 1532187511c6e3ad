"""Rules: loggers — `kestra.kafka.client.loggers`, Kestra's per-message Kafka logging.

Each logger is a mapping: `level` (required: ERROR, WARN, INFO, DEBUG, TRACE), `type` (CONSUMER,
CONSUMER_COMMIT, PRODUCER, PRODUCER_ACK), `topic-regexp`, `key-regexp`, `value-regexp`. Micronaut binds
an enum by its exact name, else by NameUtils.environmentName of the text (upper case; '-', '.' and a
camelCase hump read as '_': `debug`, `producer-ack`, `producerAck`), so kkc accepts those spellings too.
A regexp is a Java regex that must match the WHOLE topic name, key or body (String.matches). Python's
`re` stands in for java.util.regex (compiler/javaregex.py): Java-only syntax (\\p{Alpha}, \\Q..\\E, \\h,
\\R, (?<name>..), inline flags anywhere, variable-length look-behind, ...) is translated or tolerated,
and only errors both engines raise are reported.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from typing import Any

from compiler.javaregex import alternatives, java_regex, java_regex_error
from compiler.keys import Path_
from compiler.rules.base import Context, Finding, Rule, example

LOGGERS: Path_ = ("kestra", "kafka", "client", "loggers")
LEVELS = ("ERROR", "WARN", "INFO", "DEBUG", "TRACE")
TYPES = ("CONSUMER", "CONSUMER_COMMIT", "PRODUCER", "PRODUCER_ACK")
KEYS = ("level", "type", "topic-regexp", "key-regexp", "value-regexp")
REGEXP_KEYS = ("topic-regexp", "key-regexp", "value-regexp")
INTERCEPTOR_KEY = "interceptor.classes"


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
        for alternative, alone in alternatives(value):
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
    seen: set[Path_] = set()
    for client in ctx.clients():
        for key in sorted(client.props):
            if key != INTERCEPTOR_KEY and not key.endswith("." + INTERCEPTOR_KEY):
                continue
            path, _ = ctx.client_origin(client.role, key)
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
        why="Each logger needs a level Kestra binds as one of ERROR, WARN, INFO, DEBUG, TRACE; a missing or other "
        "value makes Kestra fail to start (as kkc's message says). Error.",
        check=_level,
        failing=example(_logger(level="VERBOSE")),
        passing=example(_logger(level="debug")),
    ),
    Rule(
        id="logger-type-invalid",
        family="loggers",
        level="error",
        summary="A logger type that is not CONSUMER, CONSUMER_COMMIT, PRODUCER or PRODUCER_ACK",
        why="A logger type must be CONSUMER, CONSUMER_COMMIT, PRODUCER or PRODUCER_ACK (or left out, to log every "
        "type); another value makes Kestra fail to start (as kkc's message says). Error.",
        check=_type,
        failing=example(_logger(type="PRODUCERS")),
        passing=example(_logger(type="PRODUCER_ACK")),
    ),
    Rule(
        id="logger-unknown-key",
        family="loggers",
        level="warning",
        summary="A logger key Kestra does not bind (ignored)",
        why="Kestra binds only level, type, topic-regexp, key-regexp and value-regexp on a logger; another key "
        "(topic-regex) is ignored, so the filter it was meant to set does not apply. Warning.",
        check=_unknown_keys,
        failing=example(_logger() + '          topic-regex: "kestra_logs"\n'),
        passing=example(_logger()),
    ),
    Rule(
        id="logger-regexp-invalid",
        family="loggers",
        level="error",
        summary="A logger regexp that is not a valid Java regular expression",
        why="Logger regexps are Java regular expressions; one that does not compile cannot be used, and Kafka "
        "messages then fail to be logged (kkc's message). kkc levels it as an error.",
        check=_regexps,
        failing=example(_logger(topic="kestra_(execution")),
        passing=example(_logger(topic="kestra_\\\\p{Alpha}+")),
    ),
    Rule(
        id="logger-topic-regexp-matches-nothing",
        family="loggers",
        level="warning",
        summary="A logger topic-regexp that fully matches none of the target's topic names",
        why="Kestra matches topic-regexp against the WHOLE topic name (String.matches), so a pattern that fully "
        "matches none of the target's topic names means the logger never logs anything. Warning: nothing fails, "
        "but the debugging output never appears.",
        check=_topic_matches_nothing,
        failing=example(_logger(topic="kestra_executions")),
        passing=example(_logger(topic="kestra_(executions|workertaskresult)")),
    ),
    Rule(
        id="logger-topic-regexp-dead-alternative",
        family="loggers",
        level="warning",
        summary="An alternative of a logger topic-regexp that matches no topic (the doc page's 'executions')",
        why="One alternative of the topic-regexp matches no topic name in full (the doc page's "
        "kestra_(executions|workertaskresult): the topic is kestra_execution), so messages of the topic that was "
        "meant are never logged. Warning.",
        check=_dead_alternatives,
        failing=example(_logger(topic="kestra_(executions|workertaskresult)")),
        passing=example(_logger(topic="kestra_(execution|workertaskresult)")),
    ),
    Rule(
        id="loggers-performance",
        family="loggers",
        level="info",
        summary="Kafka loggers are configured: a large performance cost, and interceptor.classes is replaced",
        why="With any logger configured Kestra runs the regexps and serializes every message (the doc page warns of "
        "a huge performance impact), replaces the clients' interceptor.classes with its own, and shows messages "
        "only if the log level of io.kestra.runner.kafka.AbstractInterceptor allows it. Info: fine for a "
        "debugging session, which kkc cannot tell from the config.",
        check=_performance,
        failing=example(_logger()),
        passing=example(_NO_LOGGER),
    ),
    Rule(
        id="loggers-interceptors-replaced",
        family="loggers",
        level="warning",
        summary="interceptor.classes is set while loggers are configured: Kestra replaces it",
        why="When kestra.kafka.client.loggers is set Kestra replaces interceptor.classes with its own logging "
        "interceptor, so the configured interceptors (tracing, auditing) never run. Warning.",
        check=_interceptors,
        failing=example(
            _logger().replace("        bootstrap", "        interceptor.classes: com.acme.Audit\n        bootstrap")
        ),
        passing=example(_NO_LOGGER + "        interceptor.classes: com.acme.Audit\n"),
    ),
)
