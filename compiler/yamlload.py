"""Stage 1, load: read one YAML file into plain data plus the position of every key.

ruamel.yaml composes the node graph (it neither expands aliases nor loses positions); this
module builds plain dicts, lists and scalars from it itself, so that it can
- refuse alias bombs before anything expands them (OmegaConf would take minutes),
- report duplicate keys with both positions,
- keep YAML 1.1 look-alikes (`yes`, `on`, `010`, `12:30`) as the strings the user wrote, and
  record them, because Kestra's SnakeYAML reads them as YAML 1.1 and ruamel as YAML 1.2.
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import field
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

from compiler.directives import MARKER, Directive, in_yaml
from compiler.errors import InputError, Origin
from compiler.keys import Path_
from compiler.patterns import lazy
from compiler.records import record
from compiler.yamlfast import compose_fast as _compose_fast
from compiler.yamlfast import walk as _walk
from compiler.yamlsyntax import syntax_error as _syntax_error

if TYPE_CHECKING:
    from ruamel.yaml.composer import Composer
    from ruamel.yaml.scanner import Scanner

MAX_FILE_BYTES = 1_048_576
MAX_NODES = 100_000
MAX_DEPTH = 100


_PACKAGE_RE = re.compile(r"^#\s*@package\s+(\S+)\s*$")
_OCTAL_LIKE = re.compile(r"^[-+]?0[0-9_]+$")
_CONTROL_RE = lazy(r"[\x00-\x1f\x7f-\x9f]")

STR_TAG = "tag:yaml.org,2002:str"
_CORE_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}

_COLLECTION_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
_BOOL_TAG = "tag:yaml.org,2002:bool"
_NOT_SNAKEYAML_BOOLS = {"y", "Y", "n", "N"}


@record
class Yaml11Lookalike:
    """A plain scalar that YAML 1.1 (Kestra's SnakeYAML) would read as another type."""

    path: Path_
    text: str
    yaml11_type: str
    origin: Origin


@record(frozen=False)
class LoadedFile:
    path: str
    data: dict[str, Any]
    positions: dict[Path_, Origin]
    package: str | None
    lookalikes: list[Yaml11Lookalike] = field(default_factory=list)
    directives: tuple[Directive, ...] = ()  # `# kkc: disable=...` comments of the whole file
    blocks: dict[Path_, int] = field(default_factory=dict)  # literal block scalars (`|`): the 0-based line of `|`


@record
class Embedded:
    """Where a YAML text held in another file's value sits in that file, so positions map back.

    Exact for a literal block scalar (`|`): the text's first line is at `line`, `column` (1-based)
    and every later line is indented by `indent` columns. Otherwise (base64, a quoted or folded
    string) every position is the key's, and `what` names the value a finding is inside."""

    display: str
    line: int
    column: int
    indent: int = 0
    exact: bool = True
    what: str = ""
    # (line, column, delta) of the text as read: from that column on, the outer text is `delta` columns
    # further (compose's `$$` -> `$`, `$VAR` -> `${VAR}` change lengths before Kestra reads the text)
    shifts: tuple[tuple[int, int, int], ...] = ()

    def origin(self, line: int, column: int) -> Origin:
        """The outer file's position of the embedded text's `line`, `column` (1-based)."""
        column += sum(delta for at_line, at_column, delta in self.shifts if at_line == line and at_column < column)
        if not self.exact:
            return Origin(self.display, self.line, self.column, inside=f"line {line}, column {column} of {self.what}")
        if line == 1:
            return Origin(self.display, self.line, self.column + column - 1)
        return Origin(self.display, self.line + line - 1, self.indent + column)


def read_text(path: Path, display: str) -> str:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)  # never more: a huge file is refused without reading it all
            size = os.fstat(handle.fileno()).st_size
    except IsADirectoryError:
        raise InputError(
            f"{display} is a directory, not a YAML file", Origin(display), rule="unreadable-file"
        ) from None
    except OSError as exc:
        raise InputError(f"cannot read {display}: {exc.strerror}", Origin(display), rule="unreadable-file") from None
    if len(raw) > MAX_FILE_BYTES:
        shown = f"{size} bytes" if size > MAX_FILE_BYTES else f"more than {MAX_FILE_BYTES} bytes"
        raise InputError(
            f"file is {shown}, over kkc's limit of {MAX_FILE_BYTES} bytes for one config file",
            Origin(display),
            rule="file-too-large",
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(
            f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})", Origin(display, line, col), rule="not-utf8"
        ) from None
    if "\x00" in text:
        offset = text.index("\x00")
        line = text.count("\n", 0, offset) + 1
        raise InputError("file holds a NUL byte: binary data, not YAML", Origin(display, line, 1), rule="not-utf8")
    return text


