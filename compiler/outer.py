"""Stage 1, load: where Kestra's configuration sits in a file given to `kkc validate`.

Kestra is deployed with its Helm chart, with docker-compose or with plain Kubernetes manifests,
and its configuration then sits inside another file. Each format of FORMATS finds the Kestra
configuration parts of such a file, in the order the deployment hands them to Kestra (Micronaut
merges them key by key, a later file winning), with every position in the file itself: a YAML
text held in a literal block scalar (`|`) maps line for line; any other text (base64, a quoted or
folded string) can only be pointed at by its key, and a finding there says where inside it is.

The Kestra Helm chart (github.com/kestra-io/helm-charts, charts/kestra), as followed here:
- chart 1.x (1.0.0 to 1.0.54, commit 2faf81ea1b19): `configurations.application` becomes the
  ConfigMap file `_default.yml`; `configurations.configmaps` and `configurations.secrets` list
  existing ConfigMaps and Secrets (`{name, key}`) mounted as further files. MICRONAUT_CONFIG_FILES
  lists `_default.yml`, then the ConfigMaps, then the Secrets, in that order.
- chart 0.x (the last is 0.24.4, commit bea76253b5f8): `configuration` becomes the ConfigMap file
  `application.yml` and `secrets` the Secret file `application-secrets.yml`, read in that order.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import field, replace
from pathlib import Path
from typing import Any

from compiler.diagnostics import Note
from compiler.errors import InputError, Origin, UsageError
from compiler.keys import Path_, dotted
from compiler.patterns import lazy
from compiler.records import record
from compiler.yamlload import Embedded, LoadedFile, Yaml11Lookalike, load_text, read_text

CHART_1 = "Kestra Helm chart 1.x (kestra-io/helm-charts charts/kestra 1.0.54, commit 2faf81ea1b19)"
CHART_0 = "Kestra Helm chart 0.x (kestra-io/helm-charts charts/kestra 0.24.4, commit bea76253b5f8)"
KESTRA_CONFIGURATION = "KESTRA_CONFIGURATION"
# The file names Kestra's deployments give its configuration in a ConfigMap or Secret: application.yml
# and application-*.yml (chart 0.x, the documentation), _default.yml (chart 1.x).
_CONFIG_KEY = lazy(r"^(application[^/]*|_default)\.ya?ml$")
_YAML_KEY = lazy(r"^[^/]+\.ya?ml$")
# A Go-template action as Helm charts write them: {{ .Values.x }}, {{- if ... }}, {{ include ... }}.
_ACTION = re.compile(
    r"\{\{-?\s*(?:[.$]|/\*|(?:if|else|end|range|with|define|template|include|block|toYaml|tpl|printf|print|"
    r"quote|default|required|lookup|nindent|indent|trim|b64enc)\b)"
)
_BREAK = re.compile(r"\r\n|[\n\r\x85\u2028\u2029]")


@record
class Part:
    """One Kestra configuration file as the deployment hands it to Kestra, positions in the outer file."""

    loaded: LoadedFile
    where: str  # what it is, in the user's words: "configurations.application", "Secret x, stringData.y"
    kind: str = ""  # a manifest's ConfigMap or Secret
    name: str = ""  # its metadata.name
    key: str = ""  # its data key
    namespace: str = ""  # its metadata.namespace


@record
class Reference:
    """A chart 1.x values entry mounting an existing ConfigMap's or Secret's key as a config file."""

    kind: str  # ConfigMap or Secret
    name: str
    key: str
    path: Path_
    origin: Origin | None


@record(frozen=False)
class Found:
    """What one file holds: its format, its Kestra configuration parts in the order Kestra reads them,
    what the reading noticed, and the other files a chart's values mount."""

    display: str
    format: str
    parts: list[Part] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    empty: bool = False  # a plain file with no setting at all (zero bytes, comments only)


@record
class Source:
    text: str
    display: str
    documents: list[LoadedFile]


@record
class Format:
    name: str
    summary: str
    recognise: Callable[[Source], bool]
    read: Callable[[Source], Found]


# --- reading a file -------------------------------------------------------------------------------


