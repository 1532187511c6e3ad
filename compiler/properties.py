"""Read a Java `.properties` file (as `java.util.Properties.load` does) with line positions."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from compiler.diagnostics import Note
from compiler.directives import MARKER, Directive
from compiler.directives import parse as parse_directive
from compiler.errors import InputError, Origin
from compiler.keys import Path_, role_properties_path
from compiler.layers import Layer, display_path, empty_file_note
from compiler.patterns import lazy
from compiler.records import record
from compiler.yamlload import MAX_FILE_BYTES

_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


@record
class Entry:
    key: str
    value: str
    origin: Origin


class _Line:
    """One logical line (continuations joined) and where each of its pieces starts in the file."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.text = ""
        self.pieces: list[tuple[int, int, int]] = []  # (offset in text, line, column) of each physical piece

    def add(self, piece: str, line: int, column: int) -> None:
        self.pieces.append((len(self.text), line, column))
        self.text += piece

    def origin(self, display: str, offset: int) -> Origin:
        start, line, column = next(p for p in reversed(self.pieces) if p[0] <= offset)
        return Origin(display, line, column + offset - start)


def _unescape(text: str, at: int, line: _Line, display: str) -> str:
    """Java's escapes; `at` is the offset of `text` in the logical line (for positions)."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "u":
                code = text[i + 2 : i + 6]
                if len(code) != 4 or any(c not in "0123456789abcdefABCDEF" for c in code):
                    # The characters are not quoted back: they may be part of a password.
                    raise InputError(
                        "malformed \\uxxxx escape: '\\u' must be followed by 4 hexadecimal digits (Java's "
                        "Properties.load refuses the file); write a backslash as '\\\\'",
                        line.origin(display, at + i),
                        rule="properties-syntax",
                    )
                out.append(chr(int(code, 16)))
                i += 6
                continue
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    # Java strings are UTF-16: a \\uD83D\\uDE00 pair is one character.
    return "".join(out).encode("utf-16", "surrogatepass").decode("utf-16")


def _physical_lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _logical_lines(text: str, comments: dict[int, tuple[int, str]] | None = None) -> list[_Line]:
    """The key-value lines; `comments` gets each comment line's (column, text) by line number."""
    lines = _physical_lines(text)
    out: list[_Line] = []
    i = 0
    while i < len(lines):
        logical = _Line(i + 1)
        stripped = lines[i].lstrip(" \t\f")
        column = len(lines[i]) - len(stripped) + 1
        i += 1
        if stripped[:1] in ("#", "!") and comments is not None:
            comments[i] = (column, stripped)
        if not stripped or stripped[0] in "#!":
            continue
        while _continues(stripped) and i < len(lines):
            logical.add(stripped[:-1], i, column)
            stripped = lines[i].lstrip(" \t\f")
            column = len(lines[i]) - len(stripped) + 1
            i += 1
        if _continues(stripped):
            stripped = stripped[:-1]
        logical.add(stripped, i, column)
        out.append(logical)
    return out


def _continues(line: str) -> bool:
    backslashes = len(line) - len(line.rstrip("\\"))
    return backslashes % 2 == 1


def parse(text: str, display: str) -> list[Entry]:
    entries: list[Entry] = []
    for logical in _logical_lines(text):
        line = logical.text
        i = 0
        while i < len(line):
            ch = line[i]
            if ch == "\\":
                i += 2
                continue
            if ch in "=: \t\f":
                break
            i += 1
        key_raw = line[:i]
        rest = line[i:].lstrip(" \t\f")
        if rest[:1] in ("=", ":"):
            rest = rest[1:].lstrip(" \t\f")
        value_at = len(line) - len(rest)
        origin = Origin(display, logical.number, logical.pieces[0][2])
        key = _unescape(key_raw, 0, logical, display)
        entries.append(Entry(key, _unescape(rest, value_at, logical, display), origin))
    return entries


_IN_VALUE = lazy(r"[ \t\f]([#!][ \t\f]*kkc:.*)$")


def find_directives(text: str, display: str) -> tuple[Directive, ...]:
    """The `# kkc: disable=...` (or `! kkc: ...`) comment lines: each applies to the line below it.

    Java's Properties has no trailing comments: one after a value is part of the value Kafka reads,
    so it is kept as a directive that applies to nothing and says so."""
    if MARKER not in text:
        return ()
    comments: dict[int, tuple[int, str]] = {}
    logical = _logical_lines(text, comments)
    lines = _physical_lines(text)
    out: list[Directive] = []
    for number, (column, comment) in comments.items():
        below = number + 1
        while below in comments:
            below += 1
        target = below if below <= len(lines) and lines[below - 1].strip(" \t\f") else 0
        found = parse_directive(comment, Origin(display, number, column), target)
        if found is not None:
            out.append(found)
    for line in logical:
        match = _IN_VALUE().search(line.text)
        found = parse_directive(match.group(1), line.origin(display, match.start(1)), 0) if match else None
        if found is not None:
            problem = (
                "a '#' after a value is part of the value in a .properties file (Java's Properties has no "
                "trailing comments), so Kafka reads this text as part of the value: put the directive on its "
                "own line directly above"
            )
            out.append(replace(found, problem=problem))
    return tuple(sorted(out, key=lambda d: (d.origin.line, d.origin.column)))


def load(path_text: str, display: str) -> list[Entry]:
    return parse(path_text, display)


def load_layer(path: Path, role: str) -> tuple[Layer, list[Note]]:
    """A plain Kafka client .properties file as the one layer of `role`'s properties.

    Read the way Kafka's clients read it (ISO-8859-1); a key set twice and an empty file are noted."""
    shown = display_path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {shown}: {exc.strerror}", Origin(shown), rule="unreadable-file") from None
    if len(raw) > MAX_FILE_BYTES:
        raise InputError(f"file is over kkc's limit of {MAX_FILE_BYTES} bytes", Origin(shown), rule="file-too-large")
    text = raw.decode("latin-1")
    entries = parse(text, shown)
    prefix = role_properties_path(role)
    values: dict[str, Any] = {}
    positions: dict[Path_, Origin] = {}
    notes: list[Note] = []
    for entry in entries:
        if entry.key in values:
            first = positions[(*prefix, entry.key)]
            notes.append(
                Note(
                    "duplicate-property",
                    (*prefix, entry.key),
                    entry.key,
                    f"'{entry.key}' is set twice (first at line {first.line}): Kafka silently uses this later "
                    "value; keep one",
                    entry.origin,
                )
            )
        values[entry.key] = entry.value
        positions[(*prefix, entry.key)] = entry.origin
    if not entries:
        notes.append(empty_file_note(shown, "property"))
    data: dict[str, Any] = values
    for part in reversed(prefix):
        data = {str(part): data}
    return Layer(shown, data, positions, directives=find_directives(text, shown)), notes
