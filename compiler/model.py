"""The compiled result of one target: what validation, emission, explain and diff read.

The pipeline builds it once, at the end of the stages; nothing changes it afterwards.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

from compiler.derive import TopicPlan
from compiler.diagnostics import Note
from compiler.keys import TOOL_KEYS, Path_
from compiler.layers import Layer
from compiler.merge import Merged
from compiler.records import record
from compiler.resolve import Resolved, lookup_reference


@record
class Compiled:
    target: str
    layers: list[Layer]
    notes: list[Note]
    merged: Merged
    resolved: Resolved
    clients: dict[str, dict[str, str]] = field(default_factory=dict)
    topics: list[TopicPlan] = field(default_factory=list)
    properties_role: str | None = None  # set when the input was one client's .properties file
    whole: bool = True  # a target of a config tree; False for existing files, which may be fragments

    @property
    def kestra(self) -> dict[str, Any]:
        tree = self.resolved.tree.get("kestra")
        return tree if isinstance(tree, dict) else {}

    @property
    def tool(self) -> dict[str, Any]:
        return {k: self.resolved.tree[k] for k in TOOL_KEYS if k in self.resolved.tree}

    @property
    def runtime_placeholders(self) -> list[str]:
        return sorted(self.resolved.runtime)

    def reference_path(self, key: str) -> Path_ | None:
        """The config key a `${key}` placeholder names in this target (Kafka property names whole)."""
        return lookup_reference(self.merged.tree, key)