def read(path: Path, display: str, forced: str | None = None) -> Found:
    """The Kestra configuration parts of the file at `path`; `forced` names its format (--as)."""
    text = read_text(path, display)
    template = _template(text, display)
    if template is not None:
        return template
    documents = load_text(text, display, multi=True)
    source = Source(text, display, documents)
    if forced is not None:
        chosen = FORMATS[forced]
        if forced != "kestra" and not chosen.recognise(source):
            raise UsageError(f"--as {forced}: {display} is not {chosen.summary}")
        return chosen.read(source)
    for candidate in FORMATS.values():
        if candidate.name != "kestra" and candidate.recognise(source):
            return candidate.read(source)
    return FORMATS["kestra"].read(source)


def _template(text: str, display: str) -> Found | None:
    """A chart template (Go-template actions outside YAML strings) cannot be read before it is rendered."""
    lines = _BREAK.split(text)
    actions = [
        (number, match.start(), line)
        for number, line in enumerate(lines, 1)
        if not line.lstrip().startswith("#")
        for match in [_ACTION.search(line)]
        if match is not None
    ]
    if not actions:
        return None
    own_line = [a for a in actions if a[2].lstrip().startswith("{{")]
    if not own_line:
        try:
            load_text(text, display, multi=True)
            return None  # actions only inside strings: values or resources that a tool renders later
        except InputError:
            pass
    number, column, line = (own_line or actions)[0]
    shown = line.strip()
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    note = Note(
        "helm-template",
        (),
        "",
        f"a Helm chart template: Go-template actions such as '{shown}' (line {number}) are not YAML, "
        "so kkc cannot read it as it is; render it first (helm template RELEASE CHART -f values.yaml > "
        "rendered.yaml) and validate the rendered file, whose ConfigMaps and Secrets kkc reads",
        Origin(display, number, column + 1),
    )
    return Found(display, "helm-template", notes=[note])


# --- plain Kestra configuration -------------------------------------------------------------------


def _read_kestra(source: Source) -> Found:
    parts = [Part(doc, "") for doc in source.documents]
    return Found(source.display, "kestra", parts, empty=all(not doc.data for doc in source.documents))


# --- Helm values ----------------------------------------------------------------------------------

_CONFIG_ROOTS = ("kestra", "datasources", "micronaut", "endpoints")


def _values_layout(doc: LoadedFile) -> str | None:
    """'1' for chart 1.x values (configurations:), '0' for chart 0.x (configuration:/secrets:)."""
    data = doc.data
    configurations = data.get("configurations")
    if isinstance(configurations, dict) and any(k in configurations for k in ("application", "configmaps", "secrets")):
        return "1"
    halves = [data.get(k) for k in ("configuration", "secrets")]
    if any(isinstance(h, dict) and any(r in h for r in _CONFIG_ROOTS) for h in halves):
        return "0"
    return None


def _recognise_values(source: Source) -> bool:
    return len(source.documents) == 1 and _values_layout(source.documents[0]) is not None


def _subtree(doc: LoadedFile, prefix: Path_, where: str) -> Part:
    """The mapping at `prefix` of an outer document, as a configuration file of its own."""
    node: Any = doc.data
    for part in prefix:
        node = node.get(part) if isinstance(node, dict) else None
    data = node if isinstance(node, dict) else {}
    n = len(prefix)
    positions = {p[n:]: o for p, o in doc.positions.items() if p[:n] == prefix and len(p) > n}
    lookalikes = [
        Yaml11Lookalike(item.path[n:], item.text, item.yaml11_type, item.origin)
        for item in doc.lookalikes
        if item.path[:n] == prefix
    ]
    loaded = LoadedFile(doc.path, data, positions, None, lookalikes, doc.directives)
    return Part(loaded, where)


