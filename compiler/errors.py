"""The errors kkc reports to users, and the exit codes (compiler/exitcodes.py) they map to."""

from __future__ import annotations

from compiler.exitcodes import EXIT_PROBLEMS, EXIT_USAGE
from compiler.records import record

_CONTROL = {c: f"\\x{c:02x}" for c in [*range(0x20), 0x7F] if c not in (0x09,)}


def printable(text: str) -> str:
    """Control characters escaped: a message must never drive the reader's terminal."""
    return text.translate(_CONTROL)


@record(slots=True)
class Origin:
    """Where a value was written: a file position (1-based) or a command-line override."""

    file: str
    line: int = 0
    column: int = 0
    layer: str = ""
    # Where inside a value the position really is, when the file cannot show it (a base64 Secret
    # value, a quoted string holding YAML): line and column are then those of the value's key.
    inside: str = ""

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.column}"
        return self.file


class KkcError(Exception):
    """A problem the user can fix; printed as one line, never with a traceback."""

    exit_code = EXIT_PROBLEMS

    def __init__(
        self, message: str, origin: Origin | None = None, key: str | None = None, rule: str = "invalid-input"
    ) -> None:
        super().__init__(message)
        self.message = message
        self.origin = origin
        self.key = key
        self.rule = rule

    def __str__(self) -> str:
        where = f"{self.origin}: " if self.origin is not None else "kkc: "
        if isinstance(self, UsageError):
            return printable(f"{where}error: {self.message}")
        return printable(f"{where}error [{self.rule}] {self.message}")


class InputError(KkcError):
    """Something wrong in the configuration files or overrides (exit 1)."""


class UsageError(KkcError):
    """Something wrong in how kkc was called (exit 2)."""

    exit_code = EXIT_USAGE


class ClusterError(UsageError):
    """kkc could not connect to a live cluster, or the cluster refused a request (exit 2). The message
    holds the broker's or the client's own text, never a secret."""


class ProblemList(KkcError):
    """Several input problems found in one run; all of them are reported."""

    def __init__(self, problems: list[KkcError]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)
