"""The registry of validation rules: every family module, listed explicitly, in report order."""

from __future__ import annotations

from compiler.rules import (
    connection,
    cross_field,
    data_safety,
    deployment,
    kafka_properties,
    kestra_version,
    loggers,
    message_size,
    placeholders,
    policy,
    replication,
    security,
    structure,
    topics,
    tuning,
)
from compiler.rules.base import Rule

FAMILIES = (
    structure,
    deployment,
    kafka_properties,
    connection,
    cross_field,
    replication,
    message_size,
    topics,
    kestra_version,
    data_safety,
    security,
    loggers,
    placeholders,
    policy,
    tuning,
)

REGISTRY: dict[str, Rule] = {}
for _family in FAMILIES:
    for _rule in _family.RULES:
        if _rule.id in REGISTRY:
            raise RuntimeError(f"duplicate rule id {_rule.id}")
        REGISTRY[_rule.id] = _rule
