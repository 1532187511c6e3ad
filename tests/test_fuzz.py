"""Property-based tests: random layer trees and overrides, valid and mutated.

- kkc never fails with anything but its own documented errors (exit 0, 1 or 2; never 3, never a traceback);
- compiling is deterministic: the same inputs give the same bytes;
- merge order: for every generated key, the instance beats the env, which beats config.yaml; an
  override beats them all.

Example counts are kept moderate so the suite stays fast; each test prints how many examples ran.
"""

from __future__ import annotations

import json
import string
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler.emit import output_files
from compiler.layers import ConfigTree
from compiler.overrides import parse_value, split_args
from compiler.pipeline import compile_target
from compiler.yamlload import load_text
from tests.conftest import kkc

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,  # the same examples on every run: CI never fails by chance
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

HEADER = "defaults:\n  - _self_\n  - env: a\n  - instance: null\n"
GLOBAL = "# @package _global_\n"
LAYERS = ("config.yaml", "env a", "instance x")  # the names kkc gives the layers, lowest first
FILES = ("config.yaml", "env/a.yaml", "instance/x.yaml")

KAFKA_NAMES = (
    "acks",
    "linger.ms",
    "batch.size",
    "client.id",
    "bootstrap.servers",
    "enable.idempotence",
    "max.poll.records",
    "session.timeout.ms",
    "compression.type",
    "retention.ms",
    "cleanup.policy",
    "ssl.key.password",
    "sasl.jaas.config",
    "security.protocol",
    "auto.offset.reset",
)
PROPERTY_MAPS: tuple[tuple[str, ...], ...] = (
    ("kestra", "kafka", "client", "properties"),
    ("kestra", "kafka", "defaults", "consumer", "properties"),
    ("kestra", "kafka", "defaults", "producer", "properties"),
    ("kestra", "kafka", "defaults", "stream", "properties"),
    ("kestra", "kafka", "defaults", "topic", "properties"),
    ("kestra", "kafka", "topics", "execution", "properties"),
    ("kestra", "kafka", "topics", "myTopic", "properties"),
)
LOOKALIKES = (
    "on",
    "off",
    "yes",
    "No",
    "y",
    "010",
    "0o17",
    "0x1F",
    "12:30",
    "1:20:30",
    "1e3",
    "~",
    "null",
    "true",
    ".inf",
)
PLACEHOLDERS = (
    "${KAFKA_PASSWORD}",
    "${KAFKA_PASSWORD:changeme}",
    "${A:b:c}",
    "${BOOTSTRAP:`localhost:9092`}",
    "${A:${B}}",
    "${random.uuid}",
    "x-${kestra.kafka.defaults.topic-prefix}",
    "${kestra.kafka.defaults.topic.partitions}",
)
ODD_TEXT = (
    "${",
    "${}",
    "${A",
    "`",
    "}",
    "a: b",
    "- x",
    "#",
    "&a",
    "*a",
    "!!int x",
    "[1,",
    "{a:",
    "'",
    '"',
    "\t",
    "é",
    "",
)

camel = st.from_regex(r"[a-z]{1,6}([A-Z][a-z0-9]{1,5}){1,2}", fullmatch=True)
dotted = st.from_regex(r"[a-z][a-z0-9]{0,5}(\.[a-z][a-z0-9_-]{0,5}){1,3}", fullmatch=True)
plain = st.from_regex(r"[a-z][a-z0-9_-]{0,10}", fullmatch=True)
property_names = st.one_of(st.sampled_from(KAFKA_NAMES), camel, dotted, plain)


def scalar_texts(valid: bool) -> st.SearchStrategy[str]:
    """YAML text of one scalar: plain look-alikes, numbers, placeholders (quoted), odd text when not `valid`."""
    # A valid tree gets its placeholders from PLACEHOLDERS only; free text may break one when not `valid`.
    alphabet = string.ascii_letters + string.digits + " .:-_/" + ("" if valid else "${}`")
    quoted = st.text(alphabet=alphabet, max_size=20).map(json.dumps)
    choices = [
        st.sampled_from(LOOKALIKES),
        st.integers(-(10**6), 10**12).map(str),
        st.sampled_from(PLACEHOLDERS).map(json.dumps),
        quoted,
        st.sampled_from(("true", "false", "all", "lz4", "SASL_SSL", "-1")),
    ]
    if not valid:
        choices.append(st.sampled_from(ODD_TEXT))
    return st.one_of(*choices)


