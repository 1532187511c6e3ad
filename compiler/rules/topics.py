"""Rules: topic names, topic and consumer prefixes, Kestra's topic keys, instances sharing a cluster.

Every default topic name is the topic prefix + a suffix, concatenated with no separator; an explicit
`topics.<key>.name` replaces it whole (kestra-facts.md). A problem in a name Kestra derives from the
prefix is reported once, at the prefix; a name the user wrote is reported at that name.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import replace

from compiler.cluster import Cluster, linked, relation, target_cluster
from compiler.derive import TopicPlan
from compiler.diagnostics import Diagnostic
from compiler.kestra_versions import missing_class
from compiler.keys import KAFKA_PATH, Path_
from compiler.layers import bundled_layer, kestra_topic_keys
from compiler.placeholders import PlaceholderSyntaxError, find
from compiler.records import record
from compiler.rules.base import Context, Finding, Rule, example

TOPIC_PREFIX: Path_ = (*KAFKA_PATH, "defaults", "topic-prefix")
CONSUMER_PREFIX: Path_ = (*KAFKA_PATH, "defaults", "consumer-prefix")
EXECUTOR_APPLICATION = "executor_main"
EXECUTOR_SUFFIX = f"{EXECUTOR_APPLICATION}-executor-changelog"
MAX_TOPIC_NAME = 249
SEPARATORS = "_-."
_ILLEGAL = re.compile(r"[^a-zA-Z0-9._-]")


def literal_parts(text: str) -> tuple[str, bool]:
    """`text` without its run-time placeholders, and whether it had any."""
    try:
        found = find(text)
    except PlaceholderSyntaxError:
        return text, False
    out, last = [], 0
    for placeholder in found:
        out.append(text[last : placeholder.start])
        last = placeholder.end
    out.append(text[last:])
    return "".join(out), bool(found)


def _ends_with_placeholder(text: str) -> bool:
    """True when a run-time placeholder ends `text`: its last character is unknown until Kestra starts."""
    try:
        found = find(text)
    except PlaceholderSyntaxError:
        return False
    return bool(found) and found[-1].end == len(text)


def name_problem(name: str) -> str | None:
    """Why Kafka would refuse `name` as a topic name (the literal parts only, around placeholders)."""
    literal, runtime = literal_parts(name)
    if not runtime and name in ("", ".", ".."):
        return "is not a legal topic name ('', '.' and '..' are reserved)"
    illegal = sorted(set(_ILLEGAL.findall(literal)))
    if illegal:
        shown = ", ".join(repr(c) for c in illegal)
        return f"contains {shown}: Kafka allows only ASCII letters, digits, '.', '_' and '-'"
    if len(literal) > MAX_TOPIC_NAME:
        return f"is longer than Kafka's limit of {MAX_TOPIC_NAME} characters"
    return None


def _name_path(plan: TopicPlan) -> Path_:
    return (*KAFKA_PATH, "topics", plan.key, "name")


def _invalid_names(ctx: Context) -> Iterator[Finding]:
    from_prefix: dict[str, list[str]] = {}  # problem -> names derived from the topic prefix
    for plan in ctx.known_plans():
        problem = name_problem(plan.name)
        if problem is None:
            continue
        if ctx.is_user_set(_name_path(plan)):
            yield Finding(
                _name_path(plan),
                f"topic name '{plan.name}' (topic '{plan.key}') {problem}; Kafka refuses to create it and "
                "Kestra stops at startup: rename it",
            )
        else:
            from_prefix.setdefault(problem, []).append(plan.name)
    prefix = str(ctx.get(TOPIC_PREFIX, ""))
    for problem, names in from_prefix.items():
        shown = ", ".join(f"'{n}'" for n in names[:3]) + (", ..." if len(names) > 3 else "")
        yield Finding(
            TOPIC_PREFIX,
            f"topic-prefix '{prefix}' makes {len(names)} invalid topic name(s) ({shown}): the name {problem}; "
            "Kafka refuses to create them and Kestra stops at startup: change the prefix",
        )


def _duplicate_names(ctx: Context) -> Iterator[Finding]:
    # Kafka treats '.' and '_' as one character when it checks a new name against existing topics.
    groups: dict[str, list[TopicPlan]] = {}
    for plan in ctx.known_plans():
        groups.setdefault(plan.name.replace(".", "_"), []).append(plan)
    for plans in groups.values():
        if len(plans) < 2:
            continue
        for plan in plans:
            others = [p for p in plans if p is not plan]
            if not ctx.is_user_set(_name_path(plan)) and any(ctx.is_user_set(_name_path(p)) for p in others):
                continue  # the clash is reported at the name the user wrote
            same = ", ".join(f"topic '{p.key}' ('{p.name}')" for p in others)
            if all(p.name == plan.name for p in others):
                how, why = "is also the name of", "Kestra would mix two kinds of messages in one topic"
            else:
                how, why = "collides with", "Kafka counts '.' and '_' as the same character and refuses the second"
            yield Finding(
                _name_path(plan) if ctx.is_user_set(_name_path(plan)) else TOPIC_PREFIX,
                f"topic '{plan.key}' name '{plan.name}' {how} {same}: {why}; give each topic its own name",
            )


def _missing_separator(ctx: Context) -> Iterator[Finding]:
    for path, label, suffix, what in (
        (TOPIC_PREFIX, "topic-prefix", "execution", "topic names"),
        (CONSUMER_PREFIX, "consumer-prefix", EXECUTOR_APPLICATION, "consumer groups and Streams application ids"),
    ):
        value = ctx.get(path)
        if not isinstance(value, str) or not value:
            continue
        if _ends_with_placeholder(value) or value[-1] in SEPARATORS:
            continue
        yield Finding(
            path,
            f"{label} '{value}' has no trailing separator: Kestra joins it to each name as is, so "
            f"{what} become '{value}{suffix}'; end it with '_' ('{value}_')",
        )


def _executor_prefix_mismatch(ctx: Context) -> Iterator[Finding]:
    topic_prefix, consumer_prefix = ctx.get(TOPIC_PREFIX), ctx.get(CONSUMER_PREFIX)
    if not isinstance(topic_prefix, str) or not isinstance(consumer_prefix, str) or topic_prefix == consumer_prefix:
        return
    executor = next((p for p in ctx.compiled.topics if p.key == "executor"), None)
    changelog = f"{consumer_prefix}{EXECUTOR_SUFFIX}"
    if executor is None or executor.name != f"{topic_prefix}{EXECUTOR_SUFFIX}" or executor.name == changelog:
        return
    if ctx.is_user_set((*KAFKA_PATH, "topics", "executor", "name")):
        return  # a name the user wrote: executor-topic-name-not-changelog
    path = TOPIC_PREFIX if ctx.is_user_set(TOPIC_PREFIX) or not ctx.is_user_set(CONSUMER_PREFIX) else CONSUMER_PREFIX
    yield Finding(
        path,
        f"topic-prefix '{topic_prefix}' differs from consumer-prefix '{consumer_prefix}' while the executor "
        f"topic keeps its default name '{executor.name}': that topic is the changelog Kafka Streams writes for "
        f"application '{consumer_prefix}{EXECUTOR_APPLICATION}', i.e. '{changelog}', so the executor reads a "
        "topic Streams never writes; use the same value for both prefixes, or set "
        f'kestra.kafka.topics.executor.name: "{changelog}"',
    )


def _default_suffixes() -> dict[str, str]:
    """Each default topic name without Kestra's topic-prefix (logs -> logentry), lower-cased."""
    topics = bundled_layer().data["kestra"]["kafka"]["topics"]
    prefix = "${kestra.kafka.defaults.topic-prefix}"
    return {str(t["name"]).removeprefix(prefix).lower(): str(key) for key, t in topics.items()}


