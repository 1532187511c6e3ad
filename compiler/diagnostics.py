"""One problem found in a config: the record every output format prints."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from compiler.errors import KkcError, Origin, printable
from compiler.keys import Path_
from compiler.records import record

LEVELS = ("error", "warning", "info")


@record
class Note:
    """What a stage noticed and applied anyway (a renamed key, an empty file): a rule reports it."""

    rule: str
    path: Path_
    original: str
    message: str
    origin: Origin | None


@record
class Diagnostic:
    file: str
    line: int
    column: int
    key: str
    level: str
    rule: str
    message: str
    target: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def sort_key(self) -> tuple[str, str, int, int, int, str, str]:
        return (self.target, self.file, self.line, self.column, LEVELS.index(self.level), self.rule, self.key)


@record
class Suppressed:
    """A finding an inline `# kkc: disable=...` comment silenced: kept for the count and for SARIF."""

    diagnostic: Diagnostic
    origin: Origin  # the comment
    reason: str

    def to_dict(self) -> dict[str, Any]:
        where = {"file": self.origin.file, "line": self.origin.line, "column": self.origin.column}
        return {**self.diagnostic.to_dict(), "suppressed-by": {**where, "reason": self.reason}}


def at(origin: Origin | None, key: str, level: str, rule: str, message: str, target: str) -> Diagnostic:
    message, key = printable(message), printable(key)
    if origin is not None and origin.inside:
        message = f"{message} [{printable(origin.inside)}]"
    if origin is None:
        return Diagnostic("", 0, 0, key, level, rule, message, target)
    return Diagnostic(origin.file, origin.line, origin.column, key, level, rule, message, target)


def from_error(error: KkcError, target: str) -> Diagnostic:
    return at(error.origin, error.key or "", "error", error.rule, error.message, target)


def summary(diagnostics: list[Diagnostic]) -> dict[str, int]:
    return {f"{level}s": sum(1 for d in diagnostics if d.level == level) for level in LEVELS}
