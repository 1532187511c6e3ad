"""`kkc apply`: show the plan, then create missing topics and set drifted configs (never deletes, never shrinks)."""

from __future__ import annotations

import argparse

from compiler.commands.plan import Options, _add, run

NAME = "apply"
__all__ = ["NAME", "Options", "add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    _add(
        sub,
        "apply",
        "create the missing topics of the compiled plan and set drifted configs on a live cluster",
        "Show the plan (as kkc plan), then create each missing topic with its planned partitions, replication "
        "factor and configs, and set drifted configs one by one (IncrementalAlterConfigs: the topic's other "
        "configs stay). Never deletes a topic, never decreases partitions, increases them only with "
        "--allow-partition-increase, never changes a replication factor. A failure part-way says what was and "
        "was not done.",
    )