def near_miss(key: str, known: tuple[str, ...]) -> tuple[str, str] | None:
    """The known topic key `key` was most likely meant for, and why: its topic's name, a plural, close letters."""
    text = key.lower()
    squashed = {re.sub(r"[-_.]", "", k): k for k in known}
    suffixes = _default_suffixes()
    if text in suffixes and suffixes[text] != text:
        return suffixes[text], f"is how topic '{suffixes[text]}' is named (<topic-prefix>{text}), not its key"
    for candidate in (text, text.removesuffix("s"), text + "s"):
        found = squashed.get(re.sub(r"[-_.]", "", candidate))
        if found is not None:
            return found, f"is so close to '{found}' that it is most likely a typo"
    close = difflib.get_close_matches(text, known, n=1, cutoff=0.85)
    return (close[0], f"is so close to '{close[0]}' that it is most likely a typo") if close else None


def _unknown_topic_keys(ctx: Context) -> Iterator[Finding]:
    topics = ctx.get((*KAFKA_PATH, "topics"), {})
    if not isinstance(topics, dict):
        return
    known = kestra_topic_keys()
    kestra = ctx.kestra
    for key in topics:
        if key in known:
            continue
        text = str(key)
        meant = near_miss(text, known)
        path = (*KAFKA_PATH, "topics", key)
        if kestra.open_source:
            hint = (
                meant[0] if meant else next(iter(difflib.get_close_matches(text.lower(), known, n=1, cutoff=0.7)), None)
            )
            did = f"; did you mean '{hint}'?" if hint else f" (Kestra's topic keys: {', '.join(known)})"
            yield Finding(
                path, f"'{text}' is not a topic key of Kestra {kestra.text}: Kestra ignores its settings{did}"
            )
        elif meant is not None:
            yield Finding(
                path,
                f"'{text}' {meant[1]}: Kestra ignores the settings under it and topic '{meant[0]}' keeps its "
                f"defaults; write '{meant[0]}'",
            )
        else:
            yield Finding(
                path,
                f"'{text}' is not one of the 15 topic keys of Kestra's last open-source Kafka runner (0.6); Kestra "
                f"{kestra.text} Enterprise uses more topics, whose keys are not public, so kkc cannot verify it: if "
                "it is a typo, Kestra silently ignores its settings",
                level="info",
            )


