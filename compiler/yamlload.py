"""Stage 1, load: read one YAML file into plain data plus the position of every key.

ruamel.yaml composes the node graph (it neither expands aliases nor loses positions); this
module builds plain dicts, lists and scalars from it itself, so that it can
- refuse alias bombs before anything expands them (OmegaConf would take minutes),
- report duplicate keys with both positions,
- keep YAML 1.1 look-alikes (`yes`, `on`, `010`, `12:30`) as the strings the user wrote, and
  record them, because Kestra's SnakeYAML reads them as YAML 1.1 and ruamel as YAML 1.2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compiler.errors import InputError, Origin

MAX_FILE_BYTES = 1_048_576
MAX_NODES = 100_000
MAX_DEPTH = 100

Path_ = tuple[str | int, ...]

_PACKAGE_RE = re.compile(r"^#\s*@package\s+(\S+)\s*$")
_OCTAL_LIKE = re.compile(r"^[-+]?0[0-9_]+$")

STR_TAG = "tag:yaml.org,2002:str"
_CORE_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}


@dataclass(frozen=True)
class Yaml11Lookalike:
    """A plain scalar that YAML 1.1 (Kestra's SnakeYAML) would read as another type."""

    path: Path_
    text: str
    yaml11_type: str
    origin: Origin


@dataclass
class LoadedFile:
    path: str
    data: dict[str, Any]
    positions: dict[Path_, Origin]
    package: str | None
    lookalikes: list[Yaml11Lookalike] = field(default_factory=list)


def read_text(path: Path, display: str) -> str:
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise InputError(
            f"{display} is a directory, not a YAML file", Origin(display), rule="unreadable-file"
        ) from None
    except OSError as exc:
        raise InputError(f"cannot read {display}: {exc.strerror}", Origin(display), rule="unreadable-file") from None
    if len(raw) > MAX_FILE_BYTES:
        raise InputError(
            f"file is {len(raw)} bytes, over kkc's limit of {MAX_FILE_BYTES} bytes for one config file",
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
    return load_text(read_text(path, shown), shown, multi=True)  # type: ignore[return-value]


def load_text(text: str, display: str, multi: bool = False) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    yaml = YAML(typ="safe", pure=True)
    try:
        nodes = list(yaml.compose_all(text))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        origin = Origin(display, mark.line + 1, mark.column + 1) if mark else Origin(display)
        problem = exc.problem or exc.context or "invalid YAML"
        context = f" ({exc.context})" if exc.context and exc.problem else ""
        raise InputError(f"invalid YAML: {problem}{context}", origin, rule="yaml-syntax") from None
    except YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", Origin(display), rule="yaml-syntax") from None
    except RecursionError:
        raise InputError(
            f"YAML nesting is deeper than kkc accepts ({MAX_DEPTH})", Origin(display), rule="yaml-too-deep"
        ) from None
    nodes = [n for n in nodes if n is not None]
    if multi:
        return [_document(node, display, text) for node in nodes] or [_document(None, display, text)]
    if len(nodes) > 1:
        second = nodes[1].start_mark
        raise InputError(
            f"file holds {len(nodes)} YAML documents; a config layer is one document",
            Origin(display, second.line + 1, second.column + 1),
            rule="yaml-syntax",
        )
    return _document(nodes[0] if nodes else None, display, text)


def _document(root: Any, display: str, text: str) -> LoadedFile:
    builder = _Builder(display)
    if root is None:
        data: Any = {}
    else:
        builder.check_size(root)
        data = builder.build(root, (), 0)
        if data is None:
            data = {}
        if not isinstance(data, dict):
            kind = "a list" if isinstance(data, list) else f"a single value ({data!r})"
            raise InputError(
                f"a config layer must be a mapping of keys, but this file is {kind}",
                Origin(display, root.start_mark.line + 1, root.start_mark.column + 1),
                rule="not-a-mapping",
            )
    return LoadedFile(display, data, builder.positions, package_header(text), builder.lookalikes)


class _Builder:
    def __init__(self, display: str) -> None:
        from ruamel.yaml.resolver import VersionedResolver

        self.display = display
        self.positions: dict[Path_, Origin] = {}
        self.lookalikes: list[Yaml11Lookalike] = []
        self._resolver11 = VersionedResolver(version=(1, 1))

    def origin(self, node: Any) -> Origin:
        mark = node.start_mark
        return Origin(self.display, mark.line + 1, mark.column + 1)

    def check_size(self, root: Any) -> None:
        """Count nodes as if aliases were expanded, memoised by identity: a bomb costs microseconds."""
        from ruamel.yaml.nodes import MappingNode, SequenceNode

        memo: dict[int, int] = {}
        on_stack: set[int] = set()

        def count(node: Any, depth: int) -> int:
            if depth > MAX_DEPTH:
                raise InputError(
                    f"YAML nesting is deeper than kkc accepts ({MAX_DEPTH} levels)",
                    self.origin(node),
                    rule="yaml-too-deep",
                )
            key = id(node)
            if key in memo:
                return memo[key]
            if key in on_stack:
                raise InputError(
                    "recursive YAML alias (a node contains itself)", self.origin(node), rule="yaml-alias-bomb"
                )
            total = 1
            if isinstance(node, MappingNode | SequenceNode):
                on_stack.add(key)
                children = node.value
                for child in children:
                    if isinstance(child, tuple):
                        total += count(child[0], depth + 1) + count(child[1], depth + 1)
                    else:
                        total += count(child, depth + 1)
                on_stack.discard(key)
            memo[key] = total
            return total

        total = count(root, 0)
        if total > MAX_NODES:
            raise InputError(
                f"YAML expands to {total} nodes once aliases are followed, over kkc's limit of "
                f"{MAX_NODES} (an alias bomb?)",
                self.origin(root),
                rule="yaml-alias-bomb",
            )

    def build(self, node: Any, path: Path_, depth: int) -> Any:
        from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

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
            if key_node.tag == "tag:yaml.org,2002:merge":
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
            key = self._key_text(key_node)
            key_origin = self.origin(key_node)
            if key in seen:
                raise InputError(
                    f"duplicate key '{key}' (first written at line {seen[key].line}, column "
                    f"{seen[key].column}); YAML readers disagree on which one wins",
                    key_origin,
                    rule="duplicate-key",
                )
            seen[key] = key_origin
            self.positions[(*path, key)] = key_origin
            out[key] = self.build(value_node, (*path, key), depth + 1)
        for source in merged:
            extra = self._mapping(source, path, depth)
            for key, value in extra.items():
                out.setdefault(key, value)
        return out

    def _key_text(self, node: Any) -> str:
        if node.tag == "tag:yaml.org,2002:null" and node.value in ("", "~"):
            raise InputError("empty mapping key", self.origin(node), rule="yaml-syntax")
        return str(node.value)

    def _scalar(self, node: Any, path: Path_) -> Any:
        from ruamel.yaml.nodes import ScalarNode

        tag = str(getattr(node.tag, "value", node.tag))
        text = node.value
        if tag not in _CORE_TAGS:
            raise InputError(
                f"unsupported YAML tag {tag}: kkc reads plain data only", self.origin(node), rule="yaml-syntax"
            )
        if node.style is None:
            resolved = self._resolver11.resolve(ScalarNode, text, (True, False))
            tag11 = str(getattr(resolved, "value", resolved))
            octal = tag == "tag:yaml.org,2002:int" and _OCTAL_LIKE.match(text)
            if tag == "tag:yaml.org,2002:timestamp":
                return text
            if tag11 != tag or octal:
                kind = tag11.rsplit(":", 1)[-1]
                if octal:
                    kind = "octal int"
                self.lookalikes.append(Yaml11Lookalike(path, text, kind, self.origin(node)))
                return text
        if tag == STR_TAG or node.style is not None:
            return text
        return _convert(tag, text)


def _convert(tag: str, text: str) -> Any:
    kind = tag.rsplit(":", 1)[-1]
    if kind == "null":
        return None
    if kind == "bool":
        return text.lower() == "true"
    if kind == "int":
        cleaned = text.replace("_", "")
        sign = -1 if cleaned.startswith("-") else 1
        digits = cleaned.lstrip("+-")
        if digits[:2] in ("0x", "0X"):
            return sign * int(digits[2:], 16)
        if digits[:2] in ("0o", "0O"):
            return sign * int(digits[2:], 8)
        return sign * int(digits)
    if kind == "float":
        lowered = text.lower().replace("_", "")
        if lowered in (".nan",):
            return float("nan")
        if lowered.endswith(".inf"):
            return float("-inf") if lowered.startswith("-") else float("inf")
        return float(lowered)
    return text
