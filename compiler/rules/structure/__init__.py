"""Rules: the shape of the `kestra.kafka` tree and of kkc's own keys (a Cerberus schema), plus
what normalization changed (camelCase, the doc page's variant paths, YAML 1.1 look-alikes)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

from compiler.keys import TOOL_KEYS, Path_, dotted
from compiler.rules.base import Context, Finding, Rule, example, from_notes, properties_example, tree_example
from compiler.rules.structure.schema import schema_rule

_READ_ROOTS = ("kestra", "cluster", "policy", "rules", "kubernetes")


def _group_not_global(ctx: Context) -> Iterator[Finding]:
    for note in ctx.compiled.notes:
        if note.rule != "group-file-not-global":
            continue
        placed = ctx.get(note.path)
        lost = [k for k in _READ_ROOTS if isinstance(placed, dict) and k in placed]
        if not lost:
            yield Finding(note.path, note.message, origin=note.origin)
            continue
        roots = ", ".join(f"{k}:" for k in lost)
        yield Finding(
            note.path,
            f"{note.message}; its {roots} settings are not applied at all, so this target compiles without them",
            level="error",
            origin=note.origin,
        )


def _nested_properties(ctx: Context) -> Iterator[Finding]:
    for props in ctx.property_sets():
        node = ctx.get(props.path)
        if not isinstance(node, dict):
            continue
        for key, value in node.items():
            if isinstance(value, dict):
                inner = next(iter(value), "x")
                yield Finding(
                    (*props.path, key),
                    f"'{key}' under {dotted(props.path)} is a nested map, read as '{key}.{inner}'...: a dotted "
                    f"Kafka property name was split; write it whole and quote nothing: '{key}.{inner}: ...'",
                )


def _lookalikes(ctx: Context) -> Iterator[Finding]:
    seen = set()
    for item in ctx.compiled.merged.lookalikes:
        if item.path[:1] == ("rules",):
            continue  # `off` is a level: kkc alone reads rules:, never SnakeYAML
        if item.origin in seen:
            continue
        seen.add(item.origin)
        meaning = {"bool": "a boolean", "int": "a number", "octal int": "an octal number", "float": "a number"}.get(
            item.yaml11_type, f"a {item.yaml11_type}"
        )
        if item.path in ctx.compiled.merged.yaml11_applied:
            kept = f"{item.path[-1]} is a boolean Kafka property, so kkc reads it as {meaning} too; write true or false"
        else:
            kept = f"kkc keeps the string '{item.text}'. Quote it (\"{item.text}\") to say which one you mean"
        yield Finding(
            item.path,
            f"'{item.text}' is read by Kestra's YAML 1.1 parser (SnakeYAML) as {meaning}, by YAML 1.2 as a string; "
            + kept,
            origin=item.origin,
        )


_MISPLACED_ROOTS = {
    "kafka": "a root 'kafka:' is not read by Kestra: its settings belong under 'kestra:' (kestra.kafka...); "
    "was the 'kestra:' line lost when copying a fragment?",
    "queue": "a root 'queue:' is not read by Kestra: it belongs under 'kestra:' (kestra.queue.type: kafka)",
    "floworc": "'floworc:' is Kestra's 2019 name; today's Kestra reads 'kestra:' and ignores this whole tree",
}


def _unknown_root(ctx: Context) -> Iterator[Finding]:
    known = ("kestra", *TOOL_KEYS)
    for key in ctx.tree:
        if key in known:
            continue
        if key in _MISPLACED_ROOTS:
            yield Finding((key,), _MISPLACED_ROOTS[key])
            continue
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.7)
        if close:
            yield Finding((key,), f"root key '{key}' is not read by Kestra or kkc; did you mean '{close[0]}'?")


def _embedded_kestra(node: Any, path: Path_) -> tuple[Path_, str] | None:
    """Where a Kestra tree hides in a non-Kestra file: nested (Helm values) or inside a string."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "kestra" and path:
                return (*path, key), "nested"
            found = _embedded_kestra(value, (*path, key))
            if found:
                return found
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found = _embedded_kestra(value, (*path, index))
            if found:
                return found
    elif isinstance(node, str) and "kestra:" in node and "\n" in node:
        return path, "string"
    return None


