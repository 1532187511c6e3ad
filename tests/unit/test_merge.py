"""Stage 3, merge, at its own interface: layers in, one tree plus the chain of writes per key out.

What users see of it: the merged `kestra:` tree and its key order (application-kafka.yml), the
"set by (lowest layer first)" chain of `kkc explain`, and the error when a list meets a mapping.
"""

from __future__ import annotations

from typing import Any

import pytest
from omegaconf import OmegaConf

from compiler.errors import InputError, Origin
from compiler.layers import Layer
from compiler.merge import Merged, Setting, merge_layer, merge_layers
from compiler.yamlload import Yaml11Lookalike
from tests.unit.helpers import at, layer

BASE = "conf/config.yaml"
ENV = "conf/env/prod.yaml"
INSTANCE = "conf/instance/eu1.yaml"
RF = ("kestra", "kafka", "defaults", "topic", "replication-factor")
PARTITIONS = ("kestra", "kafka", "defaults", "topic", "partitions")
CLIENT_PROPS = ("kestra", "kafka", "client", "properties")


def pairs(node: Any) -> Any:
    """A tree with its key order made part of equality (dicts compare equal in any order)."""
    if isinstance(node, dict):
        return [(key, pairs(value)) for key, value in node.items()]
    if isinstance(node, list):
        return [pairs(item) for item in node]
    return node


def kafka(**sections: Any) -> dict[str, Any]:
    return {"kestra": {"kafka": sections}}


# --- the merged tree -----------------------------------------------------------------------------


def test_mappings_merge_key_by_key_and_keep_the_lower_layers_key_order() -> None:
    base = layer(
        "config.yaml",
        BASE,
        kafka(defaults={"topic-prefix": "kestra_", "consumer-prefix": "kestra_", "topic": {"partitions": 16}}),
    )
    env = layer(
        "env prod",
        ENV,
        kafka(defaults={"topic": {"replication-factor": 3, "partitions": 32}, "topic-prefix": "prod_"}),
    )

    merged = merge_layers([base, env])

    assert pairs(merged.tree) == pairs(
        kafka(
            defaults={
                "topic-prefix": "prod_",
                "consumer-prefix": "kestra_",
                "topic": {"partitions": 32, "replication-factor": 3},
            }
        )
    )


def test_new_keys_are_appended_in_layer_order() -> None:
    base = layer("config.yaml", BASE, {"kestra": {"queue": {"type": "kafka"}}})
    env = layer("env prod", ENV, {"cluster": {"name": "prod-eu"}, "kestra": {"kafka": {"client": {}}}})
    instance = layer("instance eu1", INSTANCE, {"policy": {"min-replication-factor": 3}})

    merged = merge_layers([base, env, instance])

    assert pairs(merged.tree) == pairs(
        {
            "kestra": {"queue": {"type": "kafka"}, "kafka": {"client": {}}},
            "cluster": {"name": "prod-eu"},
            "policy": {"min-replication-factor": 3},
        }
    )


def test_three_layers_later_wins() -> None:
    layers = [
        layer("config.yaml", BASE, kafka(defaults={"topic-prefix": "acme_"})),
        layer("env prod", ENV, kafka(defaults={"topic-prefix": "prod_"})),
        layer("instance eu1", INSTANCE, kafka(defaults={"topic-prefix": "prod_eu1_"})),
    ]

    assert merge_layers(layers).tree == kafka(defaults={"topic-prefix": "prod_eu1_"})


