"""Hand-built inputs for the stage tests: a Layer as the loader would give it, without a file.

`layer()` gives every key the position it would have if `data` were written in YAML block style,
two spaces per level, one key per line from line 1 (list items one per line, `- ` under their
key, a mapping item's first key on its dash line), which is what kkc's loader reports for such a
file. Tests can then assert the exact file:line:column users see.
"""

from __future__ import annotations

from typing import Any

from compiler.errors import Origin
from compiler.keys import Path_
from compiler.layers import Layer


def positions(file: str, data: dict[str, Any]) -> dict[Path_, Origin]:
    found: dict[Path_, Origin] = {}
    line = 0

    def mapping(node: dict[str, Any], path: Path_, column: int, first_on_current_line: bool) -> None:
        nonlocal line
        for index, (key, value) in enumerate(node.items()):
            if not (first_on_current_line and index == 0):
                line += 1
            here = (*path, key)
            found[here] = Origin(file, line, column)
            if isinstance(value, dict) and value:
                mapping(value, here, column + 2, False)
            elif isinstance(value, list):
                sequence(value, here, column + 4)

    def sequence(items: list[Any], path: Path_, column: int) -> None:
        nonlocal line
        for index, item in enumerate(items):
            line += 1
            found[(*path, index)] = Origin(file, line, column)
            if isinstance(item, dict) and item:
                mapping(item, (*path, index), column, True)

    mapping(data, (), 1, False)
    return found


def layer(kind: str, file: str, data: dict[str, Any]) -> Layer:
    """One config file's layer: `kind` is what `explain` calls it ("env prod"), `file` its label."""
    return Layer(file, data, positions(file, data), [], kind)


def at(file: str, line: int, column: int) -> Origin:
    return Origin(file, line, column)