def render(tree: dict[str, Any], indent: int = 0) -> str:
    """Block YAML from nested dicts whose leaves are scalar texts (written as they are)."""
    lines = []
    for key, value in tree.items():
        if isinstance(value, dict):
            lines.append(f"{'  ' * indent}{key}:")
            lines.append(render(value, indent + 1)) if value else lines.append(f"{'  ' * (indent + 1)}{{}}")
        else:
            lines.append(f"{'  ' * indent}{key}: {value}")
    return "\n".join(line for line in lines if line)


def nest(entries: dict[tuple[str, ...], str]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for path, text in entries.items():
        node = tree
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = text
    return tree


@st.composite
def layered_settings(draw: st.DrawFn) -> tuple[list[dict[tuple[str, ...], str]], list[tuple[tuple[str, ...], str]]]:
    """Three layers writing overlapping Kafka property keys, and `++` overrides of some of them."""
    pool = draw(
        st.lists(st.tuples(st.sampled_from(PROPERTY_MAPS), property_names), min_size=1, max_size=12, unique=True)
    )
    paths = [(*where, name) for where, name in pool]
    layers = []
    for _ in LAYERS:
        chosen = draw(st.lists(st.sampled_from(paths), max_size=len(paths), unique=True))
        layers.append({path: draw(scalar_texts(valid=True)) for path in chosen})
    override_values = st.one_of(
        st.from_regex(r"[A-Za-z0-9_.:/-]{1,12}", fullmatch=True), st.integers(0, 10**6).map(str)
    )
    overridden = draw(st.lists(st.sampled_from(paths), max_size=3, unique=True))
    overrides = [(path, draw(override_values)) for path in overridden]
    return layers, overrides


def write_tree(root: Path, texts: list[str]) -> Path:
    conf = root / "conf"
    for rel, text in zip(FILES, texts, strict=True):
        path = conf / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return conf


def layer_texts(layers: list[dict[tuple[str, ...], str]]) -> list[str]:
    bodies = [render(nest(layer)) + "\n" if layer else "" for layer in layers]
    return [HEADER + "cluster:\n  name: fuzz\n  brokers: 1\n" + bodies[0], GLOBAL + bodies[1], GLOBAL + bodies[2]]


def override_args(overrides: list[tuple[tuple[str, ...], str]]) -> list[str]:
    return [f"++{'.'.join(path[:-1])}[{path[-1]}]={value}" for path, value in overrides]


def compiled_files(conf: Path, args: list[str]) -> dict[str, dict[str, str]]:
    tree = ConfigTree(conf)
    choices, overrides = split_args(["env=a", "instance=x", *args], list(tree.groups))
    compiled = compile_target(tree, tree.target(choices), overrides)
    return {compiled.target: output_files(compiled, ("strimzi", "kafka-topics"))}


def test_merge_order_instance_beats_env_beats_config_and_overrides_beat_all() -> None:
    ran = 0

    @SETTINGS
    @given(layered_settings())
    def check(generated: tuple[list[dict[tuple[str, ...], str]], list[tuple[tuple[str, ...], str]]]) -> None:
        nonlocal ran
        ran += 1
        layers, overrides = generated
        with tempfile.TemporaryDirectory() as tmp:
            conf = write_tree(Path(tmp), layer_texts(layers))
            tree = ConfigTree(conf)
            args = override_args(overrides)
            choices, parsed = split_args(["env=a", "instance=x", *args], list(tree.groups))
            compiled = compile_target(tree, tree.target(choices), parsed)
        expected: dict[tuple[str, ...], tuple[str, Any]] = {}
        for name, layer in zip(LAYERS, layers, strict=True):
            for path, text in layer.items():
                expected[path] = (name, load_text(f"v: {text}\n", "value").data["v"])
        for (path, raw), text in zip(overrides, args, strict=True):
            expected[path] = ("override", parse_value(raw, text))
        for path, (layer, value) in expected.items():
            winner = compiled.merged.settings[path][-1]
            assert (winner.layer, winner.value) == (layer, value), path
            if not (isinstance(value, str) and "${" in value) and path not in compiled.merged.yaml11_applied:
                node: Any = compiled.resolved.tree
                for part in path:
                    node = node[part]
                assert node == value, path

    check()
    print(f"\nmerge order: {ran} generated examples")
    assert ran >= 30


def test_compiling_is_deterministic() -> None:
    ran = 0
    clean = 0

    @settings(SETTINGS, max_examples=30)
    @given(layered_settings())
    def check(generated: tuple[list[dict[tuple[str, ...], str]], list[tuple[tuple[str, ...], str]]]) -> None:
        nonlocal ran, clean
        ran += 1
        layers, overrides = generated
        texts, args = layer_texts(layers), override_args(overrides)
        with tempfile.TemporaryDirectory() as one, tempfile.TemporaryDirectory() as two:
            first = compiled_files(write_tree(Path(one), texts), args)
            second = compiled_files(write_tree(Path(two), texts), args)
            assert first == second
            runs = [
                kkc("compile", "--config-dir", "conf", "env=a", "instance=x", *args, "--format", "json", cwd=Path(d))
                for d in (one, two)
            ]
        assert runs[0] == runs[1]
        assert runs[0].code in (0, 1) and "Traceback" not in runs[0].err
        clean += runs[0].code == 0

    check()
    print(f"\ndeterminism: {ran} generated examples ({clean} also passed kkc compile's validation)")
    assert ran >= 20


# --- mutated trees: anything goes, kkc must answer with its own errors ---------------------------------

KEYS = (
    "kestra",
    "kafka",
    "client",
    "defaults",
    "properties",
    "topics",
    "topic",
    "partitions",
    "replication-factor",
    "replicationFactor",
    "topic-prefix",
    "topicPrefix",
    "consumer-prefix",
    "message-protection",
    "soft-limit",
    "loggers",
    "queue",
    "type",
    "cluster",
    "brokers",
    "kafka-version",
    "targets",
    "policy",
    "defaults.topic.partitions",
    "kestra.kafka.defaults.topic-prefix",
    "stream",
    "producer",
    "consumer",
    "execution",
    "state.dir",
    "<<",
    "on",
    "null",
    "1",
)
keys = st.one_of(st.sampled_from(KEYS), property_names)
leaves = st.one_of(
    scalar_texts(valid=False), st.lists(scalar_texts(valid=True), max_size=3).map(lambda v: f"[{', '.join(v)}]")
)
trees = st.recursive(
    st.dictionaries(keys, leaves, max_size=4),
    lambda children: st.dictionaries(keys, st.one_of(leaves, children), max_size=4),
    max_leaves=20,
)
MUTATIONS = ("tab", "cut", "duplicate-line", "dedent", "anchor", "bytes", "none", "none", "none")


def mutate(text: str, how: str, at: int) -> str | bytes:
    if not text:
        return text
    at %= len(text)
    if how == "tab":
        return text[:at] + "\t" + text[at:]
    if how == "cut":
        return text[:at]
    if how == "duplicate-line":
        lines = text.splitlines(keepends=True)
        return "".join([*lines, lines[at % len(lines)]])
    if how == "dedent":
        return text.replace("\n  ", "\n ", 1)
    if how == "anchor":
        return text[:at] + " &a *a " + text[at:]
    if how == "bytes":
        return text.encode()[:at] + b"\xff\x00" + text.encode()[at:]
    return text


overrides_any = st.one_of(
    st.builds(lambda n: f"kestra.kafka.defaults.topic.partitions={n}", st.integers(-5, 10**9)),
    st.builds(lambda k, v: f"++kestra.kafka.client.properties[{k}]={v}", property_names, scalar_texts(valid=False)),
    st.builds(lambda k, v: f"+kestra.{k}={v}", keys, scalar_texts(valid=False)),
    st.builds(lambda k: f"~kestra.kafka.{k}", keys),
    st.sampled_from(("env=b", "instance=null", "~instance", "env=../a", "kestra.kafka={}", "kestra={a: [1, {b: 2}]}")),
    st.text(alphabet=string.printable, max_size=24).filter(lambda t: not t.startswith("-")),
)


def test_mutated_trees_and_overrides_never_crash() -> None:
    ran = 0
    outcomes: dict[int, int] = {}

    @SETTINGS
    @given(
        st.lists(trees, min_size=3, max_size=3),
        st.lists(st.tuples(st.sampled_from(MUTATIONS), st.integers(0, 10**6)), min_size=3, max_size=3),
        st.lists(overrides_any, max_size=3),
        st.sampled_from(("compile", "validate")),
    )
    def check(layers: list[dict[str, Any]], mutations: list[tuple[str, int]], args: list[str], command: str) -> None:
        nonlocal ran
        ran += 1
        texts = [
            HEADER + render(layers[0]) + "\n",
            GLOBAL + render(layers[1]) + "\n",
            GLOBAL + render(layers[2]) + "\n",
        ]
        with tempfile.TemporaryDirectory() as tmp:
            conf = Path(tmp) / "conf"
            for rel, text, (how, at) in zip(FILES, texts, mutations, strict=True):
                path = conf / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                mutated = mutate(text, how, at)
                path.write_bytes(mutated if isinstance(mutated, bytes) else mutated.encode())
            (conf / "env" / "b.yaml").write_text(GLOBAL)
            argv = [command, "--config-dir", "conf", *args]
            first = kkc(*argv, cwd=Path(tmp))
            second = kkc(*argv, cwd=Path(tmp))
        assert first.code in (0, 1, 2), first.err
        assert "Traceback" not in first.out + first.err and "internal error" not in first.err
        assert first == second  # deterministic, failures included
        outcomes[first.code] = outcomes.get(first.code, 0) + 1

    check()
    print(f"\nmutated trees: {ran} generated examples, exit codes {dict(sorted(outcomes.items()))}")
    assert ran >= 30


# --- schema-shaped trees: every place of the kestra.kafka/cluster schema, any type in it -----------------

anything = st.one_of(
    scalar_texts(valid=True),
    st.sampled_from(("[1, a]", "{a: 1}", "null", "-1", "0", "[]", "{}", '"${kestra.kafka.defaults.topic}"')),
    st.sampled_from(('"${cluster.brokers}"', '"${kestra.kafka.defaults.topic-prefix}"', '"${kestra.nope}"')),
)
property_maps = st.one_of(anything, st.dictionaries(property_names, anything, max_size=4))


def shaped(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """A mapping with any of `fields` (each of its own shape), or anything else in its place."""
    return st.one_of(anything, st.fixed_dictionaries({}, optional=fields))


roles = {role: shaped({"properties": property_maps}) for role in ("consumer", "producer", "stream")}
topic_fields = {"name": anything, "partitions": anything, "replication-factor": anything, "properties": property_maps}
logger = shaped({"type": anything, "level": anything, "topic-regexp": anything, "key-regexp": anything})
kafka_tree = shaped(
    {
        "client": shaped({"properties": property_maps, "loggers": st.one_of(anything, st.lists(logger, max_size=2))}),
        "defaults": shaped(
            {
                "topic-prefix": anything,
                "consumer-prefix": anything,
                "topic": shaped({"partitions": anything, "replication-factor": anything, "properties": property_maps}),
                **roles,
            }
        ),
        "topics": st.one_of(
            anything, st.dictionaries(st.sampled_from(("execution", "executor", "logentry", "x")), shaped(topic_fields))
        ),
        "message-protection": shaped({"soft-limit": anything, "hard-limit": anything, "enabled": anything}),
    }
)
layer_shapes = st.fixed_dictionaries(
    {},
    optional={
        "kestra": shaped({"kafka": kafka_tree, "queue": shaped({"type": anything})}),
        "cluster": shaped(
            {"name": anything, "brokers": anything, "kafka-version": anything, "broker-defaults": property_maps}
        ),
        "policy": st.one_of(anything, st.dictionaries(plain, anything, max_size=2)),
    },
)


def flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {flow(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(item) for item in value) + "]"
    return str(value)


def test_schema_shaped_trees_never_crash() -> None:
    ran = 0
    outcomes: dict[str, int] = {}

    @settings(SETTINGS, max_examples=40)
    @given(layer_shapes, layer_shapes, st.sampled_from(("compile", "validate", "file", "explain", "diff")))
    def check(config: dict[str, Any], env: dict[str, Any], command: str) -> None:
        nonlocal ran
        ran += 1
        body = {
            name: "".join(f"{key}: {flow(value)}\n" for key, value in tree.items())
            for name, tree in (("c", config), ("e", env))
        }
        with tempfile.TemporaryDirectory() as tmp:
            conf = write_tree(Path(tmp), [HEADER + body["c"], GLOBAL + body["e"], GLOBAL])
            (conf / "env" / "b.yaml").write_text(GLOBAL)
            (Path(tmp) / "application.yml").write_text(body["e"])
            argv = {
                "compile": ["compile", "--config-dir", "conf", "--out", "build", "--emit", "kafka-topics"],
                "validate": ["validate", "--config-dir", "conf", "--format", "sarif"],
                "file": ["validate", "application.yml"],
                "explain": ["explain", "--config-dir", "conf", "clients.producer.acks"],
                "diff": ["diff", "--config-dir", "conf", "--", "env=b"],
            }[command]
            run = kkc(*argv, cwd=Path(tmp))
        assert run.code in (0, 1, 2), run.err
        assert "Traceback" not in run.out + run.err and "internal error" not in run.err
        outcomes[f"{command}:{run.code}"] = outcomes.get(f"{command}:{run.code}", 0) + 1

    check()
    print(f"\nschema-shaped trees: {ran} generated examples, outcomes {dict(sorted(outcomes.items()))}")
    assert ran >= 20
