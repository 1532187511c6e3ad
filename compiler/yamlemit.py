"""A direct YAML writer for the data kkc emits, byte-for-byte what `emit.dump_yaml`'s ruamel round-trip
dumper writes (tests/unit/test_yamlemit.py checks both on the golden cases and generated data).

ruamel's round-trip dumper was 70% of `compile --all` (issue 16: 39 ms per target). kkc's output is a
small subset of YAML: block mappings and sequences of strings, ints, bools and None. This module writes
that subset itself, with the same YAML 1.1 quoting rule and ruamel's own choice between plain,
single- and double-quoted scalars (its `analyze_scalar`). Anything outside the subset (a float, a list
directly inside a list, None in a list, a key too long for a simple key) raises `Unsupported`, and the
caller uses ruamel for that document.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any


class Unsupported(Exception):
    """The data holds something this writer leaves to ruamel."""


_ESCAPES = {
    "\0": "0",
    "\x07": "a",
    "\x08": "b",
    "\x09": "t",
    "\x0a": "n",
    "\x0b": "v",
    "\x0c": "f",
    "\x0d": "r",
    "\x1b": "e",
    '"': '"',
    "\\": "\\",
    "\x85": "N",
    "\xa0": "_",
    "\u2028": "L",
    "\u2029": "P",
}

_BREAKS = frozenset("\n\r\x85\u2028\u2029")
# Starts with an ASCII letter or `_`, then letters, digits and `_.-/` only: no YAML indicator, no space,
# and, once YAML 1.1's typed words are ruled out, a string in YAML 1.2 too. Most names, prefixes and
# paths are such; ruamel's analysis of each new one was a third of rendering a target.
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*\Z")
MAX_SIMPLE_KEY = 100  # ruamel writes a key of 128 characters or more as a complex key (`? key`)


@cache
def _emitter() -> Any:
    """A ruamel emitter configured as emit.dump_yaml's, used only for its analyze_scalar."""
    import io

    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.width = 1_000_000
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.default_flow_style = False
    yaml.dump({}, io.StringIO())  # builds the emitter and serializer as a real dump does
    return yaml.emitter


@lru_cache(maxsize=65536)
def _scalar_text(text: str, key: bool) -> str:
    from compiler.emit import yaml11_typed
    from compiler.yamlload import _implicit_tag

    if key and (len(text) >= MAX_SIMPLE_KEY or _BREAKS.intersection(text)):
        raise Unsupported("a key ruamel writes as a complex key (`? key`)")
    if yaml11_typed(text) or (not key and (text == "" or text != text.strip() or "\n" in text)):
        return _double_quoted(text)  # emit._prepare's rule (keys: YAML 1.1 typed only): DoubleQuotedScalarString
    if _PLAIN.match(text):
        return text
    analysis = _emitter().analyze_scalar(text)
    implicit = _implicit_tag(text, (1, 2)) == "tag:yaml.org,2002:str"
    if implicit and not (key and (analysis.empty or analysis.multiline)) and analysis.allow_block_plain:
        return text
    if analysis.allow_double_quoted and ("'" in text or "\n" in text):
        return _double_quoted(text)
    if analysis.allow_single_quoted and not (key and analysis.multiline):
        if _BREAKS.intersection(text):
            raise Unsupported("a line break ruamel folds in a single-quoted scalar")
        return "'" + text.replace("'", "''") + "'"
    return _double_quoted(text)


def _double_quoted(text: str) -> str:
    out = ['"']
    for ch in text:
        if ch in '"\\\x85\u2028\u2029\ufeff' or not (
            "\x20" <= ch <= "\x7e"
            or "\xa0" <= ch <= "\ud7ff"
            or "\ue000" <= ch <= "\ufffd"
            or "\U00010000" <= ch <= "\U0010ffff"
        ):
            if ch in _ESCAPES:
                out.append("\\" + _ESCAPES[ch])
            elif ch <= "\xff":
                out.append(f"\\x{ord(ch):02X}")
            elif ch <= "\uffff":
                out.append(f"\\u{ord(ch):04X}")
            else:
                out.append(f"\\U{ord(ch):08X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if type(value) is str:
        return _scalar_text(value, False)
    # A styled string (ruamel's LiteralScalarString for an embedded YAML text, ...) is ruamel's to write.
    raise Unsupported(type(value).__name__)


def _mapping(data: dict[Any, Any], indent: int, out: list[str]) -> None:
    pad = " " * indent
    for key, value in data.items():
        head = f"{pad}{_scalar_text(key if type(key) is str else str(key), True)}:"
        if type(value) is str:  # most leaves: _value's answer, without its other tests
            out.append(f"{head} {_scalar_text(value, False)}\n")
        elif isinstance(value, dict):
            if value:
                out.append(head + "\n")
                _mapping(value, indent + 2, out)
            else:
                out.append(head + " {}\n")
        elif isinstance(value, list):
            if value:
                out.append(head + "\n")
                _sequence(value, indent + 2, out)
            else:
                out.append(head + " []\n")
        elif value is None:
            out.append(head + "\n")
        else:
            out.append(f"{head} {_value(value)}\n")


def _sequence(items: list[Any], indent: int, out: list[str]) -> None:
    pad = " " * indent
    for item in items:
        if isinstance(item, dict):
            if item:
                inner: list[str] = []
                _mapping(item, indent + 2, inner)
                out.append(f"{pad}- {inner[0][indent + 2 :]}")  # the first key on the dash's line
                out.extend(inner[1:])
            else:
                out.append(f"{pad}- {{}}\n")
        elif isinstance(item, list):
            if item:
                raise Unsupported("a list in a list")
            out.append(f"{pad}- []\n")
        elif item is None:
            raise Unsupported("None in a list")
        else:
            out.append(f"{pad}- {_value(item)}\n")


def dump(data: dict[Any, Any], header: str | None = None) -> str:
    """`data` (a non-empty mapping) as emit.dump_yaml writes it; Unsupported when it leaves it to ruamel."""
    if not isinstance(data, dict) or not data:
        raise Unsupported("the document is not a non-empty mapping")
    out: list[str] = [f"# {header}\n"] if header else []
    _mapping(data, 0, out)
    return "".join(out)
