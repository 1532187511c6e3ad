"""Hydra's and OmegaConf's resolvers as kkc compiles them for Kestra (part of stage 4, resolve).

In a Hydra config tree `${oc.env:VAR}` means "VAR from the environment when the app starts", and the
app here is Kestra: kkc writes the call as the Micronaut placeholder `${VAR}` (`${VAR:default}`)
Kestra resolves at start-up. Resolvers whose meaning is fixed once the config is composed
(`oc.select`, `oc.decode`, `oc.deprecated`) are evaluated now, with OmegaConf's semantics. The others
have no faithful equivalent in what Kestra reads (`resolver-unsupported`); a call OmegaConf itself
refuses is `resolver-invalid`. The call's syntax is OmegaConf's own grammar (its parser and visitor).
"""

from __future__ import annotations

import difflib
import warnings
from typing import Any, Protocol

from compiler.patterns import lazy
from compiler.placeholders import PlaceholderSyntaxError, find
from compiler.values import JAVA_WHITESPACE

KNOWN = ("oc.create", "oc.decode", "oc.deprecated", "oc.dict.keys", "oc.dict.values", "oc.env", "oc.select")
# Micronaut reads an environment variable in a placeholder only by such a name (NameUtils.isEnvironmentName).
_ENV_NAME = lazy(r"[A-Z0-9_]+")


