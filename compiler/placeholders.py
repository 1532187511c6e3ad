"""Micronaut placeholders: `${key}`, `${key:default}`, `${a:b:c}` (a, else b, else literal c).

The first `:` starts the default; a default may hold `${...}`; backticks quote a `:`.

In a Hydra config tree (`hydra=True`), `${oc.env:VAR,default}` and the other calls of OmegaConf's and
Hydra's resolvers (`oc.*`, `hydra`, `now`) are read with OmegaConf's own grammar; an `oc.env` call is
described by what Micronaut will read once kkc writes it as `${VAR:default}` (compiler/resolvers.py).
Any other `${name:...}` stays a Micronaut placeholder, as Kestra would read it. OmegaConf's escape
applies there too: `\\${KAFKA_PASSWORD}` is the literal text `${KAFKA_PASSWORD}`, which Kestra resolves.
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from typing import Any

from compiler.patterns import lazy
from compiler.records import record

_NAME_RE = lazy(r"[A-Za-z0-9_.\-\[\]]*")
# OmegaConf's resolvers are named oc.*, Hydra's `hydra` and `now` (OmegaConf's ID token between the dots).
RESOLVER_CALL = lazy(r"\$\{[ \t]*(oc(?:\.[A-Za-z_][A-Za-z0-9_\-]*)+|hydra|now)[ \t]*:")


class PlaceholderSyntaxError(ValueError):
    pass


@record
class Placeholder:
    start: int
    end: int  # index after the closing brace
    text: str  # the whole `${...}`
    keys: tuple[str, ...]  # keys tried in order
    default: str | None  # literal default (may itself hold placeholders)
    resolver: str | None = None  # a Hydra resolver call (`oc.env`, `oc.select`, ...): its name
    # In a Hydra tree, the backslashes before `${` (from `start`): OmegaConf halves them, and an odd
    # count escapes the `${`, making the placeholder literal text (for Kestra to resolve).
    backslashes: int = 0

    @property
    def escaped(self) -> bool:
        return self.backslashes % 2 == 1


def _split_top(body: str, hydra: bool) -> list[str]:
    parts: list[str] = []
    depth = 0
    quoted = False
    current: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if hydra and not quoted and RESOLVER_CALL().match(body, i):
            end = resolver_end(body, i)
            current.append(body[i:end])
            i = end
            continue
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


def find(text: str, hydra: bool = False) -> list[Placeholder]:
    """Every top-level placeholder in `text`, left to right (a new list: callers may change it).

    `hydra`: the text is a value of a Hydra config tree, where resolver calls are OmegaConf's.
    """
    return list(_find(text, hydra))


@lru_cache(maxsize=16384)
def _find(text: str, hydra: bool) -> tuple[Placeholder, ...]:
    # Targets share most of their strings: each distinct one is parsed once (errors are not cached).
    return tuple(_scan(text, hydra))


def _unclosed(text: str, start: int) -> PlaceholderSyntaxError:
    # Only the name is quoted back: the rest of the value may hold a password.
    name = _NAME_RE().match(text, start + 2)
    shown = text[start : name.end() if name else start + 2]
    why = " (an unpaired ` quotes it)" if text.count("`", start) % 2 else ""
    return PlaceholderSyntaxError(f"unclosed placeholder '{shown}...': a '${{' without its '}}'{why}")


def resolver_end(text: str, start: int) -> int:
    """The index after the `}` closing the resolver call at `start`, found with OmegaConf's own lexer.

    Its quoted arguments, escapes and `{...}` arguments may hold a `}` that does not close the call.
    """
    from antlr4 import InputStream, Token
    from omegaconf.errors import GrammarParseError
    from omegaconf.grammar.gen.OmegaConfGrammarLexer import OmegaConfGrammarLexer as Lexer
    from omegaconf.grammar_parser import OmegaConfErrorListener

    lexer = Lexer(InputStream(text[start:]))
    lexer.removeErrorListeners()
    lexer.addErrorListener(OmegaConfErrorListener())
    opening = {Lexer.INTER_OPEN, Lexer.BRACE_OPEN, Lexer.QUOTE_OPEN_SINGLE, Lexer.QUOTE_OPEN_DOUBLE}
    closing = {Lexer.INTER_CLOSE, Lexer.BRACE_CLOSE, Lexer.MATCHING_QUOTE_CLOSE}
    depth = 0
    try:
        while True:
            token = lexer.nextToken()
            if token.type == Token.EOF:
                raise _unclosed(text, start)
            depth += (token.type in opening) - (token.type in closing)
            if depth == 0:
                return start + int(token.stop) + 1
    except GrammarParseError as exc:
        name = RESOLVER_CALL().match(text, start)
        shown = f"${{{name.group(1) if name else ''}:...}}"
        raise PlaceholderSyntaxError(f"malformed resolver call '{shown}': {exc}") from None


def _resolver_placeholder(text: str, start: int, end: int, name: str, backslashes: int) -> Placeholder:
    """A resolver call; an `oc.env` call with the keys and default Micronaut reads once kkc writes it."""
    from omegaconf.errors import GrammarParseError
    from omegaconf.grammar_parser import parse
    from omegaconf.grammar_visitor import GrammarVisitor

    call = text[start:end]
    try:
        tree = parse(call)
    except GrammarParseError as exc:
        raise PlaceholderSyntaxError(f"malformed resolver call '${{{name}:...}}': {exc}") from None
    keys: tuple[str, ...] = (name,)
    default: str | None = None
    if name == "oc.env":
        # Nested calls and references are kept as written: this only says which names are tried.
        visitor = GrammarVisitor(
            node_interpolation_callback=_reference_as_written,
            resolver_interpolation_callback=_Written,
            memo=None,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # OmegaConf's deprecation warning for `${oc.env:X,}`
            written = visitor.visit(tree)
        if isinstance(written, _Written) and written.args and "${" not in str(written.args[0]):
            keys = (str(written.args[0]),)
            if len(written.args) > 1 and written.args[1] is not None:
                default = str(written.args[1])  # as oc.env reads its default: str(default)
    return Placeholder(start - backslashes, end, call, keys, default, name, backslashes)


def _reference_as_written(key: str, memo: set[int] | None) -> Any:
    return "${" + key + "}"


class _Written:
    """A resolver call as written; its arguments as OmegaConf reads them (quotes and escapes undone)."""

    def __init__(self, name: str, args: tuple[Any, ...], args_str: tuple[str, ...]) -> None:
        self.name = name
        self.args = args
        self.args_str = args_str

    def __str__(self) -> str:
        return "${" + self.name + ":" + ",".join(self.args_str) + "}"


def _scan(text: str, hydra: bool) -> list[Placeholder]:
    out: list[Placeholder] = []
    i = 0
    while True:
        start = text.find("${", i)
        if start < 0:
            return out
        backslashes = 0
        while hydra and start - backslashes > i and text[start - backslashes - 1] == "\\":
            backslashes += 1
        call = RESOLVER_CALL().match(text, start) if hydra and backslashes % 2 == 0 else None
        if call:
            end = resolver_end(text, start)
            out.append(_resolver_placeholder(text, start, end, call.group(1), backslashes))
            i = end
            continue
        depth = 0
        quoted = False
        j = start
        end = -1
        while j < len(text):
            if hydra and not quoted and j > start and RESOLVER_CALL().match(text, j):
                j = resolver_end(text, j)
                continue
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
            raise _unclosed(text, start)
        body = text[start + 2 : end - 1]
        parts = _split_top(body, hydra)
        keys = tuple(p.strip() for p in (parts[:-1] if len(parts) > 1 else parts))
        default = parts[-1] if len(parts) > 1 else None
        if default is not None and len(default) >= 2 and default[0] == default[-1] == "`":
            default = default[1:-1]
        if not keys[0]:
            shown = "${}" if default is None else "${:...}"
            raise PlaceholderSyntaxError(f"empty placeholder name in '{shown}': name a key or variable before any ':'")
        out.append(Placeholder(start - backslashes, end, text[start:end], keys, default, None, backslashes))
        i = end
