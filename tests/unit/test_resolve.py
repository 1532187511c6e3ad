"""Stage 4, resolve, at its own interface: a Merged tree in, every `${...}` to a config key replaced.

What users see of it: the values in application-kafka.yml and the property files, the run-time
placeholders kept verbatim for Kestra (and listed by the validator), and the errors for a missing
reference or a cycle, which name every link of the chain with the file:line:column that wrote it.
"""

from __future__ import annotations

from typing import Any

import pytest

from compiler.errors import InputError
from compiler.layers import bundled_layer
from compiler.merge import Merged, merge_layers
from compiler.normalize import normalize_layer
from compiler.resolve import Reference, Resolved, resolve
from tests.unit.helpers import at, layer

BASE = "conf/config.yaml"
ENV = "conf/env/prod.yaml"
PROPS = ("kestra", "kafka", "client", "properties")


def merged(*data: dict[str, Any]) -> Merged:
    """Layers config.yaml, env prod, instance eu1 (as many as given), lowest first."""
    names = [("config.yaml", BASE), ("env prod", ENV), ("instance eu1", "conf/instance/eu1.yaml")]
    return merge_layers([layer(kind, file, each) for (kind, file), each in zip(names, data, strict=False)])


def client_props(**props: Any) -> dict[str, Any]:
    return {"kestra": {"kafka": {"client": {"properties": props}}}}


def only_problem(result: Resolved) -> InputError:
    assert len(result.problems) == 1, [str(p) for p in result.problems]
    return result.problems[0]


# --- references to config keys -------------------------------------------------------------------


def test_a_whole_value_reference_keeps_the_type_of_its_target() -> None:
    data = {
        "kestra": {
            "kafka": {
                "defaults": {
                    "topic": {
                        "replication-factor": 3,
                        "partitions": "${kestra.kafka.defaults.topic.replication-factor}",
                    }
                }
            }
        }
    }

    result = resolve(merged(data))

    assert result.tree == {"kestra": {"kafka": {"defaults": {"topic": {"replication-factor": 3, "partitions": 3}}}}}
    assert result.problems == []


@pytest.mark.parametrize(
    ("target", "text", "expected"),
    [
        pytest.param(3, "rf=${kestra.v}", "rf=3", id="int"),
        pytest.param(True, "on=${kestra.v}", "on=true", id="bool-as-kafka-reads-it"),
        pytest.param(False, "${kestra.v}!", "false!", id="false"),
        pytest.param(None, "[${kestra.v}]", "[]", id="null-is-empty"),
        pytest.param("kestra_", "${kestra.v}${kestra.v}", "kestra_kestra_", id="twice"),
    ],
)
def test_a_reference_inside_text_is_spliced_as_text(target: Any, text: str, expected: str) -> None:
    result = resolve(merged({"kestra": {"v": target, "value": text}}))

    assert result.tree["kestra"]["value"] == expected


def test_references_resolve_through_a_chain() -> None:
    data = {
        "kestra": {
            "kafka": {
                "defaults": {
                    "topic-prefix": "${kestra.env}_${kestra.instance}_",
                    "consumer-prefix": "${kestra.kafka.defaults.topic-prefix}",
                },
                "topics": {"execution": {"name": "${kestra.kafka.defaults.consumer-prefix}execution"}},
            },
            "env": "prod",
            "instance": "eu1",
        }
    }

    tree = resolve(merged(data)).tree

    assert tree["kestra"]["kafka"]["defaults"] == {"topic-prefix": "prod_eu1_", "consumer-prefix": "prod_eu1_"}
    assert tree["kestra"]["kafka"]["topics"]["execution"]["name"] == "prod_eu1_execution"


def test_each_reference_is_recorded_with_what_it_named_and_gave() -> None:
    data = {
        "kestra": {
            "kafka": {"defaults": {"topic-prefix": "p_", "topic": {"replication-factor": 2}}},
            "x": "${kestra.kafka.defaults.topic-prefix}${kestra.kafka.defaults.topic.replication-factor}",
        }
    }

    result = resolve(merged(data))

    assert result.tree["kestra"]["x"] == "p_2"
    assert result.references == {
        ("kestra", "x"): [
            Reference("${kestra.kafka.defaults.topic-prefix}", ("kestra", "kafka", "defaults", "topic-prefix"), "p_"),
            Reference(
                "${kestra.kafka.defaults.topic.replication-factor}",
                ("kestra", "kafka", "defaults", "topic", "replication-factor"),
                2,
            ),
        ]
    }