def package_header(text: str) -> str | None:
    """Hydra's `# @package X` header, read from the comment lines before any content."""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            return None
        match = _PACKAGE_RE.match(stripped)
        if match:
            return match.group(1)
    return None


def load_file(path: Path, display: str | None = None) -> LoadedFile:
    shown = display or str(path)
    return load_text(read_text(path, shown), shown)


def load_documents(path: Path, display: str | None = None) -> list[LoadedFile]:
    """Every document of a multi-document file (Micronaut reads them in order, later ones win)."""
    shown = display or str(path)
    return load_text(read_text(path, shown), shown, multi=True)


@overload
def load_text(
    text: str, display: str, multi: Literal[False] = False, embedded: Embedded | None = None
) -> LoadedFile: ...


@overload
def load_text(text: str, display: str, multi: Literal[True], embedded: Embedded | None = None) -> list[LoadedFile]: ...


def load_text(
    text: str, display: str, multi: bool = False, embedded: Embedded | None = None
) -> LoadedFile | list[LoadedFile]:
    """`embedded`: the text is a value of another file (`display`); positions are that file's."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.reader import ReaderError

    place = _Place(display, embedded)
    if 2 * len(text) + 1 > MAX_NODES:
        _prescan(text, place)  # could hold too many values: counted (and refused) before anything is built
    fast = _compose_fast(text)
    try:
        if fast is not None:
            nodes = fast
        else:
            if 2 * len(text) + 1 <= MAX_NODES:
                _prescan(text, place)
            yaml = YAML(typ="safe", pure=True)
            yaml.Scanner, yaml.Composer = _limited_classes()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # a reused anchor is valid YAML (the later one counts)
                nodes = list(yaml.compose_all(text))
    except _LimitReached as exc:
        raise InputError(exc.message, place.mark(exc.mark), rule=exc.rule) from None
    except MarkedYAMLError as exc:
        raise _syntax_error(exc, place, text) from None
    except ReaderError as exc:
        offset = exc.position if isinstance(exc.position, int) else 0
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        code = exc.character if isinstance(exc.character, int) else 0
        raise InputError(
            f"invalid YAML: character U+{code:04X} is not allowed in a YAML file (a control character: remove "
            "it, or write it as an escape like \\u001b inside a double-quoted string)",
            place(line, column),
            rule="yaml-syntax",
        ) from None
    except YAMLError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"invalid YAML: {first}", place.whole(), rule="yaml-syntax") from None
    except RecursionError:
        raise InputError(
            f"YAML nesting is deeper than kkc accepts ({MAX_DEPTH} levels)", place.whole(), rule="yaml-too-deep"
        ) from None
    nodes = [n for n in nodes if n is not None]
    if not multi and len(nodes) > 1:
        raise InputError(
            f"file holds {len(nodes)} YAML documents; a config layer is one document",
            place.mark(nodes[1].start_mark),
            rule="yaml-syntax",
        )
    # libyaml's graph has no alias (the fast path takes no text with an anchor) and is nested at most
    # MAX_DEPTH deep with at most MAX_NODES nodes (both checked before it is used): nothing to expand
    counted = fast is None
    documents = [_document(node, place, text, counted) for node in nodes] or [_document(None, place, text)]
    directives: tuple[Directive, ...] = ()
    # In a value kkc cannot point inside (base64, a quoted string) a comment has no line of its own.
    if MARKER in text and (embedded is None or embedded.exact):
        directives = in_yaml(text, _scalar_spans(nodes), display, place if embedded is not None else None)
    for document in documents:
        document.directives = directives
    return documents if multi else documents[0]


class _Place:
    """Positions as the user sees them: in the file itself, or in the file a YAML text is embedded in."""

    def __init__(self, display: str, embedded: Embedded | None) -> None:
        self.display = display
        self.embedded = embedded

    def __call__(self, line: int, column: int) -> Origin:
        if self.embedded is None:
            return Origin(self.display, line, column)
        return self.embedded.origin(line, column)

    def mark(self, mark: Any) -> Origin:
        return self(mark.line + 1, mark.column + 1) if mark is not None else self.whole()

    def whole(self) -> Origin:
        """The text as a whole: the file, or the start of the value that holds it."""
        if self.embedded is None:
            return Origin(self.display)
        return self(1, 1)

    def said(self, line: int, column: int) -> str:
        """`line L, column C` in a message, as the user finds it."""
        origin = self(line, column)
        if origin.inside:
            return origin.inside
        return f"line {origin.line}, column {origin.column}"


def _scalar_spans(nodes: list[Any]) -> list[tuple[int, int]]:
    """Where each scalar starts and ends in the text: a `#` there is content, never a comment."""
    from ruamel.yaml.nodes import ScalarNode

    return [(n.start_mark.index, n.end_mark.index) for n in _walk(nodes) if isinstance(n, ScalarNode)]


@lru_cache(maxsize=65536)
def _resolve12(kind: Any, value: Any, implicit: Any) -> Any:
    """The tag ruamel's YAML 1.2 resolver gives a node; memoised (the same keys and values recur in every
    file of a tree, and ruamel's resolver is most of the cost of composing with libyaml). One shared Tag
    object per tag, so that its text is worked out once, not once per node."""
    return _resolvers()[(1, 2)].resolve(kind, value, implicit)


@lru_cache(maxsize=65536)
def _implicit_tag(text: str, version: tuple[int, int]) -> str:
    """The tag a plain scalar's text resolves to in YAML `version`."""
    from ruamel.yaml.nodes import ScalarNode

    resolved = _resolvers()[version].resolve(ScalarNode, text, (True, False))
    return str(getattr(resolved, "value", ""))


