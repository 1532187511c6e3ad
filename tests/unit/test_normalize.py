"""Stage 2, normalize, at its own interface: one layer in, the key paths Kestra binds out.

What users see of it: camelCase keys bound as kebab-case, dotted keys read as the nested path
Micronaut reads (but Kafka property names kept whole), the doc page's variant paths moved to the
paths Kestra binds, and one Note per change, which the validator reports at the key's position.
"""

from __future__ import annotations

from typing import Any

import pytest

from compiler.diagnostics import Note
from compiler.errors import InputError, Origin
from compiler.keys import Path_
from compiler.layers import Layer
from compiler.normalize import expand, kebab, normalize_layer, normalize_path, split_reference
from compiler.yamlload import Yaml11Lookalike
from tests.unit.helpers import at, layer

ENV = "conf/env/prod.yaml"


def normalized(data: dict[str, Any]) -> tuple[Layer, list[Note]]:
    return normalize_layer(layer("env prod", ENV, data))


def pairs(node: Any) -> Any:
    """A tree with its key order made part of equality."""
    if isinstance(node, dict):
        return [(key, pairs(value)) for key, value in node.items()]
    if isinstance(node, list):
        return [pairs(item) for item in node]
    return node


# --- kebab ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        pytest.param("topicPrefix", "topic-prefix", id="topicPrefix"),
        pytest.param("replicationFactor", "replication-factor", id="replicationFactor"),
        pytest.param("softLimit", "soft-limit", id="softLimit"),
        pytest.param("consumerPrefix", "consumer-prefix", id="consumerPrefix"),
        pytest.param("topic-prefix", "topic-prefix", id="kebab-unchanged"),
        pytest.param("partitions", "partitions", id="lower-case-unchanged"),
        pytest.param("v2Topic", "v2-topic", id="digit-then-capital"),
    ],
)
def test_kebab(key: str, expected: str) -> None:
    assert kebab(key) == expected


# --- split_reference: a `${...}` key or an override key, as key segments ---------------------------


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        pytest.param(
            "kestra.kafka.defaults.topic.replication-factor",
            ("kestra", "kafka", "defaults", "topic", "replication-factor"),
            id="plain-path",
        ),
        pytest.param(
            "kestra.kafka.client.properties[bootstrap.servers]",
            ("kestra", "kafka", "client", "properties", "bootstrap.servers"),
            id="bracketed-property",
        ),
        pytest.param(
            "kestra.kafka.client.properties.bootstrap.servers",
            ("kestra", "kafka", "client", "properties", "bootstrap.servers"),
            id="property-whole-after-properties",
        ),
        pytest.param(
            "kestra.kafka.client.properties.sasl.jaas.config",
            ("kestra", "kafka", "client", "properties", "sasl.jaas.config"),
            id="three-part-property",
        ),
        pytest.param(
            "kestra.kafka.topics.execution.properties.retention.ms",
            ("kestra", "kafka", "topics", "execution", "properties", "retention.ms"),
            id="topic-property",
        ),
        pytest.param(
            "kestra.kafka.topics[execution].properties.retention.ms",
            ("kestra", "kafka", "topics", "execution", "properties", "retention.ms"),
            id="bracket-mid-path",
        ),
        pytest.param(
            "cluster.broker-defaults.log.retention.hours",
            ("cluster", "broker-defaults", "log.retention.hours"),
            id="broker-default-whole",
        ),
        pytest.param(
            "cluster.broker-defaults[log.retention.ms]",
            ("cluster", "broker-defaults", "log.retention.ms"),
            id="bracketed-broker-default",
        ),
        pytest.param("other.properties.x.y", ("other", "properties", "x", "y"), id="properties-outside-kestra-nest"),
        pytest.param("random.uuid", ("random", "uuid"), id="run-time-name"),
        pytest.param("KAFKA_PASSWORD", ("KAFKA_PASSWORD",), id="environment-variable"),
        pytest.param("a[b", ("a", "[b"), id="unclosed-bracket-kept"),
    ],
)
def test_split_reference(reference: str, expected: Path_) -> None:
    assert split_reference(reference) == expected


# --- expand: the segments a dotted key stands for, where it is written ---------------------------