def _read_values(source: Source) -> Found:
    doc = source.documents[0]
    found = Found(source.display, "helm-values")
    layout = _values_layout(doc)
    if layout == "1":
        found.parts.append(_subtree(doc, ("configurations", "application"), "configurations.application"))
        for list_key, kind in (("configmaps", "ConfigMap"), ("secrets", "Secret")):
            entries = doc.data["configurations"].get(list_key)
            for index, entry in enumerate(entries if isinstance(entries, list) else []):
                if isinstance(entry, dict) and isinstance(entry.get("name"), str) and isinstance(entry.get("key"), str):
                    path: Path_ = ("configurations", list_key, index)
                    found.references.append(Reference(kind, entry["name"], entry["key"], path, doc.positions.get(path)))
        if not found.parts[0].loaded.data and not found.references:
            at = doc.positions.get(("configurations", "application")) or doc.positions.get(("configurations",))
            found.notes.append(
                Note(
                    "no-kestra-settings",
                    ("configurations", "application"),
                    "",
                    "values for the Kestra chart 1.x whose configurations.application holds no setting and which mount "
                    "no ConfigMap or Secret: Kestra runs on its defaults, and nothing was checked",
                    at or Origin(source.display, 1, 1),
                )
            )
        for old in ("configuration", "secrets"):
            half = doc.data.get(old)
            if isinstance(half, dict) and half:
                found.notes.append(
                    Note(
                        "helm-values-ignored",
                        (old,),
                        old,
                        f"'{old}:' is the layout of the Kestra chart 0.x, but these values are for the chart 1.x "
                        f"(configurations:), which ignores '{old}:': its settings never reach Kestra; move them "
                        "under configurations.application"
                        + (", secrets into a Secret listed under configurations.secrets" if old == "secrets" else ""),
                        doc.positions.get((old,)),
                    )
                )
        return found
    for half in ("configuration", "secrets"):
        if isinstance(doc.data.get(half), dict):
            found.parts.append(_subtree(doc, (half,), half))
    return found


# --- compose files --------------------------------------------------------------------------------


def _services(doc: LoadedFile) -> list[tuple[Path_, dict[str, Any]]]:
    """A compose file's services: under services:, or at the root of a fragment of that mapping."""
    data = doc.data
    if isinstance(data.get("services"), dict):
        return [(("services", k), v) for k, v in data["services"].items() if isinstance(v, dict)]
    # A fragment's service has an image or a build, or an environment (whose KESTRA_CONFIGURATION decides).
    return [
        ((k,), v)
        for k, v in data.items()
        if isinstance(v, dict) and any(f in v for f in ("image", "build", "environment"))
    ]


def _configuration_values(doc: LoadedFile) -> list[tuple[Path_, str, str]]:
    """(path of the value, the text, the prefix before it) of each service's KESTRA_CONFIGURATION."""
    found: list[tuple[Path_, str, str]] = []
    for path, service in _services(doc):
        environment = service.get("environment")
        if isinstance(environment, dict) and isinstance(environment.get(KESTRA_CONFIGURATION), str):
            found.append(((*path, "environment", KESTRA_CONFIGURATION), environment[KESTRA_CONFIGURATION], ""))
        elif isinstance(environment, list):
            for index, item in enumerate(environment):
                if isinstance(item, str) and item.startswith(f"{KESTRA_CONFIGURATION}="):
                    prefix = f"{KESTRA_CONFIGURATION}="
                    found.append(((*path, "environment", index), item[len(prefix) :], prefix))
    return found


def _recognise_compose(source: Source) -> bool:
    for doc in source.documents:
        if isinstance(doc.data.get("services"), dict) and _services(doc):
            return True
        if _configuration_values(doc):
            return True
    return False


# docker compose's interpolation (the compose specification): `$$` is a `$`; `$NAME`, `${NAME}` and
# `${NAME:-x}`-style forms are replaced from the shell or the .env file; any other `${` is refused.
_COMPOSE = lazy(
    r"\$(?:(?P<escaped>\$)|(?P<named>[_a-z][_a-z0-9]*)|\{(?:(?P<braced>[_a-z][_a-z0-9]*)(?P<rest>:?[-+?][^}]*)?\}|"
    r"(?P<invalid>)))",
    re.I,
)


@record(frozen=False)
class _Interpolated:
    text: str  # as Kestra receives it, compose's substitutions kept as placeholders kkc does not judge
    substituted: list[tuple[str, int]] = field(default_factory=list)  # (variable, offset in the original)
    invalid: list[tuple[str, int]] = field(default_factory=list)
    shifts: list[tuple[int, int, int]] = field(default_factory=list)  # see yamlload.Embedded.shifts


