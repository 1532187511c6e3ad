"""A value checked as Kafka's ``ConfigDef`` would: parsed to the key's type, then validated."""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from compiler.catalog.classes import CLASS_LISTS, missing_class
from compiler.catalog.java import (
    _java_hash_set_order,
    _java_list_str,
    _java_number_str,
)
from compiler.catalog.records import KeyInfo, Problem
from compiler.catalog.status import key_status
from compiler.catalog.validators import Validator
from compiler.catalog.versions import LATEST, _at_least, _before, parse_version
from compiler.patterns import lazy
from compiler.values import INTEGER_RANGES, java_trim, parse_bool, parse_duration_nanos, parse_int, parse_list

_LIST_SPLIT = lazy(r"\s*,\s*", re.ASCII)
_DOUBLE = lazy(
    r"[+-]?(?:NaN|Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fFdD]?"
    r"|0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?\d+[fFdD]?)",
    re.ASCII,
)
_CLASS_NAME = lazy(r"(?:[^\W\d]|\$)[\w$]*(?:\.(?:[^\W\d]|\$)[\w$]*)*")
_TOPOLOGY_ERROR = (
    'Acceptable values are: "+NO_OPTIMIZATION+", "+OPTIMIZE+", or a comma separated list of specific '
    'optimizations: ("+REUSE_KTABLE_SOURCE_TOPICS+", "+MERGE_REPARTITION_TOPICS+" + "SINGLE_STORE_SELF_JOIN+").'
)
_CUSTOM_ENUM_MESSAGES = {
    "share.acknowledgement.mode": "Invalid value `{value}` for configuration {name}. "
    "The value must either be 'implicit' or 'explicit'.",
    "share.acquire.mode": "Invalid value `{value}` for configuration {name}. "
    "The value must either be 'batch_optimized' or 'record_limit'.",
}


def _invalid(name: str, shown: str, reason: str) -> str:
    return f"Invalid value {shown} for configuration {name}: {reason}"


def _type_problem(info: KeyInfo, raw: str, reason: str) -> Problem:
    return Problem("type", "error", info.name, _invalid(info.name, raw, reason))


def _parse_typed(info: KeyInfo, raw: str, kafka_version: str) -> tuple[object, Problem | None]:
    """``ConfigDef.parseType`` for a string value."""
    trimmed = java_trim(raw)
    kind = info.type
    if kind == "boolean":
        flag = parse_bool(trimmed)
        if flag is None:
            return None, _type_problem(info, raw, "Expected value to be either true or false")
        return flag, None
    if kind in INTEGER_RANGES:
        number = parse_int(trimmed, kind)
        if number is None:
            return None, _type_problem(info, raw, f"Not a number of type {kind.upper()}")
        return number, None
    if kind == "double":
        if not _DOUBLE().fullmatch(trimmed):
            return None, _type_problem(info, raw, "Not a number of type DOUBLE")
        body = trimmed[:-1] if trimmed[-1] in "fFdD" and "x" not in trimmed.lower() else trimmed
        if "x" in body.lower():
            body = body[:-1] if body[-1] in "fFdD" else body
            return float.fromhex(body), None
        return float(body.replace("Infinity", "inf")), None
    if kind == "list":
        items = parse_list(trimmed)
        validator = info.validator_at(kafka_version)
        if validator.kind == "list" and validator.no_empty_elements:
            # KIP-1161 (4.2+): ConfigDef.parseValue drops duplicates (with a WARN) before a ValidList
            # sees them; other list validators (ListSize, the throttled-replica one) get them all.
            items = list(dict.fromkeys(items))
        return items, None
    if kind == "class":
        if _CLASS_NAME().fullmatch(trimmed):
            return trimmed, None
        return None, _type_problem(info, raw, f"Class {raw} could not be found.")
    return trimmed, None  # string, password


def _enum_values(info: KeyInfo, validator: Validator, kafka_version: str) -> list[str]:
    values = list(validator.values)
    restored = [v for v, gone in info.removed_values.items() if _before(kafka_version, gone) and v not in values]
    if restored:
        values = values[:1] + restored + values[1:] if values[:1] == ["null"] else restored + values
    return [v for v in values if not _before(kafka_version, info.added_values.get(v))]


def _enum_problem(info: KeyInfo, validator: Validator, value: str, kafka_version: str) -> Problem | None:
    values = _enum_values(info, validator, kafka_version)
    accepted = [v for v in values if v != "null"]  # ValidString's "null" entry is Java null, not the string
    if validator.case_insensitive:
        if value.upper() in {v.upper() for v in accepted}:
            return None
        # ConfigDef.CaseInsensitiveValidString keeps upper-cased values in a HashSet (and prints them so).
        real_ci = all(v == v.upper() for v in values)
        shown = _java_hash_set_order(v.upper() for v in values) if real_ci else values
        reason = "String must be one of (case insensitive): " + ", ".join(shown)
    else:
        if value in accepted:
            return None
        reason = "String must be one of: " + ", ".join(values)
    template = _CUSTOM_ENUM_MESSAGES.get(info.name)
    message = template.format(value=value, name=info.name) if template else reason
    return Problem("enum", "error", info.name, _invalid(info.name, value, message))


