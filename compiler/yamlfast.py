"""Stage 1, load, the fast path: libyaml (ruamel.yaml.clib) composes a file where it reads it as the pure path.

compiler.yamlload calls compose_fast first and falls back to ruamel's pure-Python parser, which words
every error and applies every limit, whenever this returns None.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any


def walk(nodes: list[Any]) -> Iterator[Any]:
    """Each node of the graphs once (an alias's target is shared, not repeated)."""
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    seen: set[int] = set()
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if isinstance(node, MappingNode):
            stack.extend(part for pair in node.value for part in pair)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)


_YAML11_SUSPECTS = re.compile("[\t\x85\u2028\u2029!&*|>]")  # a quick scan: most files hold none of these
_YAML11_BREAKS = re.compile("[\t\x85\u2028\u2029]|(?:^|[\\s\\[{,])[!&*]|(?:^|[\\s:?-])[|>][-+0-9]*[^-+0-9 \\n]")
_ROOT_BLOCK = re.compile(r"(?:\s|#[^\n]*\n)*(?:---[ \t]*)?[|>]")
_LEADING_INDICATORS = re.compile(r"^[ \t?:-]*", re.MULTILINE)


def compose_fast(text: str) -> list[Any] | None:
    """The file's node graph composed by libyaml (ruamel.yaml.clib), or None to take the pure path.

    The pure-Python scanner was half of `validate --all` (issue 16); libyaml composes the same nodes,
    with the same tags (ruamel's YAML 1.2 resolver), marks and scalar styles ('' for plain, None in the
    pure path). It is used only where it is known to agree and to be safe:
    - nesting provably within MAX_DEPTH before parsing (libyaml's composer recurses in C: a deep file
      would crash the process): at most 2 block levels per column a collection can start at, plus
      every '[' or '{' that does not follow '$';
    - a file short enough to hold at most MAX_NODES nodes, else counted after composing;
    - no `%` directive (a `%YAML 1.1` changes the pure path's resolver);
    - no NEL, LS or PS character (line breaks to libyaml's YAML 1.1, not to the pure path's 1.2), no
      tab (the two scanners disagree on where a tab is allowed), no `!` tag, `&` anchor or `*` alias
      (edge cases differ; such a character inside a word, as in a password, is neither).
    Anything libyaml refuses (a syntax error, a reused anchor the pure path accepts) goes the pure way,
    which words every error and applies every limit as before."""
    import ruamel.yaml

    from compiler.yamlload import MAX_DEPTH, MAX_NODES

    c_parser = getattr(ruamel.yaml, "CParser", None)
    if c_parser is None or "\n%" in text or text.startswith("%"):
        return None
    if _YAML11_SUSPECTS.search(text) and _YAML11_BREAKS.search(text):
        return None
    if _ROOT_BLOCK.match(text):
        return None  # a block scalar as the whole document: the two parsers disagree on its indentation
    lead = max((len(m) for m in _LEADING_INDICATORS.findall(text)), default=0)
    flow = text.count("[") + text.count("{") - text.count("${")
    if 2 * (lead + 1) + flow > MAX_DEPTH and not _within_depth(c_parser, text):
        return None
    loader = _c_loader_class(c_parser)(text)
    try:
        nodes = []
        while loader.check_node():
            nodes.append(loader.get_node())
    except Exception:  # noqa: BLE001 - the pure path words libyaml's refusals
        return None
    finally:
        loader.dispose()
    if 2 * len(text) + 1 > MAX_NODES and _distinct_nodes(nodes) > MAX_NODES:
        return None  # over the limit: the pure path's pre-scan refuses it with the position
    return nodes


def _within_depth(c_parser: Any, text: str) -> bool:
    """Whether libyaml's events (its parser does not recurse) nest at most MAX_DEPTH collections deep:
    the exact test, for a text the quick bound cannot clear (e.g. a `targets:` list of many {...})."""
    from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent

    from compiler.yamlload import MAX_DEPTH

    parser = c_parser(text)
    depth = 0
    try:
        while parser.check_event():
            event = parser.get_event()
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return False
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
    except Exception:  # noqa: BLE001 - libyaml refuses it: the pure path words why
        return False
    finally:
        parser.dispose()
    return True


@cache
def _c_loader_class(c_parser: Any) -> Any:
    from ruamel.yaml.resolver import VersionedResolver

    from compiler.yamlload import _resolve12

    class CComposer(c_parser, VersionedResolver):  # type: ignore[misc]
        def __init__(self, text: str) -> None:
            c_parser.__init__(self, text)
            VersionedResolver.__init__(self, loader=self)

        # libyaml calls these once per node: the memoised resolver directly, and no path bookkeeping
        # (ruamel's path-dependent resolvers are not used), instead of a Python method each
        resolve = staticmethod(_resolve12)

        def descend_resolver(self, current_node: Any, current_index: Any) -> None:
            return None

        def ascend_resolver(self) -> None:
            return None

    return CComposer


def _distinct_nodes(nodes: list[Any]) -> int:
    return sum(1 for _ in walk(nodes))