def _interpolate(text: str) -> _Interpolated:
    out = _Interpolated("")
    pieces: list[str] = []
    last = 0
    written = 0  # length of the text as read so far

    def shifted(replacement: str, original: str) -> None:
        nonlocal written
        line, column = _line_col("".join(pieces), written)
        out.shifts.append((line, column, len(original) - len(replacement)))
        pieces.append(replacement)
        written += len(replacement)

    for match in _COMPOSE().finditer(text):
        pieces.append(text[last : match.start()])
        written += match.start() - last
        last = match.end()
        if match.group("escaped") is not None:
            shifted("$", match.group(0))
        elif match.group("named") is not None or match.group("braced") is not None:
            name = match.group("named") or match.group("braced")
            out.substituted.append((name, match.start()))
            shifted("${" + name + "}", match.group(0))
        else:
            body = text[match.end() : text.find("}", match.end())] if "}" in text[match.end() :] else ""
            name = body.split(":", 1)[0]
            out.invalid.append(("${" + name + (":...}" if ":" in body else "}"), match.start()))
            pieces.append(match.group(0))
            written += len(match.group(0))
    pieces.append(text[last:])
    out.text = "".join(pieces)
    return out


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _read_compose(source: Source) -> Found:
    found = Found(source.display, "compose")
    for doc in source.documents:
        for path, text, prefix in _configuration_values(doc):
            where = dotted(path[:-1]) + f" {KESTRA_CONFIGURATION}" if prefix else dotted(path)
            embedded = _embedded(source, doc, path, prefix, f"the {KESTRA_CONFIGURATION} text of {where}")
            if not text.strip():
                found.notes.append(
                    Note(
                        "no-kestra-settings",
                        path,
                        "",
                        f"the {KESTRA_CONFIGURATION} of {dotted(path[:-2])} is empty: Kestra runs on its defaults, "
                        "and nothing was checked",
                        doc.positions.get(path, Origin(source.display, 1, 1)),
                    )
                )
            compose = _interpolate(text)
            for name, offset in compose.invalid:
                found.notes.append(
                    Note(
                        "compose-interpolation-invalid",
                        path,
                        name,
                        f"docker compose refuses this file (invalid interpolation format): '{name}' in "
                        f"{KESTRA_CONFIGURATION} is not a variable compose can substitute, so Kestra never starts; "
                        f"write '$${name[1:]}' so that compose hands '{name}' to Kestra",
                        embedded.origin(*_line_col(text, offset)),
                    )
                )
            if compose.substituted:
                names = sorted({n for n, _ in compose.substituted})
                found.notes.append(
                    Note(
                        "compose-interpolation",
                        path,
                        ", ".join(names),
                        f"docker compose replaces {', '.join('$' + n for n in names)} in {KESTRA_CONFIGURATION} with "
                        "the variables of the shell or .env file that runs it (an empty string when one is unset), "
                        "before Kestra starts: Kestra never sees these placeholders, and kkc cannot check the values; "
                        "write $${NAME} where Kestra itself should read the container's environment variable",
                        embedded.origin(*_line_col(text, compose.substituted[0][1])),
                    )
                )
            if compose.shifts:
                embedded = replace(embedded, shifts=tuple(compose.shifts))
            found.parts.append(Part(_inner(compose.text, source, doc, embedded), where))
    if not found.parts:
        first = source.documents[0]
        found.notes.append(
            _nothing(source, first, f"a compose file whose services set no {KESTRA_CONFIGURATION}: nothing was checked")
        )
    return found


# --- Kubernetes manifests -------------------------------------------------------------------------


def _is_resource(doc: LoadedFile) -> bool:
    return isinstance(doc.data.get("apiVersion"), str) and isinstance(doc.data.get("kind"), str)


def _recognise_manifest(source: Source) -> bool:
    return any(_is_resource(doc) for doc in source.documents)


def _resources(doc: LoadedFile) -> list[tuple[Path_, dict[str, Any]]]:
    """A document's resources with their paths: the document itself, or the items of a `kind: List`
    (what `kubectl get -o yaml` prints for several)."""
    if doc.data.get("kind") == "List" and isinstance(doc.data.get("items"), list):
        items = enumerate(doc.data["items"])
        return [
            (("items", i), item) for i, item in items if isinstance(item, dict) and isinstance(item.get("kind"), str)
        ]
    return [((), doc.data)] if _is_resource(doc) else []