# --- a topic's cls ----------------------------------------------------------------------------------


def _cls_values(ctx: Context) -> dict[str, tuple[str, Path_]]:
    """topic key -> (its cls, the path) for every cls the user wrote."""
    topics = ctx.get((*KAFKA_PATH, "topics"), {})
    found: dict[str, tuple[str, Path_]] = {}
    if isinstance(topics, dict):
        for key, topic in topics.items():
            path: Path_ = (*KAFKA_PATH, "topics", key, "cls")
            value = topic.get("cls") if isinstance(topic, dict) else None
            if isinstance(value, str) and value.strip() and "${" not in value and ctx.is_user_set(path):
                found[str(key)] = (value.strip(), path)
    return found


def _cls_missing(ctx: Context) -> Iterator[Finding]:
    for key, (cls, path) in _cls_values(ctx).items():
        why = missing_class(cls, ctx.kestra)
        if why is not None:
            yield Finding(
                path,
                f"topic '{key}' cls: {why}; the entry names no class Kestra {ctx.kestra.text} uses: remove cls "
                "or name this release's class",
            )


def _cls_shared(ctx: Context) -> Iterator[Finding]:
    by_class: dict[str, list[str]] = {}
    values = _cls_values(ctx)
    for key, (cls, _) in values.items():
        by_class.setdefault(cls, []).append(key)
    for cls, keys in by_class.items():
        if len(keys) < 2:
            continue
        for key in keys[1:]:
            yield Finding(
                values[key][1],
                f"topics '{keys[0]}' and '{key}' both have cls {cls}: Kestra looks a class's topic up with the "
                f"first entry that has it, so messages of {cls.rsplit('.', 1)[-1]} go to one topic and the other "
                "entry's settings are ignored for them; give each cls to one topic",
            )


# --- the executor topic: the executor's Kafka Streams changelog --------------------------------------