@pytest.mark.parametrize(
    ("target", "key", "expected"),
    [
        pytest.param(
            (), "kestra.kafka.defaults.topic-prefix", ("kestra", "kafka", "defaults", "topic-prefix"), id="root"
        ),
        pytest.param((), "cluster.brokers", ("cluster", "brokers"), id="root-cluster"),
        pytest.param(
            (),
            "kestra.kafka.client.properties.sasl.jaas.config",
            ("kestra", "kafka", "client", "properties", "sasl.jaas.config"),
            id="root-into-properties",
        ),
        pytest.param((), "foo.bar", ("foo.bar",), id="root-unknown-head-stays"),
        pytest.param(("kestra",), "kafka.defaults.topic-prefix", ("kafka", "defaults", "topic-prefix"), id="kestra"),
        pytest.param(("kestra", "kafka", "topics"), "execution.properties", ("execution", "properties"), id="topics"),
        pytest.param(
            ("kestra", "kafka", "topics", "execution"),
            "properties.retention.ms",
            ("properties", "retention.ms"),
            id="topic-into-properties",
        ),
        pytest.param(
            ("cluster",),
            "broker-defaults.log.retention.hours",
            ("broker-defaults", "log.retention.hours"),
            id="cluster-into-broker-defaults",
        ),
        pytest.param(
            ("kestra", "kafka", "client", "properties"), "bootstrap.servers", ("bootstrap.servers",), id="in-properties"
        ),
        pytest.param(
            ("kestra", "kafka", "topics", "logentry", "properties"),
            "retention.ms",
            ("retention.ms",),
            id="in-topic-props",
        ),
        pytest.param(
            ("cluster", "broker-defaults"), "log.retention.hours", ("log.retention.hours",), id="in-broker-defaults"
        ),
        pytest.param(("kestra", "kafka", "defaults"), "topic-prefix", ("topic-prefix",), id="no-dot"),
    ],
)
def test_expand(target: Path_, key: str, expected: Path_) -> None:
    assert expand(target, key) == expected


# --- normalize_path ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected", "changes"),
    [
        pytest.param(
            ("kestra", "kafka", "defaults", "topicPrefix"),
            ("kestra", "kafka", "defaults", "topic-prefix"),
            ("camel-case",),
            id="camel-case",
        ),
        pytest.param(
            ("kestra", "kafka", "defaults", "topics", "execution", "name"),
            ("kestra", "kafka", "topics", "execution", "name"),
            ("doc-variant-path",),
            id="defaults-topics-variant",
        ),
        pytest.param(
            ("kestra", "kafka", "defaults", "topics", "execution", "replicationFactor"),
            ("kestra", "kafka", "topics", "execution", "replication-factor"),
            ("camel-case", "doc-variant-path"),
            id="variant-and-camel-case",
        ),
        pytest.param(
            ("kestra", "kafka", "stream", "properties", "state.dir"),
            ("kestra", "kafka", "defaults", "stream", "properties", "state.dir"),
            ("doc-variant-path",),
            id="state-dir-variant",
        ),
        pytest.param(
            ("kestra", "kafka", "stream", "properties", "num.stream.threads"),
            ("kestra", "kafka", "stream", "properties", "num.stream.threads"),
            (),
            id="only-state-dir-moves",
        ),
        pytest.param(
            ("kestra", "kafka", "client", "properties", "bootstrapServers"),
            ("kestra", "kafka", "client", "properties", "bootstrapServers"),
            (),
            id="property-names-never-renamed",
        ),
        pytest.param(
            ("kestra", "kafka", "topics", "execution", "replicationFactor"),
            ("kestra", "kafka", "topics", "execution", "replication-factor"),
            ("camel-case",),
            id="topic-setting",
        ),
    ],
)
def test_normalize_path(path: Path_, expected: Path_, changes: tuple[str, ...]) -> None:
    assert normalize_path(path) == (expected, changes)


# --- normalize_layer: camelCase ------------------------------------------------------------------