def _read_manifest(source: Source) -> Found:
    found = Found(source.display, "manifest")
    config_maps: list[Part] = []
    secrets: list[Part] = []
    for doc in source.documents:
        for prefix, resource in _resources(doc):
            kind = resource.get("kind")
            if kind not in ("ConfigMap", "Secret"):
                continue
            metadata = resource.get("metadata")
            metadata = metadata if isinstance(metadata, dict) else {}
            name = metadata.get("name") if isinstance(metadata.get("name"), str) else ""
            namespace = metadata.get("namespace") if isinstance(metadata.get("namespace"), str) else ""
            fields = ("data",) if kind == "ConfigMap" else ("data", "stringData")
            for data_field in fields:
                entries = resource.get(data_field)
                if not isinstance(entries, dict):
                    continue
                written_over = resource.get("stringData") if data_field == "data" and kind == "Secret" else None
                for key, value in entries.items():
                    if not isinstance(value, str) or not _YAML_KEY().match(key):
                        continue
                    if isinstance(written_over, dict) and key in written_over:
                        continue  # Kubernetes writes stringData over data: only that text reaches Kestra
                    path: Path_ = (*prefix, data_field, key)
                    where = f"{kind} {name or '(no name)'}, {data_field}.{key}"
                    encoded = kind == "Secret" and data_field == "data"
                    text = _decoded(value, doc, path, source.display, where) if encoded else value
                    if not _CONFIG_KEY().match(key) and not re.search(r"(?m)^kestra\s*:", text):
                        continue  # another YAML file the resource carries, not Kestra's configuration
                    what = f"the {'base64-decoded ' if encoded else ''}value of {data_field}.{key}"
                    embedded = _embedded(source, doc, path, "", what, exact=not encoded)
                    part = Part(_inner(text, source, doc, embedded), where, kind, str(name), key, str(namespace))
                    (config_maps if kind == "ConfigMap" else secrets).append(part)
    # Both charts list the ConfigMap's file before the Secrets' in MICRONAUT_CONFIG_FILES.
    found.parts = config_maps + secrets
    if not found.parts:
        kinds = sorted({str(r.get("kind")) for d in source.documents for _, r in _resources(d)})
        found.notes.append(
            _nothing(
                source,
                source.documents[0],
                f"a Kubernetes manifest ({', '.join(kinds)}) with no ConfigMap or Secret holding a Kestra "
                "configuration file (a key application*.yml or _default.yml, or a .yml key whose text has a "
                "kestra: tree): nothing was checked",
            )
        )
    return found


def _decoded(value: str, doc: LoadedFile, path: Path_, display: str, where: str) -> str:
    origin = doc.positions.get(path, Origin(display))
    try:
        raw = base64.b64decode(re.sub(r"[\r\n]", "", value), validate=True)
    except (binascii.Error, ValueError):
        raise InputError(
            f"{where} is not base64: Kubernetes refuses the Secret ('illegal base64 data'), so Kestra never gets "
            "this file; put the text under stringData instead, or encode it (base64 -w0)",
            origin,
            rule="secret-data-not-base64",
        ) from None
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise InputError(
            f"{where} does not decode to UTF-8 text: not a YAML configuration file", origin, rule="not-utf8"
        ) from None


def _nothing(source: Source, doc: LoadedFile, message: str) -> Note:
    first = min(doc.positions.values(), key=lambda o: (o.line, o.column), default=Origin(source.display, 1, 1))
    return Note("no-kestra-settings", (), "", message, first)


# --- where an embedded text is ---------------------------------------------------------------------


def _embedded(source: Source, doc: LoadedFile, path: Path_, prefix: str, what: str, exact: bool = True) -> Embedded:
    """How positions of the text at `path` map to the file: line for line for a literal block scalar
    whose lines are found in the file as they are; else every position is the key's."""
    key = doc.positions.get(path, Origin(source.display, 1, 1))
    opaque = Embedded(source.display, key.line, key.column, exact=False, what=what)
    header = doc.blocks.get(path)
    if not exact or header is None:
        return opaque
    value = _value_at(doc.data, path)
    if not isinstance(value, str):
        return opaque
    lines = _BREAK.split(source.text)
    inner = value.split("\n")
    first = header + 1  # 0-based: the block's content starts on the line after its `|`
    indent: int | None = None
    for offset, text in enumerate(inner):
        if not text.strip():
            continue
        if first + offset >= len(lines):
            return opaque
        outer = lines[first + offset]
        if indent is None:
            indent = len(outer) - len(text)
        if indent < 0 or outer[indent:] != text or outer[:indent].strip():
            return opaque
    return _block(source, first, indent, prefix)