@cache
def _resolvers() -> dict[tuple[int, int], Any]:
    from ruamel.yaml.resolver import VersionedResolver

    return {(1, 1): VersionedResolver(version=(1, 1)), (1, 2): VersionedResolver(version=(1, 2))}


def _prescan(text: str, place: _Place) -> None:
    """Refuse a file over MAX_NODES values before the pure-Python parser spends seconds on it.

    libyaml (ruamel.yaml.clib) reads 100,000 values in well under 0.1 s; the pure parser needs 5-8 s.
    Only a count over the limit is acted on: anything else libyaml dislikes (an error, YAML 1.2 it
    reads differently, deep nesting) is left to the pure parser, which words every other message."""
    import ruamel.yaml
    from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, NodeEvent

    c_parser = getattr(ruamel.yaml, "CParser", None)  # None without the C extension (ruamel.yaml.clib)
    if c_parser is None:
        return  # the pure parser counts while composing
    parser = c_parser(text)
    nodes = depth = 0
    try:
        while parser.check_event():
            event = parser.get_event()
            if isinstance(event, CollectionEndEvent):
                depth -= 1
                continue
            if not isinstance(event, NodeEvent) or isinstance(event, AliasEvent):
                continue
            nodes += 1
            if nodes > MAX_NODES:
                raise InputError(
                    f"file holds more than {MAX_NODES} YAML values, over kkc's limit",
                    place.mark(event.start_mark),
                    rule="file-too-large",
                )
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return
    except InputError:
        raise
    except Exception:  # noqa: BLE001 - libyaml's own errors are worded by the pure parser instead
        return


class _LimitReached(Exception):
    """Raised from inside ruamel's scanner or composer, before a hostile file costs time or memory."""

    def __init__(self, message: str, mark: Any, rule: str) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark
        self.rule = rule


@cache
def _limited_classes() -> tuple[type[Scanner], type[Composer]]:
    """ruamel's Scanner and Composer, stopping at MAX_DEPTH open collections and MAX_NODES nodes.

    Checked while reading: ruamel's scanner is quadratic in the nesting of `[`/`{` (a 5,000-deep
    line takes seconds) and composes about 20,000 nodes a second."""
    from ruamel.yaml.composer import Composer
    from ruamel.yaml.events import AliasEvent
    from ruamel.yaml.scanner import Scanner

    class LimitedScanner(Scanner):
        def fetch_flow_collection_start(self, TokenClass: Any, to_push: str) -> None:  # noqa: N803
            self._kkc_check_depth()
            super().fetch_flow_collection_start(TokenClass, to_push)

        def add_indent(self, column: int) -> bool:
            added: bool = super().add_indent(column)
            if added:
                self._kkc_check_depth()
            return added

        def _kkc_check_depth(self) -> None:
            # Open collections; the exact depth (aliases included) is checked again once composed.
            if len(self.flow_context) + len(self.indents) > MAX_DEPTH:
                raise _LimitReached(
                    f"YAML nesting is deeper than kkc accepts ({MAX_DEPTH} levels)",
                    self.reader.get_mark(),
                    "yaml-too-deep",
                )

    class LimitedComposer(Composer):
        _kkc_nodes = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            if not self.parser.check_event(AliasEvent):
                self._kkc_nodes += 1
                if self._kkc_nodes > MAX_NODES:
                    raise _LimitReached(
                        f"file holds more than {MAX_NODES} YAML values, over kkc's limit",
                        self.parser.peek_event().start_mark,
                        "file-too-large",
                    )
            return super().compose_node(parent, index)

    return LimitedScanner, LimitedComposer


