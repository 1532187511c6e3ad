"""What the cross-field rules share: the family name, Kafka defaults they need, broker settings."""

from __future__ import annotations

from compiler.keys import Path_
from compiler.rules.base import Context
from compiler.values import parse_int

FAMILY = "cross-field"
INT_MAX = 2**31 - 1
LONG_MAX = 2**63 - 1
STREAMS_LINGER_MS = 100  # StreamsConfig PRODUCER_DEFAULT_OVERRIDES
STREAMS_EOS_TRANSACTION_TIMEOUT_MS = 10000  # StreamsConfig DEFAULT_TRANSACTION_TIMEOUT
STREAMS_EOS_COMMIT_INTERVAL_MS = 100


def broker_setting(ctx: Context, key: str, default: int) -> tuple[int | None, str, Path_ | None]:
    """A broker setting from cluster.broker-defaults (value, where it comes from, its path) or Kafka's default.

    The path is None when the setting is not declared: a verdict on Kafka's default is then an info."""
    declared = ctx.broker_value(key)
    if declared is not None:
        return parse_int(declared[0]), "cluster.broker-defaults", declared[1]
    return default, "Kafka's default", None