def _inner(text: str, source: Source, doc: LoadedFile, embedded: Embedded) -> LoadedFile:
    """An embedded text, read; the outer file's own `# kkc: disable=` comments apply to it too."""
    loaded = load_text(text, source.display, embedded=embedded)
    loaded.directives = doc.directives + loaded.directives
    return loaded


def _block(source: Source, first: int, indent: int | None, prefix: str) -> Embedded:
    indent = indent or 0
    return Embedded(source.display, first + 1, indent + 1 + len(prefix), indent)


def _value_at(data: Any, path: Path_) -> Any:
    node = data
    for part in path:
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return None
    return node


FORMATS: dict[str, Format] = {
    "manifest": Format(
        "manifest",
        "a Kubernetes manifest (apiVersion: and kind:, ConfigMaps and Secrets holding application*.yml)",
        _recognise_manifest,
        _read_manifest,
    ),
    "helm-values": Format(
        "helm-values",
        "values for the Kestra Helm chart (configurations.application for chart 1.x, configuration: and "
        "secrets: for chart 0.x)",
        _recognise_values,
        _read_values,
    ),
    "compose": Format(
        "compose",
        f"a compose file whose services set {KESTRA_CONFIGURATION}",
        _recognise_compose,
        _read_compose,
    ),
    "kestra": Format("kestra", "a Kestra configuration file", lambda source: True, _read_kestra),
}


def group(found: list[Found]) -> list[list[Found]]:
    """Which files given to `kkc validate` make one target, as one Kestra reads them together:
    - a chart 1.x values file, with the parts of other files it mounts (configurations.configmaps and
      .secrets), in the chart's order;
    - the ConfigMaps and Secrets of manifest files in one directory and one namespace (the layout of
      `kkc compile --emit configmap --emit secret`, and of a kustomize base): ConfigMaps first;
    - every other file, or what is left of it, alone. In the order the files were given."""
    from dataclasses import replace

    joined: dict[int, list[Part]] = {}  # index of a file -> its parts a values file mounts
    owner: dict[int, int] = {}  # index of a file -> index of the values file it joins
    for index, item in enumerate(found):
        for reference in item.references:
            for other_index, other in enumerate(found):
                if other is item or owner.get(other_index, index) != index:
                    continue
                wanted = (reference.kind, reference.name, reference.key)
                held = [p for p in other.parts if (p.kind, p.name, p.key) == wanted]
                if held:
                    owner[other_index] = index
                    joined.setdefault(other_index, []).extend(p for p in held if p not in joined.get(other_index, []))
    groups: dict[int, list[Found]] = {}
    manifests: dict[tuple[str, str], int] = {}  # (directory, namespace) -> the group's index
    for index, item in enumerate(found):
        rest = list(item.parts)
        if index in owner:
            mounted = joined[index]
            rest = [p for p in item.parts if not any(p is m for m in mounted)]
            groups.setdefault(owner[index], []).append(replace(item, parts=mounted, notes=[] if rest else item.notes))
            if not rest:
                continue
            item = replace(item, parts=rest)
        if item.format != "manifest" or not item.parts:
            groups.setdefault(index, []).insert(0, item)
            continue
        for namespace in dict.fromkeys(p.namespace for p in item.parts):
            place = (str(Path(item.display).parent), namespace)
            home = manifests.setdefault(place, index)
            mine = [p for p in item.parts if p.namespace == namespace]
            first = namespace == item.parts[0].namespace
            groups.setdefault(home, []).append(replace(item, parts=mine, notes=item.notes if first else []))
    out = []
    for index in sorted(groups):
        members = groups[index]
        if all(m.format == "manifest" for m in members) and len(members) > 1:
            members = _config_maps_first(members)
        out.append(members)
    return out


def _config_maps_first(members: list[Found]) -> list[Found]:
    """Manifest files read together: every ConfigMap's file before every Secret's, as both charts list them."""
    from dataclasses import replace

    maps = [replace(m, parts=[p for p in m.parts if p.kind == "ConfigMap"], notes=[]) for m in members]
    secrets = [replace(m, parts=[p for p in m.parts if p.kind != "ConfigMap"], notes=[]) for m in members]
    ordered = [m for m in maps + secrets if m.parts]
    ordered[0] = replace(ordered[0], notes=[note for m in members for note in m.notes])
    return ordered