def _document(root: Any, place: _Place, text: str, check_size: bool = True) -> LoadedFile:
    builder = _Builder(place)
    if root is None:
        data: Any = {}
    else:
        if check_size:
            builder.check_size(root)
        data = builder.build(root, (), 0)
        if data is None:
            data = {}
        if not isinstance(data, dict):
            kind = "a list" if isinstance(data, list) else f"a single value ({data!r})"
            raise InputError(
                f"a config layer must be a mapping of keys, but this {'text' if place.embedded else 'file'} is {kind}",
                place.mark(root.start_mark),
                rule="not-a-mapping",
            )
    loaded = LoadedFile(place.display, data, builder.positions, package_header(text), builder.lookalikes)
    loaded.blocks = builder.blocks
    return loaded


class _Builder:
    def __init__(self, place: _Place) -> None:

        self.place = place
        self.positions: dict[Path_, Origin] = {}
        self.lookalikes: list[Yaml11Lookalike] = []
        self.blocks: dict[Path_, int] = {}

    def origin(self, node: Any) -> Origin:
        return self.place.mark(node.start_mark)

    def check_size(self, root: Any) -> None:
        """Count nodes as if aliases were expanded, memoised by identity: a bomb costs microseconds."""
        from ruamel.yaml.nodes import MappingNode, SequenceNode

        memo: dict[int, tuple[int, int]] = {}  # id -> (nodes once expanded, levels below)
        on_stack: set[int] = set()

        def too_deep(node: Any) -> InputError:
            return InputError(
                f"YAML nesting is deeper than kkc accepts ({MAX_DEPTH} levels)", self.origin(node), rule="yaml-too-deep"
            )

        def count(node: Any, depth: int) -> tuple[int, int]:
            if depth > MAX_DEPTH:
                raise too_deep(node)
            key = id(node)
            if key in memo:
                if depth + memo[key][1] > MAX_DEPTH:  # an alias met deeper down than its anchor
                    raise too_deep(node)
                return memo[key]
            if key in on_stack:
                raise InputError(
                    "recursive YAML alias (a node contains itself)", self.origin(node), rule="yaml-alias-bomb"
                )
            total, height = 1, 0
            if isinstance(node, MappingNode | SequenceNode):
                on_stack.add(key)
                for child in node.value:
                    for part in child if isinstance(child, tuple) else (child,):
                        size, below = count(part, depth + 1)
                        total += size
                        height = max(height, below + 1)
                on_stack.discard(key)
            memo[key] = (total, height)
            return total, height

        total, _ = count(root, 0)
        if total > MAX_NODES:
            raise InputError(
                f"YAML expands to {total} nodes once aliases are followed, over kkc's limit of "
                f"{MAX_NODES}: an alias bomb? Write the values out instead of repeating aliases",
                self.origin(root),
                rule="yaml-alias-bomb",
            )

    def build(self, node: Any, path: Path_, depth: int) -> Any:
        from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

        if isinstance(node, MappingNode | SequenceNode):
            tag = _tag_of(node)
            if tag not in _COLLECTION_TAGS:
                raise InputError(
                    f"unsupported YAML tag {tag}: kkc reads plain data only", self.origin(node), rule="yaml-syntax"
                )
        if isinstance(node, MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, SequenceNode):
            out = []
            for index, item in enumerate(node.value):
                self.positions[(*path, index)] = self.origin(item)
                out.append(self.build(item, (*path, index), depth + 1))
            return out
        assert isinstance(node, ScalarNode)
        return self._scalar(node, path)

    def _mapping(self, node: Any, path: Path_, depth: int) -> dict[str, Any]:
        from ruamel.yaml.nodes import MappingNode, SequenceNode

        out: dict[str, Any] = {}
        seen: dict[str, Origin] = {}
        merged: list[Any] = []
        for key_node, value_node in node.value:
            key_tag = _tag_of(key_node)
            if key_tag == "tag:yaml.org,2002:merge":
                sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                for source in sources:
                    if not isinstance(source, MappingNode):
                        raise InputError(
                            "a YAML merge key (<<) needs a mapping", self.origin(source), rule="yaml-syntax"
                        )
                    merged.append(source)
                continue
            if not hasattr(key_node, "style") or isinstance(key_node, MappingNode | SequenceNode):
                raise InputError(
                    "a mapping key must be a plain value, not a list or mapping",
                    self.origin(key_node),
                    rule="yaml-syntax",
                )
            key = self._key_text(key_node, key_tag)
            key_origin = self.origin(key_node)
            if key in seen:
                first = seen[key].inside or f"line {seen[key].line}, column {seen[key].column}"
                raise InputError(
                    f"duplicate key '{key}' (first written at {first}); YAML readers disagree on which one wins",
                    key_origin,
                    rule="duplicate-key",
                )
            seen[key] = key_origin
            self.positions[(*path, key)] = key_origin
            out[key] = self.build(value_node, (*path, key), depth + 1)
        for source in merged:
            # Merged keys never replace explicit ones: neither their values nor their positions.
            saved_positions, saved_lookalikes = self.positions, self.lookalikes
            self.positions, self.lookalikes = {}, []
            try:
                extra = self._mapping(source, path, depth)
            finally:
                merged_positions, merged_lookalikes = self.positions, self.lookalikes
                self.positions, self.lookalikes = saved_positions, saved_lookalikes
            taken = len(path)
            for where, origin in merged_positions.items():
                if where[taken] not in out:
                    self.positions.setdefault(where, origin)
            self.lookalikes.extend(item for item in merged_lookalikes if item.path[taken] not in out)
            for key, value in extra.items():
                out.setdefault(key, value)
        return out

    def _key_text(self, node: Any, tag: str) -> str:
        if tag == "tag:yaml.org,2002:null" and node.value in ("", "~"):
            raise InputError("empty mapping key", self.origin(node), rule="yaml-syntax")
        key = str(node.value)
        control = None if key.isprintable() else _CONTROL_RE().search(key)
        if control:  # no setting is named so; printed back, it would drive the user's terminal
            raise InputError(
                f"a key holds the control character U+{ord(control.group()):04X}; no Kestra or Kafka setting does",
                self.origin(node),
                rule="yaml-syntax",
            )
        return key

    def _scalar(self, node: Any, path: Path_) -> Any:

        tag = _tag_of(node)
        text = node.value
        if tag not in _CORE_TAGS:
            raise InputError(
                f"unsupported YAML tag {tag}: kkc reads plain data only", self.origin(node), rule="yaml-syntax"
            )
        implicit = _implicit_tag(text, (1, 2))
        # plain is None from the pure composer, '' from libyaml; an explicit tag (`!!str 12`) says which one is meant
        if not node.style and tag == implicit:
            tag11 = _implicit_tag(text, (1, 1))
            octal = tag == "tag:yaml.org,2002:int" and _OCTAL_LIKE.match(text)
            if tag == "tag:yaml.org,2002:timestamp":
                return text
            if tag11 == _BOOL_TAG and text in _NOT_SNAKEYAML_BOOLS:
                tag11 = tag  # YAML 1.1 lists y/n as booleans; SnakeYAML (and PyYAML) read them as strings
            if tag11 != tag or octal:
                kind = tag11.rsplit(":", 1)[-1]
                if octal:
                    kind = "octal int"
                self.lookalikes.append(Yaml11Lookalike(path, text, kind, self.origin(node)))
                return text
        if node.style == "|":
            self.blocks[path] = node.start_mark.line
        if tag == STR_TAG or node.style:
            return text
        return _convert(tag, text)


