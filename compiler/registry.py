"""Every diagnostic id kkc can report, in one registry: the validation rules and the errors the
pipeline's stages raise when they cannot go on (invalid YAML, a missing reference, ...).

`kkc rules` lists them, `kkc rule ID` explains one, and docs/rules.md is generated from here.
"""

from __future__ import annotations

from functools import cache

from compiler.records import record
from compiler.rules.base import Example


@record
class DiagnosticId:
    id: str
    source: str  # the rule family, or "stage: <stage>" for an error that stops compilation
    level: str
    summary: str
    why: str
    failing: str  # an input that gets this diagnostic, as a user would write it
    passing: str  # the same input, corrected


@cache
def registry() -> dict[str, DiagnosticId]:
    from compiler.rules import REGISTRY
    from compiler.stage_ids import STAGE_IDS

    found: dict[str, DiagnosticId] = {}
    for rule in REGISTRY.values():
        found[rule.id] = DiagnosticId(
            rule.id, rule.family, rule.level, rule.summary, rule.why, show(rule.failing), show(rule.passing)
        )
    for stage in STAGE_IDS:
        if stage.id in found:
            raise RuntimeError(f"diagnostic id {stage.id} is both a rule and a stage error")
        found[stage.id] = DiagnosticId(
            stage.id, f"stage: {stage.stage}", "error", stage.summary, stage.why, stage.failing, stage.passing
        )
    return dict(sorted(found.items()))


def show(example: Example | None) -> str:
    """An example as the user would write it: the YAML layer(s), the files of a tree, or a .properties file."""
    if example is None:
        return ""
    parts: list[str] = []
    options = dict(example.options)
    if options:
        flags = " ".join(f"--{k.replace('_', '-')} {v}" for k, v in options.items())
        parts.append(f"# kkc validate FILE {flags}")
    if example.properties:
        role, text = example.properties
        parts.append(f"# client.properties, kkc validate client.properties --as {role}\n{text}")
    for rel, text in example.tree:
        parts.append(f"# conf/{rel}\n{text}")
    for index, text in enumerate(example.layers):
        label = f"# layer {index + 1} (a target of its own)\n" if len(example.layers) > 1 else ""
        parts.append(label + text)
    return "\n".join(part.rstrip("\n") for part in parts) + "\n"