def _no_kestra_settings(ctx: Context) -> Iterator[Finding]:
    if ctx.compiled.properties_role is not None:
        return
    loaded = [note for note in ctx.compiled.notes if note.rule == "no-kestra-settings"]
    for note in loaded:  # a compose file or manifest the load stage found no Kestra configuration in
        yield Finding(note.path, note.message, origin=note.origin)
    for path, chain in ctx.compiled.merged.settings.items():
        if path[:2] in (("kestra", "kafka"), ("kestra", "queue")) and any(s.layer != "kestra defaults" for s in chain):
            return
    user_paths = [p for p, chain in ctx.compiled.merged.settings.items() if chain[-1].layer != "kestra defaults"]

    def position(path: Path_) -> tuple[int, int]:
        origin = ctx.origin(path)
        return (origin.line, origin.column) if origin else (0, 0)

    first = min(user_paths, key=position, default=None)
    embedded = _embedded_kestra(ctx.tree, ())
    message = (
        "no Kestra Kafka setting here: nothing under kestra.kafka or kestra.queue, so Kestra would run on its defaults"
    )
    if embedded and embedded[1] == "nested":
        message += (
            f"; a Kestra tree sits under '{'.'.join(map(str, embedded[0]))}', where no format kkc reads puts "
            "it (Kestra chart values, a compose file, a ConfigMap or Secret; --as names one): extract it, or "
            "validate the file it becomes"
        )
    elif embedded:
        message += (
            f"; '{'.'.join(map(str, embedded[0]))}' holds Kestra configuration as text, where no format kkc "
            "reads puts it (a compose file's KESTRA_CONFIGURATION, a ConfigMap or Secret; --as names one): "
            "save that text to a file and validate it"
        )
    elif first is not None:
        message += "; is this a Kestra configuration file?"
    if first is None or loaded:
        return
    yield Finding(embedded[0] if embedded else first, message)


def _removed_defaults(ctx: Context) -> Iterator[Finding]:
    """Kestra still reads its own application.yml: a config file cannot delete one of its keys."""
    bundled = next((layer for layer in ctx.compiled.layers if layer.kind == "kestra defaults"), None)
    if bundled is None:
        return
    missing: set[Path_] = set()

    def walk(node: Any, here: Any, path: Path_) -> None:
        """`here`: the target's value at `path` (the two trees are walked side by side)."""
        if not isinstance(node, dict):
            return
        for key, child in node.items():
            value = here.get(key, _MISSING) if isinstance(here, dict) else _MISSING
            if value is _MISSING or (value is None and child is not None):  # deleted, or replaced by null
                missing.add((*path, key))  # its parent is there (walk stops here), so this is what was removed
            else:
                walk(child, value, (*path, key))

    walk(bundled.data, ctx.tree, ())
    for path in sorted(missing, key=str):
        yield Finding(
            path,
            f"'{'.'.join(map(str, path))}' is one of Kestra's own defaults (its application.yml), which Kestra "
            "still reads: a config layer cannot remove it, so Kestra would keep the default while kkc's outputs "
            "drop it; set the value you want instead of deleting it (or writing null)",
        )


_MISSING = object()


def _queue_type(ctx: Context) -> Iterator[Finding]:
    if ctx.compiled.properties_role is not None:
        return
    value = ctx.get(("kestra", "queue", "type"))
    if value is not None and value != "kafka":
        yield Finding(
            ("kestra", "queue", "type"),
            f"kestra.queue.type is '{value}': Kestra ignores kestra.kafka unless it is 'kafka'",
        )


_PRIMARY = "defaults:\n  - _self_\n  - instance: a\n"

