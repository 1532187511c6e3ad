"""Read a Java `.properties` file (as `java.util.Properties.load` does) with line positions."""

from __future__ import annotations

from dataclasses import dataclass

from compiler.errors import InputError, Origin

_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


@dataclass(frozen=True)
class Entry:
    key: str
    value: str
    origin: Origin


def _unescape(text: str, origin: Origin) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "u":
                code = text[i + 2 : i + 6]
                if len(code) != 4 or any(c not in "0123456789abcdefABCDEF" for c in code):
                    raise InputError(f"malformed \\uxxxx escape '\\u{code}'", origin, rule="properties-syntax")
                out.append(chr(int(code, 16)))
                i += 6
                continue
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _logical_lines(text: str) -> list[tuple[int, str]]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        start = i
        line = lines[i].lstrip(" \t\f")
        i += 1
        if not line or line[0] in "#!":
            continue
        while _continues(line) and i < len(lines):
            line = line[:-1] + lines[i].lstrip(" \t\f")
            i += 1
        if _continues(line):
            line = line[:-1]
        out.append((start + 1, line))
    return out


def _continues(line: str) -> bool:
    backslashes = len(line) - len(line.rstrip("\\"))
    return backslashes % 2 == 1


def parse(text: str, display: str) -> list[Entry]:
    entries: list[Entry] = []
    for number, line in _logical_lines(text):
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
        origin = Origin(display, number, 1)
        entries.append(Entry(_unescape(key_raw, origin), _unescape(rest, origin), origin))
    return entries


def load(path_text: str, display: str) -> list[Entry]:
    return parse(path_text, display)
