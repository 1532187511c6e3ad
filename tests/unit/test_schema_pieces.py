"""The structure rules check the tree in memoised pieces (issue 16): the findings must be the whole tree's."""

from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.rules.structure import schema

_names = st.sampled_from(
    ["kestra", "kafka", "queue", "type", "client", "defaults", "topics", "properties", "topic", "consumer",
     "producer", "stream", "executor", "message-protection", "soft-limit", "hard-limit", "enabled", "limit",
     "partitions", "replication-factor", "name", "cls", "topic-prefix", "consumer-prefix", "loggers",
     "stream-threads", "cluster", "brokers", "kafka-version", "kestra-version", "broker-defaults", "policy",
     "rules", "execution", "logentry", "flow", "bogus", "Partitions"]
)  # fmt: skip
_scalars = (
    st.none() | st.booleans() | st.integers(-3, 40) | st.sampled_from(["", "x", "3", "-1", "4.1", "${A}", "0.20"])
)
_values = st.recursive(
    _scalars, lambda inner: st.lists(inner, max_size=2) | st.dictionaries(_names, inner, max_size=4), max_leaves=30
)


def _key(found: list[tuple[str, Any]]) -> Counter[tuple[str, tuple[Any, ...], str]]:
    return Counter((rule, finding.path, finding.message) for rule, finding in found)


def _pieces_findings(doc: dict[str, Any]) -> list[tuple[str, Any]]:
    import copy

    out = []
    for piece in schema._pieces(copy.deepcopy(doc)):
        schema._canonical(piece)
        out.extend(schema._document_findings(piece))
    return out


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(["kestra", "cluster", "policy", "rules", "targets"]), _values, max_size=4))
def test_pieces_find_what_the_whole_tree_finds(doc: dict[str, Any]) -> None:
    assert _key(_pieces_findings(doc)) == _key(schema._document_findings(doc))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_names, _values, max_size=6), st.dictionaries(_names, _values, max_size=4))
def test_pieces_of_a_kafka_tree_find_what_it_finds(kafka: dict[str, Any], topics: dict[str, Any]) -> None:
    doc = {"kestra": {"queue": {"type": "kafka"}, "kafka": {**kafka, "topics": topics}}}
    assert _key(_pieces_findings(doc)) == _key(schema._document_findings(doc))


def test_cerberus_accepts_the_schema_kkc_trusts_without_checking() -> None:
    """The validator kkc uses skips Cerberus' check of its schema: the check, made here, must pass, and the
    pre-recorded hash must be the one Cerberus computes (else the check would silently run every time)."""
    from cerberus.schema import DefinitionSchema
    from cerberus.utils import mapping_hash

    checked = schema._validator(trust_schema=False)  # Cerberus checks the schema (SchemaError if invalid)
    expanded = DefinitionSchema.expand(schema._schema())
    assert (mapping_hash(expanded), mapping_hash(type(checked).types_mapping)) in type(checked)._valid_schemas
    assert schema._validator().validate({"kestra": {"kafka": {"bogus": 1}}}, normalize=False) is False


def test_an_empty_kestra_version_is_a_finding_not_a_crash() -> None:
    """Found by the generated trees above: `cluster: {kestra-version: }` was an internal error."""
    found = schema._document_findings({"cluster": {"kestra-version": None}})
    assert [(rule, f.path) for rule, f in found] == [("wrong-type", ("cluster", "kestra-version"))]