RULES: tuple[Rule, ...] = (
    Rule(
        id="unknown-key",
        family="structure",
        level="warning",
        summary="A key under kestra.kafka that Kestra does not bind (ignored silently)",
        why="Kestra binds only the keys it knows under kestra.kafka, so a misspelt one (topic-prefx) is dropped "
        "without a message and Kestra keeps its default for the key that was meant. Warning: Kestra still "
        "starts, but the setting silently has no effect. kkc explain uses the same id, as an error, when the KEY "
        "it is asked about is not a key of the target.",
        check=schema_rule("unknown-key"),
        failing=example("kestra:\n  kafka:\n    defaults:\n      topic-prefx: acme_\n"),
        passing=example("kestra:\n  kafka:\n    defaults:\n      topic-prefix: acme_\n"),
    ),
    Rule(
        id="unknown-tool-key",
        family="structure",
        level="error",
        summary="A key under cluster: that kkc does not read",
        why="Nothing reads an unknown key under cluster: (kkc's own facts, never sent to Kestra), so the fact it was "
        "meant to declare is missing and the checks that need it are skipped or use Kafka's defaults (a misspelt "
        "brokers turns off every broker-count check). Error because it is kkc's own vocabulary: there is no "
        "legitimate unknown key there.",
        check=schema_rule("unknown-tool-key"),
        failing=example("cluster:\n  broker: 3\n"),
        passing=example("cluster:\n  brokers: 3\n"),
    ),
    Rule(
        id="wrong-type",
        family="structure",
        level="error",
        summary="A value of the wrong type for the key Kestra or kkc binds",
        why="Kestra binds these keys as a number, a mapping or a list (partitions is an integer, client.properties a "
        "map), so a value of another type (partitions: many, or a mapping key left empty, which YAML reads as "
        "null) cannot be the value Kestra needs, and for kkc's own keys the checks that depend on them cannot "
        "run. Error. kkc also raises this id as a compile error when one layer writes a list where a lower layer "
        "has a mapping (or the reverse), which Hydra refuses to merge.",
        check=schema_rule("wrong-type"),
        failing=example("kestra:\n  kafka:\n    defaults:\n      topic:\n        partitions: many\n"),
        passing=example("kestra:\n  kafka:\n    defaults:\n      topic:\n        partitions: 32\n"),
    ),
    Rule(
        id="invalid-value",
        family="structure",
        level="error",
        summary="A value outside what Kestra or Kafka accept (partitions 0...)",
        why="The value has the right type but is outside what Kafka, Kestra or kkc accept: Kafka refuses to create a "
        "topic with partitions or a replication factor below 1 (other than -1, which asks the broker for its "
        "num.partitions or default.replication.factor), and a topic creation failure stops Kestra at start-up; an "
        "unknown cluster.kafka-version makes kkc check against the latest Kafka instead. Error.",
        check=schema_rule("invalid-value"),
        failing=example("kestra:\n  kafka:\n    defaults:\n      topic:\n        partitions: 0\n"),
        passing=example("kestra:\n  kafka:\n    defaults:\n      topic:\n        partitions: 1\n"),
    ),
    Rule(
        id="properties-nested-map",
        family="structure",
        level="error",
        summary="A Kafka property name with dots was split into nested maps",
        why="A Kafka property name such as bootstrap.servers was written as nested maps (bootstrap: {servers: ...}), "
        "usually by a tool that split the dotted name. Kestra flattens such maps back (Micronaut's FLAT map "
        "binding, which kkc's outputs copy), but kkc's Kafka property checks read names whole and do not look "
        "inside the nested map, so a typo or a value Kafka rejects there (compression: {type: GZIP}) would ship "
        "unchecked; error, so nothing is compiled until the name is written whole.",
        check=_nested_properties,
        failing=example(
            "kestra:\n  kafka:\n    client:\n      properties:\n        bootstrap:\n          servers: a:9092\n"
        ),
        passing=example("kestra:\n  kafka:\n    client:\n      properties:\n        bootstrap.servers: a:9092\n"),
    ),
    Rule(
        id="doc-variant-path",
        family="structure",
        level="warning",
        summary="The doc page's variant path; Kestra binds another one",
        why="Kestra's documentation page shows kestra.kafka.defaults.topics.<key> and "
        "kestra.kafka.stream.properties.state.dir, but Kestra binds kestra.kafka.topics.<key> and "
        "kestra.kafka.defaults.stream.properties.state.dir: a file given to Kestra as written has these settings "
        "ignored (the state directory stays /tmp/kafka-streams). kkc writes the bound path in its outputs, so it "
        "is a warning: the source file is only wrong where it is used without kkc.",
        check=from_notes("doc-variant-path"),
        failing=example("kestra:\n  kafka:\n    stream:\n      properties:\n        state.dir: /data/streams\n"),
        passing=example(
            "kestra:\n  kafka:\n    defaults:\n      stream:\n        properties:\n          state.dir: /data/s\n"
        ),
    ),
    Rule(
        id="camel-case-key",
        family="structure",
        level="warning",
        summary="A camelCase key; Kestra binds the kebab-case one",
        why="Micronaut's relaxed binding reads topicPrefix as topic-prefix, so Kestra uses the value, and kkc writes "
        "the kebab-case name in its outputs. Warning because Hydra, OmegaConf and anyone reading the files see "
        "two different keys, so the same setting spelled two ways in two layers is easy to miss or to override "
        "by accident; write the kebab-case name Kestra documents.",
        check=from_notes("camel-case-key"),
        failing=example("kestra:\n  kafka:\n    defaults:\n      topicPrefix: acme_\n"),
        passing=example("kestra:\n  kafka:\n    defaults:\n      topic-prefix: acme_\n"),
    ),
    Rule(
        id="dotted-key-expanded",
        family="structure",
        level="info",
        summary="A dotted key outside properties, read as a nested path",
        why="A dotted key outside a properties map (kestra.kafka.defaults.topic-prefix: x at the root) is read by "
        "Micronaut, and by kkc, as the nested path, not as one key with dots in its name. Info: it is usually "
        "what was meant, but kkc cannot know whether a single dotted key was intended (a Kafka property name "
        "written outside properties would end up at the wrong place).",
        check=from_notes("dotted-key-expanded"),
        failing=example("kestra.kafka.defaults.topic-prefix: acme_\n"),
        passing=example("kestra:\n  kafka:\n    defaults:\n      topic-prefix: acme_\n"),
    ),
    Rule(
        id="yaml11-ambiguous",
        family="structure",
        level="warning",
        summary="A plain value YAML 1.1 (Kestra) and YAML 1.2 read differently",
        why="Kestra reads YAML with SnakeYAML (YAML 1.1), which reads plain yes, no, on, off as booleans, 010 as "
        "octal 8 and 12:30 as the number 750, while YAML 1.2 readers, kkc included, keep the text: the value "
        "Kestra uses can differ from the one that was checked. kkc keeps the string (except on a boolean Kafka "
        "property, where it takes Kestra's boolean reading) and warns; quoting the value removes the doubt.",
        check=_lookalikes,
        failing=example(
            "kestra:\n  kafka:\n    defaults:\n      consumer:\n        properties:\n          enable.auto.commit: no\n"
        ),
        passing=example(
            "kestra:\n  kafka:\n    defaults:\n      consumer:\n        properties:\n"
            "          enable.auto.commit: 'false'\n"
        ),
    ),
    Rule(
        id="unknown-root-key",
        family="structure",
        level="warning",
        summary="A root key that looks like a misspelt kestra/cluster/targets/policy",
        why="Kestra reads its settings only under the root key kestra: (kkc also reads cluster:, targets: and "
        "policy:), so a root kafka:, queue:, floworc: or a misspelt kestr: is ignored as a whole, and every "
        "setting under it silently has no effect. Warning: Kestra starts, on values other than the ones written.",
        check=_unknown_root,
        failing=example("kafka:\n  topics:\n    execution:\n      properties:\n        retention.ms: '86400000'\n"),
        passing=example("micronaut:\n  server:\n    port: 8080\n"),
    ),
    Rule(
        id="group-file-not-global",
        family="structure",
        level="warning",
        summary="An env or instance file without '# @package _global_'",
        why="Without '# @package _global_' on its first line, Hydra puts an env or instance file's keys under env: "
        "or instance:, where neither Kestra nor kkc reads them, so that environment's or instance's settings "
        "(its replication factor, its security settings) silently do not apply. Error when the file holds "
        "kestra:, cluster:, policy:, rules: or kubernetes: settings: the target then compiles without them (a "
        "prod built on the organisation's defaults, pointing at another cluster). Warning otherwise: keys placed "
        "under env: on purpose (read through ${env.name}) are a Hydra pattern.",
        check=_group_not_global,
        failing=tree_example(config_yaml=_PRIMARY, instance__a_yaml="kestra:\n  kafka: {}\n"),
        passing=tree_example(config_yaml=_PRIMARY, instance__a_yaml="# @package _global_\nkestra:\n  kafka: {}\n"),
    ),
    Rule(
        id="kestra-default-removed",
        family="structure",
        level="error",
        summary="A layer or override that deletes one of Kestra's defaults",
        why="Kestra still reads its own application.yml, so deleting one of its keys in a layer (~key, or key: with "
        "no value, which is null) does not remove it from Kestra: Kestra keeps the default while kkc's outputs "
        "(topic plan, property files) drop it, and the outputs no longer describe what Kestra runs with. Error: "
        "set the value wanted instead of deleting.",
        check=_removed_defaults,
        failing=example("kestra:\n  kafka:\n    topics:\n      execution:\n"),
        passing=example("kestra:\n  kafka:\n    topics:\n      execution:\n        partitions: 4\n"),
    ),
    Rule(
        id="defaults-option-missing",
        family="structure",
        level="warning",
        summary="A defaults list choosing a group option that has no file",
        why="The primary defaults list names the env or instance used when none is chosen. When that file does not "
        "exist, every target that chooses its own (the targets: list, --all) still compiles, so the typo goes "
        "unnoticed until someone runs kkc, or Hydra, without a choice: then it fails. Warning: nothing Kestra "
        "runs with is wrong yet.",
        check=from_notes("defaults-option-missing"),
        failing=tree_example(
            config_yaml="defaults:\n  - _self_\n  - instance: b\ntargets:\n  - {instance: a}\n",
            instance__a_yaml="# @package _global_\n",
        ),
        passing=tree_example(
            config_yaml="defaults:\n  - _self_\n  - instance: a\ntargets:\n  - {instance: a}\n",
            instance__a_yaml="# @package _global_\n",
        ),
    ),
    Rule(
        id="defaults-without-self",
        family="structure",
        level="warning",
        summary="A primary defaults list without _self_",
        why="When the primary defaults list has no _self_, Hydra applies config.yaml's own keys last, over every env "
        "and instance file, so an organisation-wide value silently beats the environment's (prod's replication "
        "factor or security settings lose to config.yaml's). Warning: it compiles, but the layering is the "
        "reverse of the usual intent; write '- _self_' first.",
        check=from_notes("defaults-without-self"),
        failing=tree_example(config_yaml="defaults:\n  - instance: a\n", instance__a_yaml="# @package _global_\n"),
        passing=tree_example(config_yaml=_PRIMARY, instance__a_yaml="# @package _global_\n"),
    ),
    Rule(
        id="duplicate-property",
        family="structure",
        level="warning",
        summary="A key set twice in a Kafka .properties file",
        why="A key set twice in a Kafka .properties file: Java's Properties.load, which Kafka's clients and tools "
        "use, silently keeps the later value, so the first line has no effect and a reader of the file may believe "
        "the wrong one. Warning, not error: Kafka starts and uses the later value (the real Kafka constructors "
        "accept such a file); unlike a key written twice in YAML, which Hydra refuses to load.",
        check=from_notes("duplicate-property"),
        failing=properties_example("producer", "acks=all\nlinger.ms=5\nacks=1\n"),
        passing=properties_example("producer", "acks=all\nlinger.ms=5\n"),
    ),
    Rule(
        id="empty-file",
        family="structure",
        level="warning",
        summary="A file given to validate that holds no setting (zero bytes, or only comments)",
        why="A file given to kkc validate that has no setting at all (zero bytes, or only blank lines and comments): "
        "nothing in it was checked, and for YAML anything else reported is about Kestra's own defaults. Warning: "
        "usually the wrong file was given, or the file was emptied by mistake.",
        check=from_notes("empty-file"),
        failing=properties_example("producer", "# acks=all\n\n"),
        passing=properties_example("producer", "acks=all\n"),
    ),
    Rule(
        id="no-kestra-settings",
        family="structure",
        level="warning",
        summary="A file or target that sets nothing under kestra:",
        why="The file or target sets nothing under kestra.kafka or kestra.queue, so Kestra would run on its defaults "
        "(no bootstrap servers of yours, replication factor 1). kkc reads the Kestra chart's values, compose "
        "files' KESTRA_CONFIGURATION and ConfigMaps and Secrets itself; a compose file or manifest without any, "
        "or a Kestra tree nested or embedded elsewhere, is named. Warning: the real settings were not validated.",
        check=_no_kestra_settings,
        failing=example("deploy:\n  kestra:\n    queue:\n      type: kafka\n"),
        passing=example("kestra:\n  queue:\n    type: kafka\n"),
    ),
    Rule(
        id="queue-type-not-kafka",
        family="structure",
        level="warning",
        summary="kestra.queue.type is not kafka, so Kestra ignores kestra.kafka",
        why="Kestra uses its Kafka settings only when kestra.queue.type is kafka; with another queue type (postgres, "
        "mysql, h2) every setting under kestra.kafka is ignored and Kestra runs on that queue instead. Warning: "
        "the file may be a template, but its Kafka settings have no effect as written.",
        check=_queue_type,
        failing=example("kestra:\n  queue:\n    type: postgres\n"),
        passing=example("kestra:\n  queue:\n    type: kafka\n"),
    ),
)