def test_a_camel_case_key_is_bound_as_kebab_case_with_a_note_at_its_position() -> None:
    out, notes = normalized({"kestra": {"kafka": {"defaults": {"topicPrefix": "prod_", "consumer-prefix": "c_"}}}})

    assert pairs(out.data) == pairs(
        {"kestra": {"kafka": {"defaults": {"topic-prefix": "prod_", "consumer-prefix": "c_"}}}}
    )
    assert notes == [
        Note(
            "camel-case-key",
            ("kestra", "kafka", "defaults", "topic-prefix"),
            "kestra.kafka.defaults.topicPrefix",
            "'kestra.kafka.defaults.topicPrefix' is bound by Kestra as 'kestra.kafka.defaults.topic-prefix' "
            "(kebab-case)",
            at(ENV, 4, 7),
        )
    ]
    assert out.positions[("kestra", "kafka", "defaults", "topic-prefix")] == at(ENV, 4, 7)


def test_camel_case_inside_properties_is_a_kafka_name_and_kept() -> None:
    data = {"kestra": {"kafka": {"client": {"properties": {"bootstrapServers": "a:9092", "bootstrap.servers": "b"}}}}}

    out, notes = normalized(data)

    assert out.data == data
    assert notes == []


def test_camel_case_keys_of_list_items_are_renamed() -> None:
    data = {"kestra": {"kafka": {"client": {"loggers": [{"level": "INFO", "topicRegexp": "kestra_.*"}]}}}}

    out, notes = normalized(data)

    assert out.data == {"kestra": {"kafka": {"client": {"loggers": [{"level": "INFO", "topic-regexp": "kestra_.*"}]}}}}
    assert [(n.rule, n.path, n.original, n.origin) for n in notes] == [
        ("camel-case-key", ("kestra", "kafka", "client", "loggers", 0, "topic-regexp"), "topicRegexp", at(ENV, 6, 11))
    ]
    assert out.positions[("kestra", "kafka", "client", "loggers", 0, "topic-regexp")] == at(ENV, 6, 11)


def test_two_spellings_of_one_key_are_a_duplicate_key_error() -> None:
    with pytest.raises(InputError) as caught:
        normalized({"kestra": {"kafka": {"defaults": {"topicPrefix": "a_", "topic-prefix": "b_"}}}})

    assert caught.value.rule == "duplicate-key"
    assert caught.value.key == "kestra.kafka.defaults.topic-prefix"
    assert str(caught.value) == (
        "conf/env/prod.yaml:5:7: error [duplicate-key] 'kestra.kafka.defaults.topic-prefix' and "
        "'kestra.kafka.defaults.topicPrefix' are the same key for Kestra (kestra.kafka.defaults.topic-prefix) "
        "(first written at line 4, column 7): keep one"
    )


# --- normalize_layer: dotted keys ----------------------------------------------------------------


def test_a_dotted_key_at_the_root_is_the_nested_path_micronaut_reads() -> None:
    out, notes = normalized({"kestra.kafka.defaults.topic-prefix": "prod_", "cluster.brokers": 3})

    assert pairs(out.data) == pairs(
        {"kestra": {"kafka": {"defaults": {"topic-prefix": "prod_"}}}, "cluster": {"brokers": 3}}
    )
    assert notes == [
        Note(
            "dotted-key-expanded",
            ("kestra", "kafka", "defaults", "topic-prefix"),
            "kestra.kafka.defaults.topic-prefix",
            "dotted key 'kestra.kafka.defaults.topic-prefix' read as the nested path "
            "kestra.kafka.defaults.topic-prefix",
            at(ENV, 1, 1),
        ),
        Note(
            "dotted-key-expanded",
            ("cluster", "brokers"),
            "cluster.brokers",
            "dotted key 'cluster.brokers' read as the nested path cluster.brokers",
            at(ENV, 2, 1),
        ),
    ]
    assert out.positions[("kestra", "kafka", "defaults", "topic-prefix")] == at(ENV, 1, 1)


def test_a_dotted_key_under_topics_reaches_the_topic_properties() -> None:
    out, notes = normalized({"kestra": {"kafka": {"topics": {"execution.properties": {"retention.ms": "-1"}}}}})

    assert out.data == {"kestra": {"kafka": {"topics": {"execution": {"properties": {"retention.ms": "-1"}}}}}}
    assert [(n.rule, n.path, n.original) for n in notes] == [
        ("dotted-key-expanded", ("kestra", "kafka", "topics", "execution", "properties"), "execution.properties")
    ]
    path = ("kestra", "kafka", "topics", "execution", "properties", "retention.ms")
    assert out.positions[path] == at(ENV, 5, 9)