REPLACEMENTS = [
    pytest.param(1, 2, 2, id="scalar-replaces-scalar"),
    pytest.param("604800000", 86400000, 86400000, id="upper-layers-type-wins"),
    pytest.param(["a:9092", "b:9092"], ["c:9092"], ["c:9092"], id="list-replaces-list-whole"),
    pytest.param([1, 2], [], [], id="empty-list-replaces-list"),
    pytest.param({"x": 1}, None, None, id="null-replaces-mapping"),
    pytest.param(1, None, None, id="null-replaces-scalar"),
    pytest.param([1], None, None, id="null-replaces-list"),
    pytest.param({"x": 1}, 5, 5, id="scalar-replaces-mapping"),
    pytest.param("a", ["b"], ["b"], id="list-replaces-scalar"),
    pytest.param(["b"], "a", "a", id="scalar-replaces-list"),
    pytest.param(5, {"x": 1}, {"x": 1}, id="mapping-replaces-scalar"),
    pytest.param(None, {"x": 1}, {"x": 1}, id="mapping-replaces-null"),
    pytest.param(None, [1], [1], id="list-replaces-null"),
    pytest.param(5, {}, {}, id="empty-mapping-replaces-scalar"),
    pytest.param({"x": 1}, {}, {"x": 1}, id="empty-mapping-keeps-mapping"),
    pytest.param({"x": 1, "y": 2}, {"y": 3, "w": 4}, {"x": 1, "y": 3, "w": 4}, id="mapping-merges-into-mapping"),
]


@pytest.mark.parametrize(("lower", "upper", "expected"), REPLACEMENTS)
def test_replacement_semantics_match_hydra(lower: Any, upper: Any, expected: Any) -> None:
    lower_data = {"a": lower, "z": 0}
    upper_data = {"a": upper}

    merged = merge_layers([layer("config.yaml", BASE, lower_data), layer("env prod", ENV, upper_data)])

    assert pairs(merged.tree) == pairs({"a": expected, "z": 0})  # the replaced key keeps its place
    hydra = OmegaConf.to_container(OmegaConf.merge(OmegaConf.create(lower_data), OmegaConf.create(upper_data)))
    assert pairs(merged.tree) == pairs(hydra)


def test_a_null_between_a_mapping_and_a_list_lets_the_list_in() -> None:
    layers = [
        layer("config.yaml", BASE, {"a": {"x": 1}}),
        layer("env prod", ENV, {"a": None}),
        layer("instance eu1", INSTANCE, {"a": [1]}),
    ]

    assert merge_layers(layers).tree == {"a": [1]}


# --- list against mapping ------------------------------------------------------------------------


def test_a_mapping_over_a_list_is_an_error_at_the_upper_layers_key() -> None:
    base = layer("config.yaml", BASE, kafka(client={"loggers": [{"level": "INFO"}]}))
    env = layer("env prod", ENV, kafka(client={"loggers": {"level": "WARN"}}))

    with pytest.raises(InputError) as caught:
        merge_layers([base, env])

    error = caught.value
    assert error.origin == at(ENV, 4, 7)
    assert error.key == "kestra.kafka.client.loggers"
    assert error.rule == "wrong-type"
    assert str(error) == (
        "conf/env/prod.yaml:4:7: error [wrong-type] 'kestra.kafka.client.loggers' must be a list, not mapping "
        "(a lower layer sets a list, and Hydra refuses to merge a mapping into it)"
    )


def test_a_list_over_a_mapping_is_an_error_at_the_upper_layers_key() -> None:
    base = layer("config.yaml", BASE, kafka(client={"properties": {"acks": "all"}}))
    instance = layer("instance eu1", INSTANCE, {"kestra": {"kafka": {"client": {"properties": ["acks=all"]}}}})

    with pytest.raises(InputError) as caught:
        merge_layers([base, instance])

    assert str(caught.value) == (
        "conf/instance/eu1.yaml:4:7: error [wrong-type] 'kestra.kafka.client.properties' must be a mapping, "
        "not list (a lower layer sets a mapping, and Hydra refuses to merge a list into it)"
    )
    assert caught.value.key == "kestra.kafka.client.properties"


# --- the chain of writes `explain` shows ---------------------------------------------------------