def test_a_camel_case_reference_names_the_kebab_case_key() -> None:
    data = {"kestra": {"kafka": {"defaults": {"topic-prefix": "p_"}}, "x": "${kestra.kafka.defaults.topicPrefix}"}}

    result = resolve(merged(data))

    assert result.tree["kestra"]["x"] == "p_"
    assert result.references[("kestra", "x")][0].path == ("kestra", "kafka", "defaults", "topic-prefix")


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        pytest.param("${kestra.kafka.client.properties.bootstrap.servers}", "b1:9092", id="dotted-property"),
        pytest.param("${kestra.kafka.client.properties[bootstrap.servers]}", "b1:9092", id="bracketed-property"),
        pytest.param("${kestra.kafka.client.properties.sasl.mechanism}", "PLAIN", id="other-property"),
        pytest.param("${kestra.kafka.topics.execution.properties.retention.ms}", "-1", id="topic-property"),
        pytest.param("${cluster.broker-defaults.log.retention.hours}", 168, id="broker-default"),
        pytest.param("${kestra.kafka.defaults.topics.execution.properties.retention.ms}", "-1", id="doc-variant-path"),
    ],
)
def test_kafka_property_names_with_dots_are_found_whole(reference: str, expected: Any) -> None:
    data = {
        "kestra": {
            "kafka": {
                "client": {"properties": {"bootstrap.servers": "b1:9092", "sasl.mechanism": "PLAIN"}},
                "topics": {"execution": {"properties": {"retention.ms": "-1"}}},
            },
            "x": reference,
        },
        "cluster": {"broker-defaults": {"log.retention.hours": 168}},
    }

    result = resolve(merged(data))

    assert result.problems == []
    assert result.tree["kestra"]["x"] == expected


def test_a_reference_resolves_against_the_merged_tree_not_its_own_layer() -> None:
    base = {
        "kestra": {
            "kafka": {
                "defaults": {"topic-prefix": "kestra_"},
                "topics": {"flow": {"name": "${kestra.kafka.defaults.topic-prefix}flow"}},
            }
        }
    }
    env = {"kestra": {"kafka": {"defaults": {"topic-prefix": "prod_"}}}}

    result = resolve(merged(base, env))

    assert result.tree["kestra"]["kafka"]["topics"]["flow"]["name"] == "prod_flow"


def test_the_merged_tree_is_left_as_written() -> None:
    source = merged({"kestra": {"a": 1, "b": "${kestra.a}"}})

    resolve(source)

    assert source.tree == {"kestra": {"a": 1, "b": "${kestra.a}"}}


def test_references_inside_lists_are_resolved() -> None:
    result = resolve(merged({"kestra": {"host": "b1", "hosts": ["${kestra.host}:9092", "${kestra.host}"]}}))

    assert result.tree["kestra"]["hosts"] == ["b1:9092", "b1"]


# --- Kestra's bundled defaults -------------------------------------------------------------------


def bundled_and(user: dict[str, Any]) -> Merged:
    base, _ = normalize_layer(bundled_layer())
    return merge_layers([base, layer("env prod", ENV, user)])


def test_bundled_references_follow_the_users_settings() -> None:
    user = {"kestra": {"kafka": {"defaults": {"topic-prefix": "prod_", "topic": {"replication-factor": 3}}}}}

    result = resolve(bundled_and(user))

    kafka = result.tree["kestra"]["kafka"]
    assert result.problems == []
    assert kafka["defaults"]["stream"]["properties"]["replication.factor"] == 3
    assert kafka["topics"]["logentry"]["name"] == "prod_logs"
    assert kafka["topics"]["executor"]["name"] == "prod_executor_main-executor-changelog"
    stream_rf = ("kestra", "kafka", "defaults", "stream", "properties", "replication.factor")
    assert result.references[stream_rf] == [
        Reference(
            "${kestra.kafka.defaults.topic.replication-factor}",
            ("kestra", "kafka", "defaults", "topic", "replication-factor"),
            3,
        )
    ]


def test_a_broken_bundled_reference_is_reported_at_the_users_setting() -> None:
    user = {"kestra": {"kafka": {"defaults": {"topic": 5}}}}

    error = only_problem(resolve(bundled_and(user)))

    assert error.origin == at(ENV, 4, 7)
    assert error.key == "kestra.kafka.defaults.stream.properties.replication.factor"
    assert str(error) == (
        "conf/env/prod.yaml:4:7: error [reference-missing] '${kestra.kafka.defaults.topic.replication-factor}' "
        "names no key of the merged config: kestra.kafka.defaults.stream.properties.replication.factor "
        "(<kestra-defaults>:27:11) -> kestra.kafka.defaults.topic.replication-factor (not found); "
        "kestra.kafka.defaults.topic (conf/env/prod.yaml:4:7) is a single value, not a mapping"
    )


def test_a_bundled_reference_to_a_list_is_reported_at_the_users_list() -> None:
    user = {"kestra": {"kafka": {"defaults": {"topic": {"replication-factor": [3]}}}}}

    error = only_problem(resolve(bundled_and(user)))

    assert str(error) == (
        "conf/env/prod.yaml:5:9: error [reference-not-a-value] "
        "kestra.kafka.defaults.stream.properties.replication.factor: "
        "'${kestra.kafka.defaults.topic.replication-factor}' names kestra.kafka.defaults.topic.replication-factor "
        "(conf/env/prod.yaml:5:9), which is a list, not a single value"
    )