def _executor_name_pinned(ctx: Context) -> Iterator[Finding]:
    path: Path_ = (*KAFKA_PATH, "topics", "executor", "name")
    name, consumer_prefix = ctx.get(path), ctx.get(CONSUMER_PREFIX)
    if not ctx.is_user_set(path) or not isinstance(name, str) or not isinstance(consumer_prefix, str):
        return
    if "${" in name or "${" in consumer_prefix:
        return  # known only at run time
    changelog = f"{consumer_prefix}{EXECUTOR_SUFFIX}"
    if name == changelog:
        return
    yield Finding(
        path,
        f"the executor topic is named '{name}', but it is the changelog Kafka Streams writes for the executor "
        f"application '{consumer_prefix}{EXECUTOR_APPLICATION}', always '{changelog}': Kestra's executor reads "
        f"a topic nothing writes; remove the name or set it to '{changelog}'",
    )


@record(slots=True)
class _OnCluster:
    """What the prefix-collision rule keeps of one target: its cluster, its literal prefixes, and each
    prefix's finding as it would be placed (the message waits for the other targets)."""

    target: str
    cluster: Cluster
    prefixes: tuple[tuple[Path_, str], ...]
    # per prefix path: the finding placed at the prefix (set by the user), else at cluster.name ("name")
    # and at the admin client's bootstrap.servers ("servers")
    placed: dict[tuple[Path_, str], Diagnostic]


def _cluster_facts(ctx: Context, rule: Rule) -> _OnCluster | None:
    if ctx.compiled.properties_role is not None:
        return None
    prefixes: list[tuple[Path_, str]] = []
    placed: dict[tuple[Path_, str], Diagnostic] = {}
    for path in (TOPIC_PREFIX, CONSUMER_PREFIX):
        prefix = ctx.get(path)
        if not isinstance(prefix, str) or "${" in prefix:
            continue
        prefixes.append((path, prefix))
        if ctx.is_user_set(path):
            placed[path, "path"] = ctx.diagnostic(rule, Finding(path, ""))
        else:
            # Kestra's default prefix: point at what the user wrote that puts both on one cluster.
            placed[path, "name"] = ctx.diagnostic(rule, Finding(("cluster", "name"), ""))
            servers = ctx.client_origin("admin", "bootstrap.servers")[0]
            placed[path, "servers"] = ctx.diagnostic(rule, Finding(servers, ""))
    return _OnCluster(ctx.target, target_cluster(ctx.compiled), tuple(prefixes), placed)


def _shared_cluster_collisions(facts: list[_OnCluster | None]) -> Iterator[Diagnostic]:
    unique = list({f.target: f for f in facts if f is not None}.values())
    clusters = linked([f.cluster for f in unique])
    groups: dict[tuple[Path_, str], list[int]] = {}
    for index, fact in enumerate(unique):
        for path, prefix in fact.prefixes:
            groups.setdefault((path, prefix), []).append(index)
    for (path, prefix), members in groups.items():
        for index in members:
            shared: dict[str, str] = {}  # the other targets on this target's cluster -> the evidence
            for other in members:
                if other != index:
                    found, evidence = relation(clusters[index], clusters[other])
                    if found == "same":
                        shared[unique[other].target] = evidence
            if shared:
                yield _collision(unique[index], path, prefix, shared)