def test_each_leaf_keeps_every_layer_that_set_it_lowest_first() -> None:
    layers = [
        layer("config.yaml", BASE, kafka(defaults={"topic": {"replication-factor": 1, "partitions": 16}})),
        layer("env prod", ENV, kafka(defaults={"topic": {"replication-factor": 3}})),
        layer("instance eu1", INSTANCE, kafka(defaults={"topic": {"partitions": 64}})),
    ]

    merged = merge_layers(layers)

    assert merged.settings[RF] == [
        Setting("config.yaml", at(BASE, 5, 9), 1),
        Setting("env prod", at(ENV, 5, 9), 3),
    ]
    assert merged.settings[PARTITIONS] == [
        Setting("config.yaml", at(BASE, 6, 9), 16),
        Setting("instance eu1", at(INSTANCE, 5, 9), 64),
    ]


def test_only_leaves_have_settings() -> None:
    merged = merge_layers([layer("env prod", ENV, kafka(client={"properties": {"acks": "all"}}, topics={}))])

    assert set(merged.settings) == {(*CLIENT_PROPS, "acks")}


def test_a_setting_holds_the_value_as_written_before_resolution() -> None:
    written = "${kestra.kafka.defaults.topic.replication-factor}"
    props = {"replication.factor": written}
    merged = merge_layers([layer("env prod", ENV, kafka(defaults={"stream": {"properties": props}}))])

    path = ("kestra", "kafka", "defaults", "stream", "properties", "replication.factor")
    assert merged.settings[path] == [Setting("env prod", at(ENV, 6, 11), written)]


def test_a_replaced_list_keeps_both_writes_whole() -> None:
    layers = [
        layer("config.yaml", BASE, {"cluster": {"hosts": ["a", "b"]}}),
        layer("env prod", ENV, {"cluster": {"hosts": ["c"]}}),
    ]

    assert merge_layers(layers).settings[("cluster", "hosts")] == [
        Setting("config.yaml", at(BASE, 2, 3), ["a", "b"]),
        Setting("env prod", at(ENV, 2, 3), ["c"]),
    ]


def test_a_scalar_over_a_mapping_drops_the_chains_below_it() -> None:
    layers = [
        layer("config.yaml", BASE, kafka(client={"properties": {"acks": "all", "linger.ms": 5}})),
        layer("env prod", ENV, kafka(client={"properties": None})),
    ]

    merged = merge_layers(layers)

    assert merged.settings == {CLIENT_PROPS: [Setting("env prod", at(ENV, 4, 7), None)]}


def test_a_mapping_over_a_scalar_replaces_its_chain_with_the_new_leaves() -> None:
    layers = [
        layer("config.yaml", BASE, kafka(client={"properties": "oops"})),
        layer("env prod", ENV, kafka(client={"properties": {"acks": "all"}})),
    ]

    merged = merge_layers(layers)

    assert merged.settings == {(*CLIENT_PROPS, "acks"): [Setting("env prod", at(ENV, 5, 9), "all")]}


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        pytest.param("env prod", "env prod", id="kind-names-the-layer"),
        pytest.param("", "build/application.yml", id="no-kind-uses-the-label"),
    ],
)
def test_a_setting_names_its_layer(kind: str, expected: str) -> None:
    source = Layer("build/application.yml", {"cluster": {"brokers": 3}}, {}, [], kind)

    assert merge_layers([source]).settings[("cluster", "brokers")] == [Setting(expected, None, 3)]


# --- where a value was written -------------------------------------------------------------------


def test_origin_of_a_leaf_is_where_the_winning_layer_wrote_it() -> None:
    layers = [
        layer("config.yaml", BASE, kafka(defaults={"topic": {"replication-factor": 1}})),
        layer("env prod", ENV, kafka(defaults={"topic": {"replication-factor": 3}})),
    ]

    assert merge_layers(layers).origin(RF) == Origin(ENV, 5, 9)


def test_origin_of_a_missing_key_is_its_nearest_written_parent() -> None:
    layers = [
        layer("config.yaml", BASE, kafka(client={"properties": {"acks": "all"}})),
        layer("env prod", ENV, {"cluster": {}, "kestra": {"kafka": {"client": {"properties": {"acks": "1"}}}}}),
    ]

    assert merge_layers(layers).origin((*CLIENT_PROPS, "linger.ms")) == Origin(ENV, 5, 7)