# --- run-time placeholders -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "names"),
    [
        pytest.param("${KAFKA_PASSWORD}", ["KAFKA_PASSWORD"], id="environment-variable"),
        pytest.param("${KAFKA_PASSWORD:changeme}", ["KAFKA_PASSWORD"], id="with-default"),
        pytest.param("${random.uuid}", ["random.uuid"], id="random"),
        pytest.param("${KAFKA_BOOTSTRAP:`localhost:9092`}", ["KAFKA_BOOTSTRAP"], id="backticked-default"),
        pytest.param('x password="${KAFKA_PASSWORD}";', ["KAFKA_PASSWORD"], id="inside-text"),
        pytest.param("${KAFKA_USER}:${KAFKA_PASSWORD}", ["KAFKA_USER", "KAFKA_PASSWORD"], id="two"),
        pytest.param("${A:b:c}", ["A", "b"], id="variable-else-property-else-literal"),
        pytest.param(
            "${KAFKA_ACKS:kestra.kafka.client.properties.acks:1}", ["KAFKA_ACKS"], id="run-time-key-before-a-config-key"
        ),
        pytest.param("${KAFKA_X:${kestra.kafka.client.properties.acks}}", ["KAFKA_X"], id="run-time-key-first"),
        pytest.param("${kestra.nope:host:9092}", ["host"], id="unquoted-colon-default"),
    ],
)
def test_run_time_placeholders_are_kept_verbatim_and_listed(value: str, names: list[str]) -> None:
    result = resolve(merged(client_props(acks="all", x=value)))

    assert result.problems == []
    assert result.tree["kestra"]["kafka"]["client"]["properties"]["x"] == value
    assert list(result.runtime) == names
    assert all(result.runtime[name] == [(*PROPS, "x")] for name in names)


def test_a_run_time_placeholder_lists_every_key_that_needs_it() -> None:
    result = resolve(
        merged(
            client_props(**{"sasl.jaas.config": 'u password="${KAFKA_PASSWORD}";'}),
            client_props(**{"ssl.truststore.password": "${KAFKA_PASSWORD}"}),
        )
    )

    assert result.runtime == {
        "KAFKA_PASSWORD": [(*PROPS, "sasl.jaas.config"), (*PROPS, "ssl.truststore.password")],
    }


def test_a_run_time_placeholder_is_recorded_as_a_reference_to_no_key() -> None:
    result = resolve(merged(client_props(x="${KAFKA_PASSWORD:changeme}")))

    assert result.references == {
        (*PROPS, "x"): [Reference("${KAFKA_PASSWORD:changeme}", None, "${KAFKA_PASSWORD:changeme}")]
    }


# --- Micronaut's default rules -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("${kestra.nope:fallback}", "fallback", id="missing-key-default"),
        pytest.param("${kestra.nope:}", "", id="empty-default"),
        pytest.param("${kestra.nope:`host:9092`}", "host:9092", id="backticks-quote-the-colon"),
        pytest.param("${kestra.nope:${kestra.acks}}", "all", id="default-holds-a-reference"),
        pytest.param("${kestra.nope:kestra.acks:lit}", "all", id="second-key-is-a-property"),
        pytest.param("${kestra.nope:kestra.other:lit}", "lit", id="third-part-is-the-literal"),
        pytest.param("${kestra.acks:fallback}", "all", id="present-key-beats-default"),
        pytest.param("${kestra.acks:`x:y`}", "all", id="present-key-beats-backticked-default"),
    ],
)
def test_micronaut_defaults(value: str, expected: str) -> None:
    result = resolve(merged({"kestra": {"acks": "all", "x": value}}))

    assert result.problems == []
    assert result.tree["kestra"]["x"] == expected
    assert result.runtime == {}


# --- errors --------------------------------------------------------------------------------------


def test_a_missing_reference_names_the_chain_and_suggests_the_key() -> None:
    data = {
        "kestra": {
            "kafka": {"defaults": {"topic-prefix": "p_", "consumer-prefix": "${kestra.kafka.defaults.topic-prefx}"}}
        }
    }

    result = resolve(merged(data))

    error = only_problem(result)
    assert (error.rule, error.key, error.origin) == (
        "reference-missing",
        "kestra.kafka.defaults.consumer-prefix",
        at(BASE, 5, 7),
    )
    assert str(error) == (
        "conf/config.yaml:5:7: error [reference-missing] '${kestra.kafka.defaults.topic-prefx}' names no key of "
        "the merged config: kestra.kafka.defaults.consumer-prefix (conf/config.yaml:5:7) -> "
        "kestra.kafka.defaults.topic-prefx (not found); did you mean 'kestra.kafka.defaults.topic-prefix'?"
    )
    # the value stays as written: nothing half-resolved reaches an output
    assert result.tree["kestra"]["kafka"]["defaults"]["consumer-prefix"] == "${kestra.kafka.defaults.topic-prefx}"


def test_a_missing_reference_at_the_end_of_a_chain_names_every_link() -> None:
    base = {"kestra": {"a": "${kestra.b}", "b": "x"}}
    env = {"kestra": {"b": "${kestra.c}", "c": "${kestra.gone}"}}

    error = only_problem(resolve(merged(base, env)))

    assert error.origin == at(ENV, 3, 3)
    assert str(error) == (
        "conf/env/prod.yaml:3:3: error [reference-missing] '${kestra.gone}' names no key of the merged config: "
        "kestra.a (conf/config.yaml:2:3) -> kestra.b (conf/env/prod.yaml:2:3) -> kestra.c (conf/env/prod.yaml:3:3) "
        "-> kestra.gone (not found)"
    )