def _collision(fact: _OnCluster, path: Path_, prefix: str, shared: dict[str, str]) -> Diagnostic:
    others = list(shared)
    named = ", ".join(f"'{t}'" for t in others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
    evidence = list(dict.fromkeys(shared.values()))
    label = path[-1]
    if path == TOPIC_PREFIX:
        effect = "the instances read and write the same topics and consume each other's executions"
    else:
        effect = "the instances join the same consumer groups and Streams applications and split each other's work"
    placed = fact.placed.get((path, "path"))
    if placed is None:
        by_name = all(e.startswith("cluster.name") for e in evidence)
        placed = fact.placed[path, "name" if by_name else "servers"]
    return replace(
        placed,
        message=f"{label} '{prefix}' is also the {label} of target{'s' if len(others) > 1 else ''} {named} on the "
        f"same Kafka cluster ({'; '.join(evidence)}): {effect}; give each Kestra "
        "instance its own topic-prefix and consumer-prefix",
    )


_CLS = "kestra:\n  kafka:\n    topics:\n      {0}:\n        cls: {1}\n"
_PREFIXES = "kestra:\n  kafka:\n    defaults:\n      topic-prefix: {0}\n      consumer-prefix: {0}\n"
_SERVERS = "kestra:\n  kafka:\n    client:\n      properties:\n        bootstrap.servers: k1:9092,k2:9092\n"

RULES: tuple[Rule, ...] = (
    Rule(
        id="topic-name-invalid",
        family="topics",
        level="error",
        summary="A topic name Kafka refuses ([a-zA-Z0-9._-], at most 249 characters, not '.' or '..')",
        why="Kafka refuses to create a topic whose name has characters other than ASCII letters, digits, '.', '_' "
        "and '-', is longer than 249 characters, or is '.' or '..', and a topic creation failure stops Kestra at "
        "start-up. Error.",
        check=_invalid_names,
        failing=example("kestra:\n  kafka:\n    topics:\n      logentry:\n        name: kestra logs\n"),
        passing=example("kestra:\n  kafka:\n    topics:\n      logentry:\n        name: kestra_audit_logs\n"),
    ),
    Rule(
        id="topic-name-duplicate",
        family="topics",
        level="error",
        summary="Two Kestra topics with the same name (after prefixing) in one target",
        why="Two of Kestra's topics with one name make Kestra write two kinds of messages into the same topic; names "
        "differing only by '.' and '_' collide in Kafka, which refuses the second. Error: Kestra either mixes "
        "data or does not start.",
        check=_duplicate_names,
        failing=example("kestra:\n  kafka:\n    topics:\n      logentry:\n        name: kestra_execution\n"),
        passing=example("kestra:\n  kafka:\n    topics:\n      logentry:\n        name: kestra_audit_logs\n"),
    ),
    Rule(
        id="prefix-missing-separator",
        family="topics",
        level="warning",
        summary="A topic-prefix or consumer-prefix with no trailing separator ('uat_kestra' -> 'uat_kestraexecution')",
        why="Kestra concatenates the prefix and each name with no separator, so topic-prefix uat_kestra gives topics "
        "such as uat_kestraexecution (and consumer groups uat_kestraexecutor_main). Warning: it works, but names "
        "are hard to read and to tell apart from another instance's prefix.",
        check=_missing_separator,
        failing=example(_PREFIXES.format("uat_kestra")),
        passing=example(_PREFIXES.format("uat_kestra_")),
    ),
    Rule(
        id="executor-topic-prefix-mismatch",
        family="topics",
        level="error",
        summary="Different topic and consumer prefixes leave the executor reading a changelog Streams never writes",
        why="The executor topic is the changelog that Kafka Streams writes for application "
        "<consumer-prefix>executor_main, but its default name uses the topic prefix; when the two prefixes "
        "differ and the name is not set, the executor reads a topic Streams never writes. Error: Kestra's "
        "executor is wired to the wrong topic although every component starts.",
        check=_executor_prefix_mismatch,
        failing=example("kestra:\n  kafka:\n    defaults:\n      topic-prefix: uat_\n"),
        passing=example(
            "kestra:\n  kafka:\n    defaults:\n      topic-prefix: uat_\n    topics:\n      executor:\n"
            "        name: kestra_executor_main-executor-changelog\n"
        ),
    ),
    Rule(
        id="unknown-topic-key",
        family="topics",
        level="warning",
        summary="A key under kestra.kafka.topics Kestra does not bind (warning to 0.6 or for a near miss, else info)",
        why="Up to Kestra 0.6 the open-source Kafka runner bound exactly 15 topic keys (execution, flow, logentry, "
        "...), so settings under any other key of kestra.kafka.topics are ignored and the topic that was meant "
        "keeps its defaults: a warning. From 0.7 the runner is Enterprise-only and uses more topics, whose keys "
        "are not public: an unknown key cannot be judged and is an info, unless it is a near miss of a known key "
        "(executions, logs, flow_last), which is most likely a typo: a warning.",
        check=_unknown_topic_keys,
        failing=example("kestra:\n  kafka:\n    topics:\n      executions:\n        partitions: 32\n"),
        passing=example("kestra:\n  kafka:\n    topics:\n      execution:\n        partitions: 32\n"),
    ),
    Rule(
        id="topic-cls-not-in-kestra-version",
        family="topics",
        level="warning",
        summary="A topic's cls names a class the Kestra version does not have",
        why="A topic entry's cls names the class whose messages it carries. A class the Kestra release does not have "
        "(io.kestra.runner.kafka.* from 0.7, when the runner became Enterprise-only; "
        "io.kestra.core.runners.WorkerTaskExecution from 0.14) binds nothing, usually copied from an old "
        "configuration. Warning: kkc knows the open-source classes of 0.4-0.20 only, not the Enterprise ones.",
        check=_cls_missing,
        failing=example(
            "kestra:\n  kafka:\n    topics:\n      executorworkertaskexecution:\n"
            "        cls: io.kestra.core.runners.WorkerTaskExecution\n"
        ),
        passing=example(_CLS.format("execution", "io.kestra.core.models.executions.Execution")),
    ),
    Rule(
        id="topic-cls-shared",
        family="topics",
        level="warning",
        summary="Two topics with the same cls",
        why="Kestra finds the topic of a message class with the first topic entry whose cls is that class, so a "
        "second entry with the same cls is ignored for it: its messages go to the first topic. Warning.",
        check=_cls_shared,
        failing=example(
            _CLS.format("execution", "io.kestra.core.models.executions.Execution")
            + "      killed:\n        cls: io.kestra.core.models.executions.Execution\n"
        ),
        passing=example(
            _CLS.format("execution", "io.kestra.core.models.executions.Execution")
            + "      killed:\n        cls: io.kestra.core.models.executions.ExecutionKilled\n"
        ),
    ),
    Rule(
        id="executor-topic-name-not-changelog",
        family="topics",
        level="error",
        summary="The executor topic pinned to a name other than <consumer-prefix>executor_main-executor-changelog",
        why="The executor topic is the changelog Kafka Streams writes for the executor application "
        "<consumer-prefix>executor_main, and Streams always names it <consumer-prefix>executor_main-executor-"
        "changelog. A topics.executor.name that differs makes Kestra's executor read a topic nothing writes, "
        "whatever the prefixes. Error: Kestra starts, but the executor never sees its state.",
        check=_executor_name_pinned,
        failing=example("kestra:\n  kafka:\n    topics:\n      executor:\n        name: kestra_executor\n"),
        passing=example(
            "kestra:\n  kafka:\n    topics:\n      executor:\n        name: kestra_executor_main-executor-changelog\n"
        ),
    ),
    Rule(
        id="shared-cluster-prefix-collision",
        family="topics",
        level="error",
        summary="Two targets on the same cluster with the same topic-prefix or consumer-prefix",
        why="Two Kestra instances on one Kafka cluster with the same topic-prefix read and write the same topics and "
        "consume each other's executions; with the same consumer-prefix they join the same consumer groups and "
        "Streams applications and split each other's work. Error: the instances corrupt each other's processing, "
        "which the Kestra doc page warns against. Two targets share a cluster when their bootstrap servers "
        "overlap, or when they have the same cluster.name and no bootstrap servers say otherwise (both lists "
        "known at compile time, none in common): a cluster.name inherited by an environment whose clients go "
        "to other brokers is not a shared cluster. Targets with neither are not compared.",
        facts=_cluster_facts,
        check_all=_shared_cluster_collisions,
        failing=example(_SERVERS, _SERVERS),
        passing=example(
            _SERVERS,
            _SERVERS + "    defaults:\n      topic-prefix: blue_kestra_\n      consumer-prefix: blue_kestra_\n",
        ),
    ),
)