def _tag_of(node: Any) -> str:
    """A node's tag as text: what ruamel's Node.tag gives, in one call instead of four (a tenth of loading)."""
    ctag = node.ctag
    return str(ctag.trval) if ctag is not None else "None"


def _convert(tag: str, text: str) -> Any:
    kind = tag.rsplit(":", 1)[-1]
    if kind == "null":
        return None
    if kind == "bool":
        lowered = text.lower()
        return True if lowered in ("true", "yes", "on") else False if lowered in ("false", "no", "off") else text
    try:
        if kind == "int":
            cleaned = text.replace("_", "")
            sign = -1 if cleaned.startswith("-") else 1
            digits = cleaned.lstrip("+-")
            bases = {"0x": 16, "0X": 16, "0o": 8, "0O": 8, "0b": 2, "0B": 2}
            if digits[:2] in bases:
                return sign * int(digits[2:], bases[digits[:2]])
            value = 0
            for part in digits.split(":"):  # base 60 when an explicit !!int tag meets 1:30
                value = value * 60 + int(part)
            return sign * value
        if kind == "float":
            lowered = text.lower().replace("_", "")
            if lowered in (".nan",):
                return float("nan")
            if lowered.endswith(".inf"):
                return float("-inf") if lowered.startswith("-") else float("inf")
            return float(lowered)
    except ValueError:
        return text  # a form only an explicit tag gives (`!!float 1:30.5`): keep what was written
    return text