def test_one_missing_key_is_one_error_naming_the_other_references() -> None:
    data = {
        "kestra": {
            "a": "${kestra.gone}",
            "b": "${kestra.gone}",
            "c": "x${kestra.gone}",
            "d": "${kestra.gone}",
            "e": "${kestra.gone}",
        }
    }

    error = only_problem(resolve(merged(data)))

    assert error.message == (
        "'${kestra.gone}' names no key of the merged config: kestra.a (conf/config.yaml:2:3) -> kestra.gone "
        "(not found) (also referenced by 4 more: kestra.b, kestra.c, kestra.d, ...)"
    )


def test_a_reference_through_a_value_says_what_is_in_the_way() -> None:
    data = {"kestra": {"kafka": {"client": "none"}, "x": "${kestra.kafka.client.properties.acks}"}}

    error = only_problem(resolve(merged(data)))

    assert str(error) == (
        "conf/config.yaml:4:3: error [reference-missing] '${kestra.kafka.client.properties.acks}' names no key of "
        "the merged config: kestra.x (conf/config.yaml:4:3) -> kestra.kafka.client.properties.acks (not found); "
        "kestra.kafka.client (conf/config.yaml:3:5) is a single value, not a mapping"
    )


@pytest.mark.parametrize(
    ("node", "kind", "line"),
    [
        pytest.param({"x": 1}, "mapping", 2, id="mapping"),
        pytest.param(["a", "b"], "list", 2, id="list"),
    ],
)
def test_a_reference_to_a_mapping_or_list_is_an_error(node: Any, kind: str, line: int) -> None:
    error = only_problem(resolve(merged({"kestra": {"node": node, "x": "${kestra.node}"}})))

    assert error.rule == "reference-not-a-value"
    assert error.message == (
        f"kestra.x: '${{kestra.node}}' names kestra.node (conf/config.yaml:{line}:3), which is a {kind}, "
        "not a single value"
    )


def test_a_self_reference_is_a_cycle() -> None:
    error = only_problem(resolve(merged({"kestra": {"a": "${kestra.a}"}})))

    assert str(error) == (
        "conf/config.yaml:2:3: error [reference-cycle] reference cycle: kestra.a (conf/config.yaml:2:3) -> "
        "kestra.a (conf/config.yaml:2:3)"
    )
    assert error.key == "kestra.a"


def test_a_cycle_names_every_link_with_where_each_was_written() -> None:
    base = {"kestra": {"a": "${kestra.b}"}}
    env = {"kestra": {"b": "x-${kestra.c}", "c": "${kestra.a}"}}

    result = resolve(merged(base, env))

    error = only_problem(result)
    assert error.rule == "reference-cycle"
    assert str(error) == (
        "conf/env/prod.yaml:3:3: error [reference-cycle] reference cycle: kestra.a (conf/config.yaml:2:3) -> "
        "kestra.b (conf/env/prod.yaml:2:3) -> kestra.c (conf/env/prod.yaml:3:3) -> kestra.a (conf/config.yaml:2:3)"
    )
    assert result.tree == {"kestra": {"a": "${kestra.b}", "b": "x-${kestra.c}", "c": "${kestra.a}"}}


def test_a_value_leading_into_a_cycle_is_not_a_link_of_it() -> None:
    error = only_problem(resolve(merged({"kestra": {"x": "${kestra.a}", "a": "${kestra.b}", "b": "${kestra.a}"}})))

    assert error.message == (
        "reference cycle: kestra.a (conf/config.yaml:3:3) -> kestra.b (conf/config.yaml:4:3) -> "
        "kestra.a (conf/config.yaml:3:3)"
    )


def test_an_error_does_not_stop_the_other_values() -> None:
    result = resolve(merged({"kestra": {"bad": "${kestra.gone}", "prefix": "p_", "name": "${kestra.prefix}logs"}}))

    assert len(result.problems) == 1
    assert result.tree["kestra"]["name"] == "p_logs"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        pytest.param(
            "client.id",
            "a ${oops",
            "kestra.kafka.client.properties.client.id: unclosed placeholder '${oops...': a '${' without its '}'",
            id="unclosed",
        ),
        pytest.param(
            "client.id",
            "${}",
            "kestra.kafka.client.properties.client.id: empty placeholder name in '${}': name a key or variable "
            "before any ':'",
            id="empty-name",
        ),
        pytest.param(
            "sasl.jaas.config",
            'x password="s3cr3t ${oops',
            "kestra.kafka.client.properties.sasl.jaas.config: unclosed placeholder in the value (value hidden: a "
            "secret key)",
            id="secret-value-hidden",
        ),
    ],
)
def test_placeholder_syntax_errors(key: str, value: str, message: str) -> None:
    error = only_problem(resolve(merged(client_props(**{key: value}))))

    assert (error.rule, error.message, error.origin) == ("placeholder-syntax", message, at(BASE, 5, 9))