def test_a_root_dotted_key_into_properties_keeps_the_property_name_whole() -> None:
    out, _ = normalized({"kestra.kafka.client.properties.sasl.jaas.config": "x required;"})

    assert out.data == {"kestra": {"kafka": {"client": {"properties": {"sasl.jaas.config": "x required;"}}}}}


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"kestra": {"kafka": {"client": {"properties": {"bootstrap.servers": "a:9092"}}}}}, id="client"),
        pytest.param(
            {"kestra": {"kafka": {"defaults": {"producer": {"properties": {"linger.ms": 5}}}}}}, id="producer-defaults"
        ),
        pytest.param({"kestra": {"kafka": {"topics": {"logentry": {"properties": {"retention.ms": 1}}}}}}, id="topic"),
        pytest.param({"cluster": {"broker-defaults": {"log.retention.hours": 168}}}, id="cluster-broker-defaults"),
    ],
)
def test_a_dotted_key_in_a_kafka_property_map_stays_one_name(data: dict[str, Any]) -> None:
    out, notes = normalized(data)

    assert out.data == data
    assert notes == []


def test_a_dotted_key_and_its_nested_spelling_are_a_duplicate_key_error() -> None:
    data = {"kestra.kafka.defaults.topic-prefix": "a_", "kestra": {"kafka": {"defaults": {"topic-prefix": "b_"}}}}

    with pytest.raises(InputError) as caught:
        normalized(data)

    assert str(caught.value) == (
        "conf/env/prod.yaml:5:7: error [duplicate-key] 'kestra.kafka.defaults.topic-prefix' and "
        "'kestra.kafka.defaults.topic-prefix' are the same key for Kestra (kestra.kafka.defaults.topic-prefix) "
        "(first written at line 1, column 1): keep one"
    )


def test_a_dotted_key_and_a_nested_sibling_merge_in_one_layer() -> None:
    data = {"kestra.kafka.defaults.topic-prefix": "a_", "kestra": {"kafka": {"defaults": {"consumer-prefix": "c_"}}}}

    out, _ = normalized(data)

    assert pairs(out.data) == pairs(
        {"kestra": {"kafka": {"defaults": {"topic-prefix": "a_", "consumer-prefix": "c_"}}}}
    )


# --- normalize_layer: the doc page's variant paths -----------------------------------------------


def test_defaults_topics_moves_to_topics_with_one_note() -> None:
    data = {"kestra": {"kafka": {"defaults": {"topics": {"execution": {"name": "prod_execution"}}}}}}

    out, notes = normalized(data)

    # kestra.kafka.defaults is left empty by the move: dropped, as nobody wrote anything there.
    assert out.data == {"kestra": {"kafka": {"topics": {"execution": {"name": "prod_execution"}}}}}
    assert notes == [
        Note(
            "doc-variant-path",
            ("kestra", "kafka", "topics"),
            "kestra.kafka.defaults.topics",
            "'kestra.kafka.defaults.topics' is the doc page's variant; Kestra binds 'kestra.kafka.topics'",
            at(ENV, 4, 7),
        )
    ]
    assert out.positions[("kestra", "kafka", "topics", "execution", "name")] == at(ENV, 6, 11)


def test_defaults_topics_move_keeps_the_other_defaults() -> None:
    data = {"kestra": {"kafka": {"defaults": {"topic-prefix": "p_", "topics": {"flow": {"partitions": 1}}}}}}

    out, _ = normalized(data)

    assert pairs(out.data) == pairs(
        {"kestra": {"kafka": {"defaults": {"topic-prefix": "p_"}, "topics": {"flow": {"partitions": 1}}}}}
    )


def test_the_variant_and_the_bound_path_combine_in_one_layer() -> None:
    data = {
        "kestra": {
            "kafka": {
                "defaults": {"topics": {"execution": {"name": "x_execution"}}},
                "topics": {"execution": {"partitions": 3}},
            }
        }
    }

    out, _ = normalized(data)

    assert pairs(out.data) == pairs(
        {"kestra": {"kafka": {"topics": {"execution": {"name": "x_execution", "partitions": 3}}}}}
    )