def _range_problem(info: KeyInfo, validator: Validator, number: object) -> Problem | None:
    assert isinstance(number, int | float)
    n = float(number)
    shown = _java_number_str(number)
    if validator.also:
        level = int(number)
        low, high = int(validator.low or 0), int(validator.high or 0)
        if level > high or (level < low and str(level) not in validator.also):
            reason = f"Value must be between {low} and {high} or equal to {' or '.join(validator.also)}"
            return Problem("range", "error", info.name, _invalid(info.name, shown, reason))
        return None
    if validator.low is not None and n < float(validator.low):
        return Problem(
            "range", "error", info.name, _invalid(info.name, shown, f"Value must be at least {validator.low}")
        )
    if validator.high is not None and n > float(validator.high):
        return Problem(
            "range", "error", info.name, _invalid(info.name, shown, f"Value must be no more than {validator.high}")
        )
    return None


def _metadata_version_ok(text: str, validator: Validator, kafka_version: str) -> bool:
    """``MetadataVersion.fromVersionString`` (3.0-3.2: ``ApiVersion.apply``) of that release succeeds.

    The version is cut to its first two segments (three for 0.x): ``3.5.1`` -> ``3.5``. Kafka knows
    each version the validator lists (``3.5-IV2``) and the short form (``3.5``) of each released one;
    a release also lists the next release's unstable versions (3.7: ``3.8-IV0``), not their short form.
    """
    segments = text.split(".")
    keep = 3 if text.startswith("0.") else 2
    key = text if keep >= len(segments) else ".".join(segments[:keep])
    if key in validator.values:
        return True
    released = parse_version(kafka_version)
    return any(
        key == short and parse_version(short) <= released for short in (v.split("-IV")[0] for v in validator.values)
    )


def _duration_ok(text: str) -> bool:
    """``java.time.Duration.parse`` succeeds and the duration is not negative."""
    nanos = parse_duration_nanos(text)
    return nanos is not None and nanos >= 0


def _auto_offset_reset_ok(value: str) -> bool:
    if value in ("latest", "earliest", "none"):
        return True
    return value.startswith("by_duration:") and _duration_ok(value[len("by_duration:") :])


def _java_split_drop_trailing(text: str) -> list[str]:
    parts = _LIST_SPLIT().split(text)
    if len(parts) > 1:
        while parts and parts[-1] == "":
            parts.pop()
    return parts


def _throttled_ok(items: list[str]) -> bool:
    proposed = [java_trim(i) for i in items]
    if proposed == ["*"]:
        return True
    seen_empty = False
    for replica in proposed:
        if replica == "":
            seen_empty = True
            continue
        if seen_empty or not re.fullmatch(r"[0-9]+:[0-9]+", replica, re.ASCII):
            return False
        if any(int(part) > 2**31 - 1 for part in replica.split(":")):
            return False
    return True


def _validate(info: KeyInfo, validator: Validator, parsed: object, kafka_version: str) -> Problem | None:
    name, kind = info.name, validator.kind
    if kind in ("none", "non-null"):
        return None
    if kind == "range":
        return _range_problem(info, validator, parsed)
    if kind == "enum":
        return _enum_problem(info, validator, str(parsed), kafka_version)
    if kind == "non-empty-string":
        if parsed == "":
            return Problem("range", "error", name, _invalid(name, "", "String must be non-empty"))
        return None
    if kind == "metadata-version":
        text = str(parsed)
        if _metadata_version_ok(text, validator, kafka_version):
            return None
        shown = f"`{text}`" if validator.text.startswith("ApiVersionValidator") else text  # Scala's wording
        return Problem("enum", "error", name, _invalid(name, text, f"Version {shown} is not a valid version"))
    if kind == "auto-offset-reset":
        text = str(parsed)
        if _auto_offset_reset_ok(text):
            return None
        reason = (
            f"Invalid value `{text}` for configuration {name}. The value must be either 'earliest', 'latest', "
            "'none' or of the format 'by_duration:<PnDTnHnMn.nS.>'."
        )
        return Problem("enum", "error", name, _invalid(name, text, reason))
    if kind == "topology-optimization":
        text = str(parsed)
        configs = _java_split_drop_trailing(text)
        if ("none" in configs or "all" in configs) and len(configs) > 1:
            return Problem("enum", "error", name, f'"{text}" is not a valid optimization config. {_TOPOLOGY_ERROR}')
        if any(c not in validator.values for c in configs):
            return Problem("enum", "error", name, f"Unrecognized config. {_TOPOLOGY_ERROR}")
        return None
    assert isinstance(parsed, list)
    items: list[str] = parsed
    if kind == "list-size":
        if validator.max_size is not None and len(items) > validator.max_size:
            reason = f"exceeds maximum list size of [{validator.max_size}]."
            return Problem("range", "error", name, _invalid(name, _java_list_str(items), reason))
        return None
    if kind == "throttled-replicas":
        if _throttled_ok(items):
            return None
        reason = (
            f"{name} must be the literal '*' or a list of replicas in the following format: "
            "[partitionId]:[brokerId],[partitionId]:[brokerId],..."
        )
        return Problem("type", "error", name, _invalid(name, _java_list_str(items), reason))
    if kind == "list":
        if validator.non_empty and not items:
            include = _java_list_str(validator.values) if validator.values else "any non-empty value"
            return Problem(
                "range", "error", name, f"Configuration '{name}' must not be empty. Valid values include: {include}"
            )
        for item in items:
            if validator.no_empty_elements and item == "":
                return Problem("type", "error", name, f"Configuration '{name}' values must not be empty.")
            if validator.values and item not in validator.values:
                reason = "String must be one of: " + ", ".join(validator.values)
                return Problem("enum", "error", name, _invalid(name, item, reason))
        return None
    raise AssertionError(f"unhandled validator kind {kind!r}")