def test_problems_are_reported_in_tree_order() -> None:
    data = {"kestra": {"a": "${kestra.a}", "b": "${kestra.gone}", "c": "${kestra.c1}", "c1": {"x": 1}}}

    result = resolve(merged(data))

    assert [(p.rule, p.key) for p in result.problems] == [
        ("reference-cycle", "kestra.a"),
        ("reference-missing", "kestra.b"),
        ("reference-not-a-value", "kestra.c"),
    ]


def test_a_problem_path_is_not_resolved_twice() -> None:
    # kestra.a fails once; kestra.b, which needs it, adds no second error of its own
    result = resolve(merged({"kestra": {"a": "${kestra.gone}", "b": "${kestra.a}"}}))

    assert [p.key for p in result.problems] == ["kestra.a"]
    assert result.tree["kestra"]["b"] == "${kestra.a}"


def test_a_value_without_placeholders_is_not_a_reference() -> None:
    result = resolve(merged(client_props(acks="all", x="$notaplaceholder {x}")))

    assert result.references == {}
    assert result.runtime == {}
    assert result.tree == client_props(acks="all", x="$notaplaceholder {x}")


# --- Hydra's and OmegaConf's resolvers (a Hydra config tree) -------------------------------------


def hydra_resolve(*data: dict[str, Any]) -> Resolved:
    return resolve(merged(*data), hydra=True)


@pytest.mark.parametrize(
    ("value", "written", "names"),
    [
        pytest.param("${oc.env:KAFKA_PASSWORD}", "${KAFKA_PASSWORD}", ["KAFKA_PASSWORD"], id="variable"),
        pytest.param("${oc.env:KAFKA_ACKS,all}", "${KAFKA_ACKS:all}", ["KAFKA_ACKS"], id="default"),
        pytest.param(
            "${oc.env:KAFKA_BOOTSTRAP,'b1:9092,b2:9092'}",
            "${KAFKA_BOOTSTRAP:`b1:9092,b2:9092`}",
            ["KAFKA_BOOTSTRAP"],
            id="default-with-colon-gets-backticks",
        ),
        pytest.param("${oc.env:X,a\\,b}", "${X:a,b}", ["X"], id="escaped-comma"),
        pytest.param("${oc.env:X,''}", "${X:}", ["X"], id="empty-default"),
        pytest.param("${oc.env:X,42}", "${X:42}", ["X"], id="int-default-as-text"),
        pytest.param("${oc.env:X,true}", "${X:True}", ["X"], id="bool-default-as-omegaconf-writes-it"),
        pytest.param("${oc.env:X,' pad '}", "${X:` pad `}", ["X"], id="trailing-blank-gets-backticks"),
        pytest.param("${oc.env:X,${kestra.acks}}", "${X:all}", ["X"], id="default-reference-resolved-now"),
        pytest.param("${oc.env:X,${oc.env:Y,d}}", "${X:Y:d}", ["X", "Y"], id="chain"),
        pytest.param("${oc.env:X,${KAFKA_Y:d}}", "${X:KAFKA_Y:d}", ["X", "KAFKA_Y"], id="micronaut-default"),
        pytest.param("u=${oc.env:U,kestra};p=${oc.env:P}", "u=${U:kestra};p=${P}", ["U", "P"], id="inside-text"),
        pytest.param("${oc.env:${kestra.name},d}", "${KAFKA_N:d}", ["KAFKA_N"], id="name-from-a-reference"),
        pytest.param("${oc.select:kestra.nope,${oc.env:X,d}}", "${X:d}", ["X"], id="select-fallback"),
    ],
)
def test_oc_env_is_written_as_the_micronaut_placeholder_kestra_resolves(
    value: str, written: str, names: list[str]
) -> None:
    result = hydra_resolve({"kestra": {"acks": "all", "name": "KAFKA_N", "x": value}})

    assert result.problems == []
    assert result.tree["kestra"]["x"] == written
    assert list(result.runtime) == names
    assert all(result.runtime[name] == [("kestra", "x")] for name in names)


def test_an_oc_env_call_is_recorded_as_a_run_time_reference() -> None:
    result = hydra_resolve(client_props(x="${oc.env:KAFKA_PASSWORD,changeme}"))

    assert result.references == {
        (*PROPS, "x"): [Reference("${oc.env:KAFKA_PASSWORD,changeme}", None, "${KAFKA_PASSWORD:changeme}")]
    }


