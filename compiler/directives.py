"""Inline suppressions: `# kkc: disable=RULE-ID[,RULE-ID...] reason`, found while a file is loaded.

A directive alone on its line applies to the line directly below it (several comment lines stacked
directly above a line all apply to it); a directive after content applies to its own line. The
load stage only finds them; the validate stage matches them to findings by position.
"""

from __future__ import annotations

import bisect
import difflib
from collections.abc import Callable

from compiler.errors import Origin
from compiler.patterns import lazy
from compiler.records import record

MARKER = "kkc:"
_BODY = lazy(r"^[#!]\s*kkc:\s*(.*?)\s*$")
_DISABLE = lazy(r"^disable\s*=\s*([A-Za-z0-9_.\-]+(?:\s*,\s*[A-Za-z0-9_.\-]+)*)(.*)$")
_WORD = lazy(r"^([A-Za-z][\w-]*)\s*=")
# Line breaks as ruamel counts them, so a comment's line number is the one YAML positions use.
_BREAK = lazy(r"\r\n|[\n\r\x85\u2028\u2029]")
_YAML_COMMENT = lazy(r"(?:^|(?<=[ \t]))#")
SYNTAX = "# kkc: disable=RULE-ID reason"


@record
class Directive:
    origin: Origin  # where the comment starts
    line: int  # the line it silences; 0 when there is none (a blank line or the end of the file below it)
    ids: tuple[str, ...]  # rule ids or family names, as written
    reason: str
    problem: str = ""  # why it cannot apply as written (a malformed directive, a .properties value)


def parse(comment: str, origin: Origin, line: int) -> Directive | None:
    """The directive a comment (starting at its `#` or `!`) holds; None for an ordinary comment."""
    match = _BODY().match(comment)
    if match is None:
        return None
    body = match.group(1)
    disable = _DISABLE().match(body)
    if disable is not None:
        ids = tuple(i.strip() for i in disable.group(1).split(","))
        rest = disable.group(2)
        if rest and not rest[0].isspace():
            return Directive(origin, line, ids, "", f"write the rule ids, then a space and the reason: {SYNTAX}")
        return Directive(origin, line, ids, rest.strip())
    if body.startswith("disable"):
        return Directive(origin, line, (), "", f"name the rule ids to silence: {SYNTAX}")
    word = _WORD().match(body)
    if word is None:
        return None  # free text after `kkc:` is a comment about kkc, not a directive
    hint = "did you mean 'disable'? " if difflib.get_close_matches(word.group(1), ["disable"], n=1) else ""
    return Directive(origin, line, (), "", f"unknown directive '{word.group(1)}': {hint}kkc reads {SYNTAX}")


def in_yaml(
    text: str, scalars: list[tuple[int, int]], display: str, place: Callable[[int, int], Origin] | None = None
) -> tuple[Directive, ...]:
    """The directives of a YAML file; `scalars` are the (start, end) offsets of its scalars, where a
    `#` is content (a quoted string, a block scalar), not a comment. `place` maps a (line, column)
    of a YAML text embedded in another file's block scalar to that file's position."""
    if MARKER not in text:
        return ()
    where = place or (lambda line, column: Origin(display, line, column))
    spans = sorted(scalars)
    starts = [s for s, _ in spans]

    def in_scalar(offset: int) -> bool:
        index = bisect.bisect_right(starts, offset) - 1
        return index >= 0 and offset < spans[index][1]

    lines: list[tuple[int, str]] = []  # (offset of the line, its text)
    offset = 0
    for match in _BREAK().finditer(text):
        lines.append((offset, text[offset : match.start()]))
        offset = match.end()
    lines.append((offset, text[offset:]))

    def comment_at(index: int) -> int:
        """The column (0-based) where line `index`'s comment starts, or -1."""
        start, line = lines[index]
        for found in _YAML_COMMENT().finditer(line):
            if not in_scalar(start + found.start()):
                return found.start()
        return -1

    def comment_only(index: int) -> bool:
        line = lines[index][1]
        indent = len(line) - len(line.lstrip(" \t"))
        return line[indent:].startswith("#") and comment_at(index) == indent

    out: list[Directive] = []
    for index, (_, line) in enumerate(lines):
        if MARKER not in line:
            continue
        column = comment_at(index)
        if column < 0:
            continue
        target = index + 1
        if not line[:column].strip():
            below = index + 1
            while below < len(lines) and comment_only(below):
                below += 1
            target = below + 1 if below < len(lines) and lines[below][1].strip() else 0
        if target and place is not None:
            target = place(target, 1).line
        directive = parse(line[column:], where(index + 1, column + 1), target)
        if directive is not None:
            out.append(directive)
    return tuple(out)
