"""Micronaut placeholders: `${key}`, `${key:default}`, `${a:b:c}` (a, else b, else literal c).

The first `:` starts the default; a default may hold `${...}`; backticks quote a `:`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_NAME_RE = re.compile(r"[A-Za-z0-9_.\-\[\]]*")


class PlaceholderSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class Placeholder:
    start: int
    end: int  # index after the closing brace
    text: str  # the whole `${...}`
    keys: tuple[str, ...]  # keys tried in order
    default: str | None  # literal default (may itself hold placeholders)


def _split_top(body: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    quoted = False
    current: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "`":
            quoted = not quoted
        elif not quoted and body.startswith("${", i):
            depth += 1
            current.append("${")
            i += 2
            continue
        elif not quoted and ch == "}" and depth:
            depth -= 1
        elif not quoted and ch == ":" and depth == 0:
            parts.append("".join(current))
            current = []
            i += 1
            continue
        current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


def find(text: str) -> list[Placeholder]:
    """Every top-level placeholder in `text`, left to right (a new list: callers may change it)."""
    return list(_find(text))


@lru_cache(maxsize=16384)
def _find(text: str) -> tuple[Placeholder, ...]:
    # Targets share most of their strings: each distinct one is parsed once (errors are not cached).
    return tuple(_scan(text))


def _scan(text: str) -> list[Placeholder]:
    out: list[Placeholder] = []
    i = 0
    while True:
        start = text.find("${", i)
        if start < 0:
            return out
        depth = 0
        quoted = False
        j = start
        end = -1
        while j < len(text):
            if text[j] == "`":
                quoted = not quoted
            elif not quoted and text.startswith("${", j):
                depth += 1
                j += 2
                continue
            elif not quoted and text[j] == "}":
                depth -= 1
                if depth == 0:
                    end = j + 1
                    break
            j += 1
        if end < 0:
            # Only the name is quoted back: the rest of the value may hold a password.
            name = _NAME_RE.match(text, start + 2)
            shown = text[start : name.end() if name else start + 2]
            why = " (an unpaired ` quotes it)" if text.count("`", start) % 2 else ""
            raise PlaceholderSyntaxError(f"unclosed placeholder '{shown}...': a '${{' without its '}}'{why}")
        body = text[start + 2 : end - 1]
        parts = _split_top(body)
        keys = tuple(p.strip() for p in (parts[:-1] if len(parts) > 1 else parts))
        default = parts[-1] if len(parts) > 1 else None
        if default is not None and len(default) >= 2 and default[0] == default[-1] == "`":
            default = default[1:-1]
        if not keys[0]:
            shown = "${}" if default is None else "${:...}"
            raise PlaceholderSyntaxError(f"empty placeholder name in '{shown}': name a key or variable before any ':'")
        out.append(Placeholder(start, end, text[start:end], keys, default))
        i = end