def test_in_a_secret_key_the_reference_hides_the_call() -> None:
    result = hydra_resolve(client_props(**{"ssl.key.password": "${oc.env:KEY_PASSWORD,changeme}"}))

    key = (*PROPS, "ssl.key.password")
    assert result.tree["kestra"]["kafka"]["client"]["properties"]["ssl.key.password"] == "${KEY_PASSWORD:changeme}"
    assert result.references == {key: [Reference("${oc.env:...}", None, "${KEY_PASSWORD:changeme}")]}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("${oc.select:kestra.acks,fb}", "all", id="select-found"),
        pytest.param("${oc.select:kestra.nope,fb}", "fb", id="select-fallback"),
        pytest.param("${oc.select:kestra.nope}", None, id="select-missing-is-null"),
        pytest.param("${oc.select:kestra.rf,7}", 3, id="select-keeps-the-type"),
        pytest.param("${oc.select:kestra.nope,7}", 7, id="select-fallback-keeps-the-type"),
        pytest.param("${oc.select:.acks}", "all", id="select-relative"),
        pytest.param("${oc.select:kestra.unset,fb}", "fb", id="select-missing-value-is-absent"),
        pytest.param("${oc.select:'kestra.kafka.client.properties[bootstrap.servers]'}", "k:9092", id="bracket"),
        pytest.param("${oc.select:kestra.acks.deeper,fb}", "fb", id="select-through-a-value"),
        pytest.param("${oc.select:kestra.hosts.1}", "b2", id="select-a-list-item"),
        pytest.param("${oc.select:'kestra.hosts[0]'}", "b1", id="select-a-list-item-in-brackets"),
        pytest.param("${oc.select:kestra.hosts.2,fb}", "fb", id="select-past-the-list"),
        pytest.param("${oc.decode:'42'}", 42, id="decode-int"),
        pytest.param("${oc.decode:'${kestra.rf}'}", 3, id="decode-of-a-reference"),
        pytest.param("${oc.decode:null}", None, id="decode-null"),
        pytest.param("${oc.deprecated:kestra.acks}", "all", id="deprecated"),
        pytest.param("pre-${oc.select:kestra.flag}", "pre-True", id="spliced-as-omegaconf-does"),
        pytest.param("${kestra.flag}-${oc.select:kestra.flag}", "true-True", id="each-its-own-reading"),
    ],
)
def test_resolvers_fixed_at_compile_time_are_evaluated_with_omegaconf_semantics(value: str, expected: Any) -> None:
    data = {
        "kestra": {
            "kafka": {"client": {"properties": {"bootstrap.servers": "k:9092"}}},
            "acks": "all",
            "rf": 3,
            "flag": True,
            "unset": "???",
            "hosts": ["b1", "b2"],
            "x": value,
        }
    }

    result = hydra_resolve(data)

    assert result.problems == []
    assert (result.tree["kestra"]["x"], type(result.tree["kestra"]["x"])) == (expected, type(expected))
    assert result.runtime == {}


def test_oc_select_records_the_key_it_read() -> None:
    result = hydra_resolve({"kestra": {"a": "p_", "x": "${oc.select:kestra.a,fb}"}})

    assert result.references == {("kestra", "x"): [Reference("${oc.select:kestra.a,fb}", ("kestra", "a"), "p_")]}


def test_outside_a_hydra_tree_an_oc_env_call_is_read_as_micronaut_reads_it() -> None:
    result = resolve(merged({"kestra": {"x": "${oc.env:KAFKA_PASSWORD}"}}))

    assert result.tree["kestra"]["x"] == "${oc.env:KAFKA_PASSWORD}"
    assert list(result.runtime) == ["oc.env"]


@pytest.mark.parametrize(
    ("value", "names"),
    [
        pytest.param("${prop:kestra.a,b}", ["prop"], id="custom-resolver"),
        pytest.param("${KAFKA_PASSWORD:changeme}", ["KAFKA_PASSWORD"], id="micronaut-default"),
        pytest.param("${ocean:x}", ["ocean"], id="not-oc-dot"),
        pytest.param("${oc.env}", ["oc.env"], id="no-colon-no-call"),
    ],
)
def test_only_registered_resolver_names_are_calls(value: str, names: list[str]) -> None:
    result = hydra_resolve({"kestra": {"x": value}})

    assert result.problems == []
    assert result.tree["kestra"]["x"] == value
    assert list(result.runtime) == names


