"""Stage 1, load: a YAML syntax error said the way a user fixes it, at the place the mistake is."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from compiler.errors import InputError

if TYPE_CHECKING:
    from compiler.yamlload import _Place


_HINTS = (
    ("'\\t'", "; YAML indents with spaces, never tabs"),
    ("expected <block end>", ": this line's indentation matches no enclosing level; line it up with its siblings"),
    ("mapping values are not allowed here", ": a value holding ': ' must be quoted"),
)


def syntax_error(exc: Any, place: _Place, text: str) -> InputError:
    """ruamel's error, said the way a user fixes it (an unclosed quote or bracket: where it starts)."""
    problem = exc.problem or exc.context or "invalid YAML"
    context = exc.context if exc.context and exc.problem else ""
    mark = exc.problem_mark or exc.context_mark
    at_end = "end of stream" in problem or "<stream end>" in problem
    if at_end and context == "while parsing a flow node":
        return InputError(
            "invalid YAML: the file ends inside a [...] list or {...} mapping that is never closed",
            place.mark(mark),
            rule="yaml-syntax",
        )
    if at_end and context and exc.context_mark is not None:
        what = context.removeprefix("while scanning ").removeprefix("while parsing ")
        for yaml_word, plain in (
            ("flow sequence", "[...] list"),
            ("flow mapping", "{...} mapping"),
            ("scalar", "string"),
        ):
            what = what.replace(yaml_word, plain)
        start = exc.context_mark
        return InputError(
            f"invalid YAML: the file ends inside {what} that starts at {place.said(start.line + 1, start.column + 1)}"
            ": close it there",
            place.mark(mark),
            rule="yaml-syntax",
        )
    lines = text.splitlines()
    cause = _earlier_cause(problem, mark, lines)
    if cause is not None:
        line, column, said = cause
        return InputError(f"invalid YAML: {said}", place(line, column), rule="yaml-syntax")
    for needle, hint in _HINTS:
        if needle in problem:
            problem += hint
    if mark is not None and mark.line < len(lines) and "{{" in lines[mark.line]:
        problem += "; '{{ ... }}' is template syntax (Helm, Jinja): render the template first and check its output"
    return InputError(
        f"invalid YAML: {problem}" + (f" ({context})" if context else ""),
        place.mark(mark),
        rule="yaml-syntax",
    )


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _previous_content(lines: list[str], index: int) -> int | None:
    for j in range(index - 1, -1, -1):
        if lines[j].strip() and not lines[j].lstrip().startswith("#"):
            return j
    return None


def _open_quote(line: str) -> int | None:
    """The column of a double quote the line opens and does not close (outside single quotes), or None."""
    start, inside, single = None, False, False
    index = 0
    while index < len(line):
        ch = line[index]
        if ch == "#" and not inside and not single and (index == 0 or line[index - 1] == " "):
            break
        if ch == "'" and not inside:
            single = not single
        elif ch == '"' and not single:
            inside, start = not inside, index
        elif ch == "\\" and inside:
            index += 1
        index += 1
    return start if inside else None


def _earlier_cause(problem: str, mark: Any, lines: list[str]) -> tuple[int, int, str] | None:
    """Where a mistake the scanner only trips over a line later really is: (line, column, message), 1-based.

    'mapping values are not allowed here' on a `key: value` line means the line above swallowed it as
    more of its own text (its ':' is missing, or this line is indented deeper than it); 'expected <block
    end>' after a double quote left open means the quoted string ran on to the next line."""
    if mark is None or mark.line >= len(lines):
        return None
    here = lines[mark.line]
    above = _previous_content(lines, mark.line)
    if above is None:
        return None
    prev = lines[above]
    if "mapping values are not allowed here" in problem and ": " not in here[: mark.column].strip():
        key, colon, value = prev.strip().partition(": ")
        shown = prev.strip()
        if not colon and not prev.rstrip().endswith(":") and not prev.lstrip().startswith("- "):
            return (
                above + 1,
                _indent(prev) + 1,
                f"'{shown}' has no ':' after its key, so YAML reads line {mark.line + 1} as more of its text; "
                f"write '{key.split(' ')[0]}: ...'",
            )
        if colon and value and _indent(here) > _indent(prev):
            return (
                above + 1,
                _indent(prev) + 1,
                f"line {mark.line + 1} is indented deeper than line {above + 1} ('{shown}'), which already has a "
                f"value, so YAML reads line {mark.line + 1} as more of that value: line both up with their siblings",
            )
    if "expected <block end>" in problem or "expected <block end>" in str(getattr(mark, "name", "")):
        column = _open_quote(prev)
        if column is not None:
            return (
                above + 1,
                column + 1,
                "a double-quoted string opened here is not closed on its line, so YAML reads on into line "
                f"{mark.line + 1}; close it with '\"'",
            )
    return None