def test_the_variant_and_the_bound_path_setting_one_key_are_a_duplicate_key_error() -> None:
    data = {
        "kestra": {
            "kafka": {
                "defaults": {"topics": {"execution": {"name": "a"}}},
                "topics": {"execution": {"name": "b"}},
            }
        }
    }

    with pytest.raises(InputError) as caught:
        normalized(data)

    assert str(caught.value) == (
        "conf/env/prod.yaml:9:9: error [duplicate-key] 'kestra.kafka.topics.execution.name' and "
        "'kestra.kafka.defaults.topics.execution.name' are the same key for Kestra "
        "(kestra.kafka.topics.execution.name) (first written at line 6, column 11): keep one"
    )


def test_stream_state_dir_moves_under_defaults_and_other_stream_properties_stay() -> None:
    data = {"kestra": {"kafka": {"stream": {"properties": {"state.dir": "/data/streams", "num.stream.threads": 2}}}}}

    out, notes = normalized(data)

    assert pairs(out.data) == pairs(
        {
            "kestra": {
                "kafka": {
                    "stream": {"properties": {"num.stream.threads": 2}},
                    "defaults": {"stream": {"properties": {"state.dir": "/data/streams"}}},
                }
            }
        }
    )
    moved = ("kestra", "kafka", "defaults", "stream", "properties", "state.dir")
    assert notes == [
        Note(
            "doc-variant-path",
            moved,
            "kestra.kafka.stream.properties.state.dir",
            "'kestra.kafka.stream.properties.state.dir' is the doc page's variant; Kestra binds "
            "'kestra.kafka.defaults.stream.properties.state.dir'",
            at(ENV, 5, 9),
        )
    ]
    assert out.positions[moved] == at(ENV, 5, 9)


def test_state_dir_alone_leaves_no_empty_stream_map_behind() -> None:
    out, _ = normalized({"kestra": {"kafka": {"stream": {"properties": {"state.dir": "/data"}}}}})

    assert out.data == {"kestra": {"kafka": {"defaults": {"stream": {"properties": {"state.dir": "/data"}}}}}}


def test_a_dotted_variant_key_at_the_root_gets_both_notes() -> None:
    out, notes = normalized({"kestra.kafka.defaults.topics.logentry.name": "logs"})

    assert out.data == {"kestra": {"kafka": {"topics": {"logentry": {"name": "logs"}}}}}
    assert [(n.rule, n.path) for n in notes] == [
        ("dotted-key-expanded", ("kestra", "kafka", "defaults", "topics", "logentry", "name")),
        ("doc-variant-path", ("kestra", "kafka", "topics", "logentry", "name")),
    ]


def test_a_lookalike_follows_its_key_to_the_bound_path() -> None:
    data = {"kestra": {"kafka": {"defaults": {"topics": {"execution": {"properties": {"preallocate": "yes"}}}}}}}
    written = (*("kestra", "kafka", "defaults", "topics", "execution", "properties"), "preallocate")
    yes = Yaml11Lookalike(written, "yes", "bool", at(ENV, 7, 26))
    source = Layer(ENV, data, {}, [yes], "env prod")

    out, _ = normalize_layer(source)

    assert out.lookalikes == [
        Yaml11Lookalike(
            ("kestra", "kafka", "topics", "execution", "properties", "preallocate"), "yes", "bool", yes.origin
        )
    ]


# --- the layer itself ----------------------------------------------------------------------------


def test_normalizing_keeps_label_and_kind_and_leaves_the_input_alone() -> None:
    data = {"kestra": {"kafka": {"defaults": {"topicPrefix": "p_", "topics": {"flow": {"partitions": 1}}}}}}
    source = layer("env prod", ENV, data)
    before = repr(source.data), dict(source.positions)

    out, _ = normalize_layer(source)

    assert (out.label, out.kind, out.name) == (ENV, "env prod", "env prod")
    assert (repr(source.data), dict(source.positions)) == before


def test_an_already_canonical_layer_is_unchanged_and_silent() -> None:
    data = {
        "kestra": {"kafka": {"defaults": {"topic-prefix": "p_", "topic": {"replication-factor": 3}}}},
        "cluster": {"name": "prod-eu", "brokers": 3},
    }

    out, notes = normalized(data)

    assert pairs(out.data) == pairs(data)
    assert notes == []
    assert out.positions[("cluster", "brokers")] == Origin(ENV, 9, 3)