@pytest.mark.parametrize(
    ("value", "rule", "message"),
    [
        pytest.param(
            "${now:%Y%m%d}",
            "resolver-unsupported",
            "kestra.x: in '${now:%Y%m%d}', now is the time Hydra resolves the config, when your app starts; kkc "
            "compiles ahead of time and writes the same output on every run, so Kestra would get the build's time, "
            "not its own: write the value itself",
            id="now",
        ),
        pytest.param(
            "${hydra:runtime.choices.env}",
            "resolver-unsupported",
            "kestra.x: in '${hydra:runtime.choices.env}', hydra reads Hydra's own config, which exists only while a "
            "@hydra.main app runs; kkc, like Hydra's compose API, composes without it ('HydraConfig was not set'): "
            "write the value itself",
            id="hydra",
        ),
        pytest.param(
            "${oc.create:{a:1}}",
            "resolver-unsupported",
            "kestra.x: in '${oc.create:{a:1}}', oc.create builds a mapping or a list, and kkc puts only single "
            "values in place of a ${...} (as for reference-not-a-value): write the mapping or list itself",
            id="create",
        ),
        pytest.param(
            "${oc.dict.keys:kestra.kafka}",
            "resolver-unsupported",
            "kestra.x: in '${oc.dict.keys:kestra.kafka}', oc.dict.keys builds a list, and kkc puts only single "
            "values in place of a ${...} (as for reference-not-a-value): write the mapping or list itself",
            id="dict-keys",
        ),
        pytest.param(
            "${oc.decode:'[1,2]'}",
            "resolver-unsupported",
            "kestra.x: '${oc.decode:'[1,2]'}' gives a list, and kkc puts only single values in place of a ${...} "
            "(as for reference-not-a-value): write the mapping or list itself",
            id="decoded-list",
        ),
        pytest.param(
            "${oc.env:KAFKA_X,null}",
            "resolver-unsupported",
            "kestra.x: in '${oc.env:KAFKA_X,null}', oc.env's default is null: OmegaConf gives null when KAFKA_X is "
            "unset, and a Micronaut placeholder cannot (${KAFKA_X:} gives an empty string): drop the default so "
            "Kestra stops when KAFKA_X is missing, or give '' or a value",
            id="null-default",
        ),
        pytest.param(
            "${oc.env:kafka_x}",
            "resolver-unsupported",
            "kestra.x: in '${oc.env:kafka_x}', oc.env reads the variable 'kafka_x', but Micronaut reads an "
            "environment variable in a placeholder only by an upper-case name (A-Z, 0-9, _): use such a name",
            id="lower-case-variable",
        ),
        pytest.param(
            "${oc.env:X,'a}b'}",
            "resolver-unsupported",
            "kestra.x: in '${oc.env:X,'a}b'}', oc.env's default for X holds a '}' or a '`', which Micronaut cannot "
            "read in a placeholder's default (it ends the placeholder at its first '}' and quotes with '`')",
            id="brace-in-default",
        ),
        pytest.param(
            "${oc.env:X,${oc.env:Y}}",
            "resolver-unsupported",
            "kestra.x: in '${oc.env:X,${oc.env:Y}}', oc.env's default for X is a run-time value Micronaut cannot "
            "try after X: a Micronaut placeholder ends at its first '}', so it cannot hold another; a chain of "
            "variables is written ${oc.env:X,${oc.env:OTHER,value}} and needs a last default without ':'",
            id="chain-without-last-default",
        ),
        pytest.param(
            "${oc.decode:${oc.env:N,'7'}}",
            "resolver-unsupported",
            "kestra.x: in '${oc.decode:${oc.env:N,'7'}}', oc.decode's text is only known when Kestra starts (it "
            "holds a run-time placeholder), but oc.decode is evaluated when the config is composed; Kestra converts "
            "the text to the setting's type itself: drop oc.decode",
            id="decode-of-run-time",
        ),
        pytest.param(
            "${oc.select:${oc.env:K},d}",
            "resolver-unsupported",
            "kestra.x: in '${oc.select:${oc.env:K},d}', oc.select's key is only known when Kestra starts (it holds "
            "a run-time placeholder), but oc.select is evaluated when the config is composed",
            id="select-of-run-time",
        ),
        pytest.param(
            "${KAFKA_X:${oc.env:Y,d}}",
            "resolver-unsupported",
            "kestra.x: in '${KAFKA_X:${oc.env:Y,d}}', a Hydra resolver call sits in the default of a placeholder "
            "kept for Kestra, and would reach Micronaut as written (Micronaut ends a placeholder at its first '}' "
            "and never resolves a nested one); write the fallback with oc.env: ${oc.env:NAME,${oc.env:OTHER,value}}",
            id="call-inside-a-micronaut-default",
        ),
        pytest.param(
            "${oc.evn:KAFKA_X}",
            "resolver-invalid",
            "kestra.x: in '${oc.evn:KAFKA_X}', OmegaConf has no resolver oc.evn; did you mean oc.env?",
            id="misspelt",
        ),
        pytest.param(
            "${oc.env:A,b,c}",
            "resolver-invalid",
            "kestra.x: in '${oc.env:A,b,c}', oc.env takes the variable's name and an optional default, not 3 arguments",
            id="arity",
        ),
        pytest.param(
            "${oc.env:42}",
            "resolver-invalid",
            "kestra.x: in '${oc.env:42}', oc.env's variable name must be a string, not int",
            id="name-not-a-string",
        ),
        pytest.param(
            "${oc.deprecated:kestra.nope}",
            "resolver-invalid",
            "kestra.x: in '${oc.deprecated:kestra.nope}', oc.deprecated names 'kestra.nope', which is no key of the "
            "config",
            id="deprecated-missing",
        ),
        pytest.param(
            "${oc.decode:'[1'}",
            "resolver-invalid",
            "kestra.x: in '${oc.decode:'[1'}', oc.decode cannot read its text as a value: missing BRACKET_CLOSE at "
            "'<EOF>'",
            id="decode-malformed",
        ),
        pytest.param(
            "${oc.select:...acks}",
            "resolver-invalid",
            "kestra.x: in '${oc.select:...acks}', '...acks' goes above the config's root",
            id="above-the-root",
        ),
        pytest.param(
            "${oc.select:kestra.kafka.client.properties.bootstrap.servers,fb}",
            "resolver-invalid",
            "kestra.x: in '${oc.select:kestra.kafka.client.properties.bootstrap.servers,fb}', oc.select reads "
            "'kestra.kafka.client.properties.bootstrap.servers' as the path kestra -> kafka -> client -> properties "
            "-> bootstrap -> servers, which does not exist, so Hydra would not find "
            "kestra.kafka.client.properties.bootstrap.servers: to select that Kafka property, write "
            "kestra.kafka.client.properties[bootstrap.servers]",
            id="select-dotted-property-name",
        ),
        pytest.param(
            "${oc.env:X,`a`}",
            "placeholder-syntax",
            "kestra.x: malformed resolver call '${oc.env:...}': token recognition error at: '`'",
            id="grammar",
        ),
        pytest.param(
            "${oc.env:X",
            "placeholder-syntax",
            "kestra.x: unclosed placeholder '${oc.env...': a '${' without its '}'",
            id="unclosed",
        ),
    ],
)
def test_a_resolver_call_kkc_cannot_compile_faithfully_is_an_error(value: str, rule: str, message: str) -> None:
    data = {"kestra": {"kafka": {"client": {"properties": {"bootstrap.servers": "k:9092"}}}, "acks": "all", "x": value}}

    result = hydra_resolve(data)

    error = only_problem(result)
    assert (error.rule, error.message, error.origin, error.key) == (rule, message, at(BASE, 7, 3), "kestra.x")
    assert result.tree["kestra"]["x"] == value  # nothing half-compiled reaches an output