class ResolverProblem(Exception):
    """Why a resolver call cannot be compiled; `rule` is resolver-unsupported or resolver-invalid."""

    def __init__(self, rule: str, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.detail = detail  # may quote the value: left out for a secret key


def _unsupported(message: str) -> ResolverProblem:
    return ResolverProblem("resolver-unsupported", message)


def _invalid(message: str, detail: str = "") -> ResolverProblem:
    return ResolverProblem("resolver-invalid", message, detail)


class Lookups(Protocol):
    """The config a call reads, as the resolve stage sees it."""

    def node(self, key: str) -> Any:
        """`${key}` inside a call: a config key's resolved value, else the run-time placeholder's text."""

    def select(self, key: str, resolver: str) -> tuple[bool, Any]:
        """OmegaConf's select of `key` (absolute, or relative with leading dots): (found, value)."""

    def runtime(self, text: str) -> str:
        """A Micronaut placeholder written inside a call (`${KAFKA_Y:x}`): noted, and returned as is."""


def evaluate(call: str, lookups: Lookups) -> Any:
    """The value of one resolver call (`${oc.env:...}`, the whole `${...}` text), as Kestra will read it.

    Strings holding `${...}` are Micronaut text for Kestra to resolve. Raises ResolverProblem.
    """
    from omegaconf.errors import OmegaConfBaseException
    from omegaconf.grammar_parser import parse

    try:
        return _visit(parse(call), lookups)
    except OmegaConfBaseException as exc:  # e.g. a key built by a nested ${...} that gives no string
        raise _invalid("OmegaConf cannot evaluate the call", f": {exc}") from None


def _visit(tree: Any, lookups: Lookups) -> Any:
    from omegaconf.grammar_visitor import GrammarVisitor

    def resolver(name: str, args: tuple[Any, ...], args_str: tuple[str, ...]) -> Any:
        return _call(name, args, args_str, lookups)

    visitor = GrammarVisitor(
        node_interpolation_callback=lambda key, memo: lookups.node(key),
        resolver_interpolation_callback=resolver,
        memo=None,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # OmegaConf's deprecation warning for `${oc.env:X,}`
        return visitor.visit(tree)


def _call(name: str, args: tuple[Any, ...], args_str: tuple[str, ...], lookups: Lookups) -> Any:
    if name == "oc.env":
        return lookups.runtime(_env(args))
    if name in ("oc.select", "oc.deprecated"):
        return _select(name, args, lookups)
    if name == "oc.decode":
        return _decode(args, lookups)
    if name in ("oc.create", "oc.dict.keys", "oc.dict.values"):
        built = "a mapping or a list" if name == "oc.create" else "a list"
        raise _unsupported(
            f"{name} builds {built}, and kkc puts only single values in place of a ${{...}} (as for "
            "reference-not-a-value): write the mapping or list itself"
        )
    if name == "now":
        raise _unsupported(
            "now is the time Hydra resolves the config, when your app starts; kkc compiles ahead of time and "
            "writes the same output on every run, so Kestra would get the build's time, not its own: write the "
            "value itself"
        )
    if name == "hydra":
        raise _unsupported(
            "hydra reads Hydra's own config, which exists only while a @hydra.main app runs; kkc, like Hydra's "
            "compose API, composes without it ('HydraConfig was not set'): write the value itself"
        )
    if name.startswith("oc."):
        close = difflib.get_close_matches(name, KNOWN, n=1)
        hint = f"; did you mean {close[0]}?" if close else f" (it has {', '.join(KNOWN)})"
        raise _invalid(f"OmegaConf has no resolver {name}{hint}")
    # Any other name is not a resolver kkc knows: as at the top level, a Micronaut placeholder.
    return lookups.runtime("${" + name + ":" + ",".join(args_str) + "}")


def _arity(name: str, args: tuple[Any, ...], low: int, high: int, what: str) -> None:
    if not low <= len(args) <= high:
        raise _invalid(f"{name} takes {what}, not {len(args)} argument{'s' if len(args) != 1 else ''}")


def _runtime_argument(name: str, value: Any, what: str) -> None:
    if isinstance(value, str) and "${" in value:
        raise _unsupported(
            f"{name}'s {what} is only known when Kestra starts (it holds a run-time placeholder), but {name} "
            "is evaluated when the config is composed"
        )


def _env(args: tuple[Any, ...]) -> str:
    _arity("oc.env", args, 1, 2, "the variable's name and an optional default")
    name = args[0]
    if not isinstance(name, str):
        raise _invalid(f"oc.env's variable name must be a string, not {type(name).__name__}")
    _runtime_argument("oc.env", name, "variable name")
    if not _ENV_NAME().fullmatch(name):
        raise _unsupported(
            f"oc.env reads the variable '{name}', but Micronaut reads an environment variable in a placeholder "
            "only by an upper-case name (A-Z, 0-9, _): use such a name"
        )
    if len(args) == 1:
        return "${" + name + "}"
    default = args[1]
    if default is None:
        raise _unsupported(
            f"oc.env's default is null: OmegaConf gives null when {name} is unset, and a Micronaut placeholder "
            f"cannot (${{{name}:}} gives an empty string): drop the default so Kestra stops when {name} is "
            "missing, or give '' or a value"
        )
    return env_placeholder(name, str(default))  # oc.env returns str(default), whatever its type


def env_placeholder(name: str, default: str) -> str:
    """`${name:default}` as Micronaut must read it: backticks where needed, or why it cannot be written.

    Micronaut ends a placeholder at its first `}` and splits it at every `:` outside a final
    backticked default, so `${A:B:c}` tries A, then B, then gives c (DefaultPropertyPlaceholderResolver).
    """
    if "${" in default:
        try:
            inner = find(default)
        except PlaceholderSyntaxError:
            inner = []
        if (
            len(inner) == 1
            and (inner[0].start, inner[0].end) == (0, len(default))
            and inner[0].default is not None
            and "`" not in default
            and "${" not in default[2:]
        ):
            return "${" + name + ":" + default[2:-1] + "}"  # ${A:${B:c}} is written ${A:B:c}
        raise _unsupported(
            f"oc.env's default for {name} is a run-time value Micronaut cannot try after {name}: a Micronaut "
            "placeholder ends at its first '}', so it cannot hold another; a chain of variables is written "
            f"${{oc.env:{name},${{oc.env:OTHER,value}}}} and needs a last default without ':'"
        )
    if "}" in default or "`" in default:
        raise _unsupported(
            f"oc.env's default for {name} holds a '}}' or a '`', which Micronaut cannot read in a placeholder's "
            "default (it ends the placeholder at its first '}' and quotes with '`')"
        )
    if ":" in default or default != default.rstrip(JAVA_WHITESPACE):
        return "${" + name + ":`" + default + "`}"  # Micronaut would split at the ':' or trim the end
    return "${" + name + ":" + default + "}"


def _select(name: str, args: tuple[Any, ...], lookups: Lookups) -> Any:
    if name == "oc.select":
        _arity(name, args, 1, 2, "a key and an optional default")
    else:
        _arity(name, args, 1, 2, "the new key and an optional message")
        if len(args) == 2 and not isinstance(args[1], str):
            raise _invalid(f"oc.deprecated's message must be a string, not {type(args[1]).__name__}")
    key = args[0]
    if not isinstance(key, str):
        raise _invalid(f"{name}'s key must be a string, not {type(key).__name__}")
    _runtime_argument(name, key, "key")
    found, value = lookups.select(key, name)
    if found:
        return value
    if name == "oc.deprecated":
        raise _invalid(f"oc.deprecated names '{key}', which is no key of the config")
    return args[1] if len(args) == 2 else None


def _decode(args: tuple[Any, ...], lookups: Lookups) -> Any:
    from omegaconf.errors import GrammarParseError
    from omegaconf.grammar_parser import parse

    _arity("oc.decode", args, 1, 1, "one argument, the text to decode")
    text = args[0]
    if text is None:
        return None
    if not isinstance(text, str):
        raise _invalid(f"oc.decode decodes a string, not {type(text).__name__}")
    if "${" in text:
        raise _unsupported(
            "oc.decode's text is only known when Kestra starts (it holds a run-time placeholder), but oc.decode "
            "is evaluated when the config is composed; Kestra converts the text to the setting's type itself: "
            "drop oc.decode"
        )
    try:
        tree = parse(text, parser_rule="singleElement", lexer_mode="VALUE_MODE")
    except GrammarParseError as exc:
        raise _invalid("oc.decode cannot read its text as a value", f": {exc}") from None
    return _visit(tree, lookups)
