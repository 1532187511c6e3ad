"""Cross-field rules of admin clients (Kestra's own, and the one inside Kafka Streams)."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.rules.base import ClientFinding, Context, Rule, example, props_layer, reported_once
from compiler.rules.cross_field.common import FAMILY


def _api_timeout(ctx: Context) -> Iterator[ClientFinding]:
    for c in ctx.clients("admin"):
        if c.key("default.api.timeout.ms") is None:
            continue  # left at its default, Kafka raises it to request.timeout.ms (with a WARN)
        api = c.number("default.api.timeout.ms", c.default("default.api.timeout.ms"))
        request = c.number("request.timeout.ms", c.default("request.timeout.ms"))
        if api is None or request is None or api >= request:
            continue
        yield c.at(
            "default.api.timeout.ms",
            f"default.api.timeout.ms {api} is below request.timeout.ms {request}: {{who}} cannot start "
            "(ConfigException: The specified value of default.api.timeout.ms must be no smaller than the value of "
            "request.timeout.ms.). Raise default.api.timeout.ms, or lower request.timeout.ms.",
        )


RULES: tuple[Rule, ...] = (
    Rule(
        id="api-timeout-below-request-timeout",
        family=FAMILY,
        level="error",
        summary="An admin client's explicit default.api.timeout.ms below its request.timeout.ms: it does not start",
        why="Admin.create refuses an explicit default.api.timeout.ms smaller than request.timeout.ms "
        "(ConfigException; left unset, Kafka raises it to request.timeout.ms with a WARN), "
        "so Kestra's admin client, or the one inside Kafka Streams (the executor), does not start. Error.",
        check=reported_once(_api_timeout),
        failing=example(props_layer("client", "default.api.timeout.ms: 10000")),
        passing=example(props_layer("client", "default.api.timeout.ms: 60000")),
    ),
)
