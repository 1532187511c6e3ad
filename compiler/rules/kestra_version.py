"""Rules: keys the Kestra release in force does not read yet.

The Enterprise documentation introduces some kestra.kafka keys for a given release (message
protection around 0.19, executor.stream-threads in 1.0.1). Before it an open-source Kestra (0.6 and
earlier) certainly ignores them: a warning. An earlier Enterprise release may or may not read an
undocumented key: an info naming the release that documents it.
"""

from __future__ import annotations

from collections.abc import Iterator

from compiler.kestra_versions import DOCUMENTED_SINCE
from compiler.keys import KAFKA_PATH, dotted, has_path
from compiler.rules.base import Context, Finding, Rule, example


def _before_documented(ctx: Context) -> Iterator[Finding]:
    kestra = ctx.kestra
    for tail, (since, where) in DOCUMENTED_SINCE.items():
        path = (*KAFKA_PATH, *tail)
        if not has_path(ctx.tree, path) or not ctx.is_user_set(path) or kestra.at_least(since):
            continue
        release = ".".join(map(str, since)).removesuffix(".0")
        if kestra.open_source:
            yield Finding(
                path,
                f"{dotted(path)} is an Enterprise key of Kestra {release} and later ({where}); Kestra "
                f"{kestra.text}'s open-source Kafka runner "
                "does not read it, so it has no effect: remove it or set cluster.kestra-version to the release "
                "you run",
            )
        else:
            yield Finding(
                path,
                f"{dotted(path)} is documented from Kestra {release} ({where}); Kestra {kestra.text} may ignore it, "
                "so it may have no effect: check your release's documentation",
                level="info",
            )


RULES: tuple[Rule, ...] = (
    Rule(
        id="key-before-kestra-version",
        family="kestra-version",
        level="warning",
        summary="A kestra.kafka key from a later Kestra release (a warning for open-source Kestra, else an info)",
        why="Some kestra.kafka keys arrived with the Enterprise Edition's later releases (message-protection, "
        "documented for 0.19; executor.stream-threads, 1.0.1). The open-source runner of Kestra 0.6 and earlier "
        "never reads them, so they silently do nothing: a warning. An earlier Enterprise release may read a key "
        "before its documentation mentions it: an info naming the release that documents it.",
        check=_before_documented,
        failing=example(
            "cluster:\n  kestra-version: '0.6'\nkestra:\n  kafka:\n    message-protection:\n"
            "      enabled: true\n      soft-limit: 1048576\n"
        ),
        passing=example(
            "cluster:\n  kestra-version: '0.19'\nkestra:\n  kafka:\n    message-protection:\n"
            "      enabled: true\n      soft-limit: 1048576\n"
        ),
    ),
)