def test_references_inside_a_call_report_as_references_do() -> None:
    missing = only_problem(hydra_resolve({"kestra": {"x": "${oc.env:X,${kestra.gone}}"}}))
    cycle = only_problem(hydra_resolve({"kestra": {"x": "${oc.select:kestra.x,1}"}}))
    mapping = only_problem(hydra_resolve({"kestra": {"y": {"a": 1}, "x": "${oc.select:kestra.y}"}}))

    assert str(missing) == (
        "conf/config.yaml:2:3: error [reference-missing] '${kestra.gone}' names no key of the merged config: "
        "kestra.x (conf/config.yaml:2:3) -> kestra.gone (not found)"
    )
    assert str(cycle) == (
        "conf/config.yaml:2:3: error [reference-cycle] reference cycle: kestra.x (conf/config.yaml:2:3) -> "
        "kestra.x (conf/config.yaml:2:3)"
    )
    assert str(mapping) == (
        "conf/config.yaml:4:3: error [reference-not-a-value] kestra.x: '${oc.select:kestra.y}' names kestra.y "
        "(conf/config.yaml:2:3), which is a mapping, not a single value"
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param(
            "${oc.env:KEY_PASSWORD,null}",
            "kestra.kafka.client.properties.ssl.key.password: in '${oc.env:...}', oc.env's default is null: "
            "OmegaConf gives null when KEY_PASSWORD is unset, and a Micronaut placeholder cannot (${KEY_PASSWORD:} "
            "gives an empty string): drop the default so Kestra stops when KEY_PASSWORD is missing, or give '' or "
            "a value",
            id="arguments-hidden",
        ),
        pytest.param(
            "${oc.decode:'s3cr3t['}",
            "kestra.kafka.client.properties.ssl.key.password: in '${oc.decode:...}', oc.decode cannot read its text "
            "as a value",
            id="parser-detail-left-out",
        ),
        pytest.param(
            "${oc.env:KEY_PASSWORD,s3cr3t`}",
            "kestra.kafka.client.properties.ssl.key.password: malformed placeholder in the value (value hidden: a "
            "secret key)",
            id="syntax",
        ),
    ],
)
def test_a_secret_keys_call_is_never_quoted(value: str, message: str) -> None:
    error = only_problem(hydra_resolve(client_props(**{"ssl.key.password": value})))

    assert error.message == message
    assert "s3cr3t" not in str(error)


@pytest.mark.parametrize(
    ("value", "written", "names"),
    [
        pytest.param("\\${KAFKA_PASSWORD}", "${KAFKA_PASSWORD}", ["KAFKA_PASSWORD"], id="escaped-for-kestra"),
        pytest.param("u=\\${KAFKA_USER:kestra}", "u=${KAFKA_USER:kestra}", ["KAFKA_USER"], id="inside-text"),
        pytest.param("\\${oc.env:X}", "${oc.env:X}", ["oc.env"], id="escaped-call-is-text"),
        pytest.param("\\${X:${kestra.acks}}", "${X:all}", ["X"], id="a-reference-after-the-escape-resolves"),
        pytest.param("\\${kestra.acks}", "${kestra.acks}", [], id="a-config-key-for-kestra-to-read"),
        pytest.param("\\\\${kestra.acks}", "\\all", [], id="two-backslashes-are-one-then-a-reference"),
        pytest.param("\\\\\\${X}", "\\${X}", ["X"], id="three-backslashes-are-one-then-an-escape"),
        pytest.param("C:\\dir", "C:\\dir", [], id="other-backslashes-stay"),
    ],
)
def test_omegaconfs_escape_gives_kestra_the_placeholder_text(value: str, written: str, names: list[str]) -> None:
    result = hydra_resolve({"kestra": {"acks": "all", "x": value}})

    assert result.problems == []
    assert result.tree["kestra"]["x"] == written
    assert list(result.runtime) == names


def test_outside_a_hydra_tree_a_backslash_is_text() -> None:
    result = resolve(merged({"kestra": {"x": "\\${KAFKA_PASSWORD}"}}))

    assert result.tree["kestra"]["x"] == "\\${KAFKA_PASSWORD}"