def test_origin_is_none_where_nothing_was_written() -> None:
    merged = merge_layers([layer("env prod", ENV, {"cluster": {"brokers": 3}})])

    assert merged.origin(("kestra", "kafka")) is None
    assert merged.origin(()) is None


# --- merging is incremental and copies -----------------------------------------------------------


def test_merge_layer_one_at_a_time_gives_what_merge_layers_gives() -> None:
    layers = [
        layer("config.yaml", BASE, kafka(defaults={"topic": {"replication-factor": 1, "partitions": 16}})),
        layer("env prod", ENV, kafka(defaults={"topic": {"replication-factor": 3}})),
    ]
    merged = Merged()
    for each in layers:
        merge_layer(merged, each)

    together = merge_layers(layers)
    assert pairs(merged.tree) == pairs(together.tree)
    assert merged.settings == together.settings


def test_the_merged_tree_shares_nothing_with_the_layers() -> None:
    # One normalized layer is merged into every target's tree: a change to one must not leak.
    shared = layer("env prod", ENV, {"cluster": {"hosts": ["a"], "broker-defaults": {"x": 1}}})
    first, second = merge_layers([shared]), merge_layers([shared])

    first.tree["cluster"]["hosts"].append("b")
    first.tree["cluster"]["broker-defaults"]["x"] = 2

    assert shared.data == {"cluster": {"hosts": ["a"], "broker-defaults": {"x": 1}}}
    assert second.tree == {"cluster": {"hosts": ["a"], "broker-defaults": {"x": 1}}}


def test_lookalikes_of_every_layer_are_kept_in_layer_order() -> None:
    yes = Yaml11Lookalike((*CLIENT_PROPS, "enable.idempotence"), "yes", "bool", at(BASE, 5, 29))
    octal = Yaml11Lookalike(("cluster", "brokers"), "010", "int", at(ENV, 2, 12))
    base = Layer(BASE, kafka(client={"properties": {"enable.idempotence": "yes"}}), {}, [yes], "config.yaml")
    env = Layer(ENV, {"cluster": {"brokers": 10}}, {}, [octal], "env prod")

    assert merge_layers([base, env]).lookalikes == [yes, octal]


# --- set_leaf: how an override writes one key ----------------------------------------------------

OVERRIDE = Origin("<override #1 'kestra.kafka.client.properties[acks]=all'>")


def test_set_leaf_appends_to_the_chain_of_the_key() -> None:
    merged = merge_layers([layer("config.yaml", BASE, kafka(client={"properties": {"acks": "1"}}))])
    written = Setting("override", OVERRIDE, "all")

    merged.set_leaf((*CLIENT_PROPS, "acks"), "all", written)

    assert merged.tree == kafka(client={"properties": {"acks": "all"}})
    assert merged.settings[(*CLIENT_PROPS, "acks")] == [Setting("config.yaml", at(BASE, 5, 9), "1"), written]


def test_set_leaf_through_a_scalar_makes_it_a_mapping() -> None:
    merged = merge_layers([layer("config.yaml", BASE, kafka(client="none"))])
    written = Setting("override", OVERRIDE, "all")

    merged.set_leaf((*CLIENT_PROPS, "acks"), "all", written)

    assert merged.tree == kafka(client={"properties": {"acks": "all"}})
    assert merged.settings == {(*CLIENT_PROPS, "acks"): [written]}


def test_set_leaf_on_a_mapping_replaces_it_and_its_chains() -> None:
    merged = merge_layers([layer("config.yaml", BASE, kafka(client={"properties": {"acks": "1", "x": 2}}))])
    written = Setting("override", OVERRIDE, None)

    merged.set_leaf(CLIENT_PROPS, None, written)

    assert merged.tree == kafka(client={"properties": None})
    assert merged.settings == {CLIENT_PROPS: [written]}