def _value_problem(info: KeyInfo, value: str, kafka_version: str) -> Problem | None:
    parsed, problem = _parse_typed(info, value, kafka_version)
    if problem is None:
        problem = _validate(info, info.validator_at(kafka_version), parsed, kafka_version)
    trimmed = java_trim(value)
    gone = info.removed_values.get(trimmed)
    if problem is None and info.type == "class" and _at_least(kafka_version, gone):
        problem = _type_problem(info, value, f"Class {value} could not be found.")
    elif problem is None:
        problem = _missing_classes(info, trimmed, kafka_version)
    if problem is not None and _at_least(kafka_version, gone):
        replacement = info.value_replacements.get(trimmed)
        hint = f"{trimmed} was removed in Kafka {gone}" + (f"; use {replacement}" if replacement else "")
        problem = replace(problem, kind="removed-value", hint=hint)
    elif problem is not None and info.checked_at_construction(kafka_version):
        problem = replace(problem, hint=f"Kafka {kafka_version} checks this value when the client is created")
    return problem


def _missing_classes(info: KeyInfo, trimmed: str, kafka_version: str) -> Problem | None:
    """A class of Kafka's own packages the version does not have: Class.forName fails (or the client's constructor)."""
    if info.type == "class":
        why = missing_class(trimmed, kafka_version)
        if why is not None:
            problem = _type_problem(info, trimmed, f"Class {trimmed} could not be found.")
            return replace(problem, message=f"{problem.message} {why[0].upper()}{why[1:]}")
    elif info.name in CLASS_LISTS:
        for item in parse_list(trimmed):
            why = missing_class(item, kafka_version)
            if why is not None:
                message = f"Class {item} cannot be found (KafkaException when the client is created): {why}"
                return Problem("type", "error", info.name, _invalid(info.name, trimmed, message))
    return None


def _deprecated_value(info: KeyInfo, value: str, kafka_version: str) -> Problem | None:
    trimmed = java_trim(value)
    since = info.deprecated_values.get(trimmed)
    if not _at_least(kafka_version, since):
        return None
    message = f"Value {trimmed} for configuration {info.name} is deprecated since Kafka {since}"
    gone = info.removed_values.get(trimmed)
    if gone:
        message += f" (removed in Kafka {gone})"
    replacement = info.value_replacements.get(trimmed)
    return Problem("deprecated-value", "warning", info.name, message, f"use {replacement}" if replacement else None)


@lru_cache(maxsize=65536)
def problems(info: KeyInfo, value: str, kafka_version: str = LATEST) -> tuple[Problem, ...]:
    """Every finding for ``key=value`` in ``kafka_version``: errors first, then warnings.

    A removed or not-yet-added key is reported alone (its value does not matter to Kafka).
    """
    parse_version(kafka_version)
    status = key_status(info, kafka_version)
    if status is not None and status.kind != "deprecated-key":
        return (status,)
    found: list[Problem] = []
    problem = _value_problem(info, value, kafka_version)
    if problem is not None:
        found.append(problem)
    elif (deprecated := _deprecated_value(info, value, kafka_version)) is not None:
        found.append(deprecated)
    if status is not None:
        found.append(status)
    return tuple(found)


def check_value(info: KeyInfo, value: str, kafka_version: str = LATEST) -> Problem | None:
    """The most important finding for ``key=value`` in ``kafka_version`` (see :func:`problems`), or None."""
    found = problems(info, value, kafka_version)
    return found[0] if found else None
