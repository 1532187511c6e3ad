"""Behaviour of the Kafka config catalog (compiler.catalog).

Expected messages for producer/consumer/admin keys were checked against the real parser
(kafka-clients 4.3.0 ``ConfigDef.parse``); Streams and topic messages follow the Kafka sources.
"""

from __future__ import annotations

import csv
import importlib.util
import json
from dataclasses import dataclass
from importlib.resources import files

import pytest

from compiler import catalog
from compiler.catalog import (
    KNOWN_VERSIONS,
    LATEST,
    SECTIONS,
    KeyInfo,
    check_value,
    key_status,
    lookup,
    problems,
    sections_of,
    streams_forced,
    suggest,
)
from tests.conftest import REPO, SHARED, missing_shared

REFERENCE = SHARED / "reference"
TSV = REFERENCE / "kafka-configs.tsv"
needs_reference = pytest.mark.skipif(not TSV.exists(), reason=missing_shared(TSV))


def info(section: str, key: str, version: str | None = None) -> KeyInfo:
    found = lookup(section, key, version)
    assert found is not None, f"{key} unknown in {section}"
    return found


@dataclass(frozen=True)
class Case:
    section: str
    key: str
    value: str
    version: str = LATEST
    kind: str | None = None  # None: accepted without any finding
    message: str | None = None


VALUE_CASES = [
    pytest.param(
        Case(
            "producer",
            "acks",
            "ALL",
            kind="enum",
            message="Invalid value ALL for configuration acks: String must be one of: all, -1, 0, 1",
        ),
        id="producer:acks_upper_case_rejected",
    ),
    pytest.param(Case("producer", "acks", "all"), id="producer:acks_all"),
    pytest.param(Case("producer", "acks", " -1 "), id="producer:acks_trimmed_like_kafka"),
    pytest.param(
        Case(
            "producer",
            "compression.type",
            "GZIP",
            kind="enum",
            message="Invalid value GZIP for configuration compression.type: "
            "String must be one of: none, gzip, snappy, lz4, zstd",
        ),
        id="producer:compression_type_case_sensitive",
    ),
    pytest.param(
        Case(
            "topic",
            "compression.type",
            "none",
            kind="enum",
            message="Invalid value none for configuration compression.type: "
            "String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer",
        ),
        id="topic:compression_type_none_is_producer_only",
    ),
    pytest.param(Case("topic", "compression.type", "producer"), id="topic:compression_type_producer"),
    pytest.param(
        Case(
            "consumer",
            "isolation.level",
            "READ_COMMITTED",
            kind="enum",
            message="Invalid value READ_COMMITTED for configuration isolation.level: "
            "String must be one of: read_committed, read_uncommitted",
        ),
        id="consumer:isolation_level_case_sensitive",
    ),
    pytest.param(Case("producer", "security.protocol", "sasl_ssl"), id="producer:security_protocol_ci_4.3"),
    pytest.param(
        Case(
            "producer",
            "security.protocol",
            "sasl_ssl",
            version="3.5",
            kind="enum",
            message="Invalid value sasl_ssl for configuration security.protocol: "
            "String must be one of: PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL",
        ),
        id="producer:security_protocol_case_sensitive_3.3_to_3.5",
    ),
    pytest.param(
        Case("producer", "security.protocol", "sasl_ssl", version="3.2"),
        id="producer:security_protocol_forName_upper_cases_before_3.3",
    ),
    pytest.param(
        Case(
            "consumer",
            "group.protocol",
            "foo",
            kind="enum",
            message="Invalid value foo for configuration group.protocol: "
            "String must be one of (case insensitive): CONSUMER, CLASSIC",
        ),
        id="consumer:group_protocol_hash_set_order",
    ),
    pytest.param(Case("consumer", "group.protocol", "Consumer"), id="consumer:group_protocol_mixed_case"),
    pytest.param(Case("producer", "enable.idempotence", " TRUE "), id="producer:boolean_equalsIgnoreCase"),
    pytest.param(
        Case(
            "producer",
            "enable.idempotence",
            "yes",
            kind="type",
            message="Invalid value yes for configuration enable.idempotence: Expected value to be either true or false",
        ),
        id="producer:boolean_yes_rejected",
    ),
    pytest.param(
        Case(
            "producer",
            "retries",
            "2147483648",
            kind="type",
            message="Invalid value 2147483648 for configuration retries: Not a number of type INT",
        ),
        id="producer:int_overflow",
    ),
    pytest.param(Case("producer", "linger.ms", "+5"), id="producer:long_with_plus_sign"),
    pytest.param(
        Case(
            "producer",
            "linger.ms",
            "1e3",
            kind="type",
            message="Invalid value 1e3 for configuration linger.ms: Not a number of type LONG",
        ),
        id="producer:long_rejects_exponent",
    ),
    pytest.param(
        Case(
            "consumer",
            "max.poll.records",
            "0",
            kind="range",
            message="Invalid value 0 for configuration max.poll.records: Value must be at least 1",
        ),
        id="consumer:max_poll_records_range",
    ),
    pytest.param(
        Case(
            "producer",
            "sasl.login.refresh.buffer.seconds",
            "40000",
            kind="type",
            message="Invalid value 40000 for configuration sasl.login.refresh.buffer.seconds: "
            "Not a number of type SHORT",
        ),
        id="producer:short_overflow",
    ),
    pytest.param(
        Case(
            "producer",
            "sasl.login.refresh.window.factor",
            "1e-5",
            kind="range",
            message="Invalid value 1.0E-5 for configuration sasl.login.refresh.window.factor: "
            "Value must be at least 0.5",
        ),
        id="producer:double_printed_like_java",
    ),
    pytest.param(
        Case(
            "producer",
            "compression.gzip.level",
            "0",
            kind="range",
            message="Invalid value 0 for configuration compression.gzip.level: "
            "Value must be between 1 and 9 or equal to -1",
        ),
        id="producer:gzip_level",
    ),
    pytest.param(Case("producer", "compression.gzip.level", "-1"), id="producer:gzip_level_default"),
    pytest.param(
        Case(
            "producer",
            "transactional.id",
            " ",
            kind="range",
            message="Invalid value  for configuration transactional.id: String must be non-empty",
        ),
        id="producer:transactional_id_non_empty",
    ),
    pytest.param(
        Case(
            "producer",
            "bootstrap.servers",
            "",
            kind="range",
            message="Configuration 'bootstrap.servers' must not be empty. Valid values include: any non-empty value",
        ),
        id="producer:bootstrap_servers_required",
    ),
    pytest.param(
        Case(
            "producer",
            "interceptor.classes",
            "a,,b",
            kind="type",
            message="Configuration 'interceptor.classes' values must not be empty.",
        ),
        id="producer:list_empty_element_4.2",
    ),
    pytest.param(Case("producer", "interceptor.classes", "a,,b", version="4.1"), id="producer:list_empty_element_4.1"),
    pytest.param(Case("consumer", "auto.offset.reset", "by_duration:P7D"), id="consumer:by_duration"),
    pytest.param(
        Case(
            "consumer",
            "auto.offset.reset",
            "by_duration:-PT1H",
            kind="enum",
            message="Invalid value by_duration:-PT1H for configuration auto.offset.reset: Invalid value "
            "`by_duration:-PT1H` for configuration auto.offset.reset. The value must be either 'earliest', "
            "'latest', 'none' or of the format 'by_duration:<PnDTnHnMn.nS.>'.",
        ),
        id="consumer:by_duration_negative",
    ),
    pytest.param(
        Case(
            "consumer",
            "auto.offset.reset",
            "by_duration:PT1H",
            version="3.9",
            kind="enum",
            message="Invalid value by_duration:PT1H for configuration auto.offset.reset: "
            "String must be one of: latest, earliest, none",
        ),
        id="consumer:by_duration_before_4.0",
    ),
    pytest.param(Case("topic", "retention.ms", "-1"), id="topic:retention_ms_unlimited"),
    pytest.param(
        Case(
            "topic",
            "retention.ms",
            "-2",
            kind="range",
            message="Invalid value -2 for configuration retention.ms: Value must be at least -1",
        ),
        id="topic:retention_ms_below_minus_one",
    ),
    pytest.param(Case("topic", "cleanup.policy", "delete,compact"), id="topic:cleanup_policy_both"),
    pytest.param(Case("topic", "cleanup.policy", "compact, delete"), id="topic:cleanup_policy_spaces"),
    pytest.param(
        Case(
            "topic",
            "cleanup.policy",
            "compacted",
            kind="enum",
            message="Invalid value compacted for configuration cleanup.policy: String must be one of: compact, delete",
        ),
        id="topic:cleanup_policy_compacted",
    ),
    pytest.param(Case("topic", "segment.bytes", "1000000", version="4.0"), id="topic:segment_bytes_4.0"),
    pytest.param(
        Case(
            "topic",
            "segment.bytes",
            "1000000",
            version="4.1",
            kind="range",
            message="Invalid value 1000000 for configuration segment.bytes: Value must be at least 1048576",
        ),
        id="topic:segment_bytes_1MiB_from_4.1",
    ),
    pytest.param(Case("topic", "leader.replication.throttled.replicas", "0:1, 1:2"), id="topic:throttled_pairs"),
    pytest.param(Case("topic", "leader.replication.throttled.replicas", "*"), id="topic:throttled_wildcard"),
    pytest.param(Case("topic", "leader.replication.throttled.replicas", "0-1", kind="type"), id="topic:throttled_bad"),
    pytest.param(
        Case(
            "topic",
            "message.format.version",
            "2.9",
            version="3.9",
            kind="enum",
            message="Invalid value 2.9 for configuration message.format.version: Version 2.9 is not a valid version",
        ),
        id="topic:message_format_version",
    ),
    # Each release knows the MetadataVersions its validator lists, and the short form of the released ones
    # (messages as the 3.0 Scala ApiVersionValidator and the 3.5-3.9 MetadataVersionValidator print them); an accepted
    # value still gets the key's deprecation warning.
    pytest.param(
        Case(
            "topic",
            "message.format.version",
            "3.6",
            version="3.5",
            kind="enum",
            message="Invalid value 3.6 for configuration message.format.version: Version 3.6 is not a valid version",
        ),
        id="topic:message_format_version_newer_than_the_broker",
    ),
    pytest.param(
        Case("topic", "message.format.version", "3.5", version="3.5", kind="deprecated-key"), id="topic:mfv_short_form"
    ),
    pytest.param(
        Case("topic", "message.format.version", "1.0.5", version="3.5", kind="deprecated-key"),
        id="topic:mfv_cut_to_1.0",
    ),
    pytest.param(Case("topic", "message.format.version", "0.10", version="3.5", kind="enum"), id="topic:mfv_0.10"),
    pytest.param(
        Case("topic", "message.format.version", "4.0-IV1", version="3.9", kind="deprecated-key"),
        id="topic:mfv_unstable_listed",
    ),
    pytest.param(
        Case("topic", "message.format.version", "4.0", version="3.9", kind="enum"), id="topic:mfv_unreleased_short"
    ),
    pytest.param(
        Case(
            "topic",
            "message.format.version",
            "2.8-IV5",
            version="3.0",
            kind="enum",
            message="Invalid value 2.8-IV5 for configuration message.format.version: "
            "Version `2.8-IV5` is not a valid version",
        ),
        id="topic:mfv_scala_wording_before_3.3",
    ),
    pytest.param(
        Case("streams", "topology.optimization", "all,merge.repartition.topics", kind="enum"),
        id="streams:topology_all_not_alone",
    ),
    pytest.param(
        Case("streams", "topology.optimization", "merge.repartition.topics,single.store.self.join"),
        id="streams:topology_list",
    ),
    pytest.param(
        Case(
            "streams",
            "rack.aware.assignment.tags",
            "a,b,c,d,e,f",
            kind="range",
            message="Invalid value [a, b, c, d, e, f] for configuration rack.aware.assignment.tags: "
            "exceeds maximum list size of [5].",
        ),
        id="streams:rack_tags_at_most_5",
    ),
    pytest.param(
        Case(
            "streams",
            "rack.aware.assignment.tags",
            "a,a,a,a,a,a",
            kind="range",
            message="Invalid value [a, a, a, a, a, a] for configuration rack.aware.assignment.tags: "
            "exceeds maximum list size of [5].",
        ),
        id="streams:rack_tags_duplicates_count_4.3",  # only a ValidList's duplicates are dropped first
    ),
    pytest.param(Case("streams", "dsl.store.format", "headers"), id="streams:dsl_store_format_ci"),
    pytest.param(Case("streams", "upgrade.from", "2.3", version="4.1"), id="streams:upgrade_from_2.3_in_4.1"),
    pytest.param(
        Case("streams", "upgrade.from", "2.3", version="4.2", kind="removed-value"),
        id="streams:upgrade_from_2.3_dropped_in_4.2",
    ),
    pytest.param(Case("streams", "upgrade.from", "4.2", version="4.0", kind="enum"), id="streams:upgrade_from_future"),
    # The Scala broker's topic ConfigDef (kafka.log.LogConfig) of 3.0-3.2 allowed 0; 3.3 has the 4.x minimum.
    pytest.param(Case("topic", "segment.index.bytes", "0", version="3.2"), id="topic:segment_index_bytes_0_in_3.2"),
    pytest.param(
        Case(
            "topic",
            "segment.index.bytes",
            "0",
            version="3.3",
            kind="range",
            message="Invalid value 0 for configuration segment.index.bytes: Value must be at least 4",
        ),
        id="topic:segment_index_bytes_0_from_3.3",
    ),
    pytest.param(Case("topic", "flush.messages", "0", version="3.0"), id="topic:flush_messages_0_in_3.0"),
    pytest.param(Case("topic", "flush.messages", "0", version="3.3", kind="range"), id="topic:flush_messages_0_3.3"),
    # StreamsConfig 3.0.0-3.2.0 lists 0.10.0-2.3 only; 3.3.0 adds 2.4-3.2; 3.6.0 lacks 3.5 (3.7.0 has it).
    pytest.param(
        Case(
            "streams",
            "upgrade.from",
            "2.4",
            version="3.2",
            kind="enum",
            message="Invalid value 2.4 for configuration upgrade.from: String must be one of: "
            "null, 0.10.0, 0.10.1, 0.10.2, 0.11.0, 1.0, 1.1, 2.0, 2.1, 2.2, 2.3",
        ),
        id="streams:upgrade_from_2.4_before_3.3",
    ),
    pytest.param(Case("streams", "upgrade.from", "3.2", version="3.3"), id="streams:upgrade_from_3.2_in_3.3"),
    pytest.param(
        Case("streams", "upgrade.from", "3.5", version="3.6", kind="enum"), id="streams:upgrade_from_3.5_not_in_3.6.0"
    ),
    pytest.param(Case("streams", "upgrade.from", "3.5", version="3.7"), id="streams:upgrade_from_3.5_in_3.7"),
    pytest.param(
        Case(
            "producer",
            "partitioner.class",
            "org.apache.kafka.clients.producer.internals.DefaultPartitioner",
            kind="removed-value",
            message="Invalid value org.apache.kafka.clients.producer.internals.DefaultPartitioner for configuration "
            "partitioner.class: Class org.apache.kafka.clients.producer.internals.DefaultPartitioner could not be "
            "found.",
        ),
        id="producer:default_partitioner_removed_4.0",
    ),
    pytest.param(
        Case(
            "producer",
            "partitioner.class",
            "org.apache.kafka.clients.producer.UniformStickyPartitioner",
            version="3.3",
            kind="deprecated-value",
        ),
        id="producer:uniform_sticky_deprecated_3.3",
    ),
    pytest.param(
        Case(
            "producer",
            "partitioner.class",
            "not a class",
            kind="type",
            message="Invalid value not a class for configuration partitioner.class: Class not a class could not "
            "be found.",
        ),
        id="producer:class_name_syntax",
    ),
]


@pytest.mark.parametrize("case", VALUE_CASES)
def test_value(case: Case) -> None:
    problem = check_value(info(case.section, case.key, case.version), case.value, case.version)
    if case.kind is None:
        assert problem is None
        return
    assert problem is not None
    assert problem.kind == case.kind
    if case.message is not None:
        assert problem.message == case.message


@pytest.mark.parametrize("value", ["exactly_once", "exactly_once_beta"])
def test_processing_guarantee_old_eos_deprecated_in_3x_removed_in_4x(value: str) -> None:
    pg = info("streams", "processing.guarantee")
    warning = check_value(pg, value, "3.9")
    assert warning is not None and warning.kind == "deprecated-value" and warning.level == "warning"
    for version in ("4.0", "4.3"):
        error = check_value(pg, value, version)
        assert error is not None and error.kind == "removed-value" and error.level == "error"
        assert error.message == (
            f"Invalid value {value} for configuration processing.guarantee: "
            "String must be one of: at_least_once, exactly_once_v2"
        )
        assert error.hint is not None and "exactly_once_v2" in error.hint
    assert check_value(pg, "exactly_once_v2", "3.0") is None
    assert check_value(pg, "exactly_once_v2") is None


def test_cache_max_bytes_buffering_deprecated_since_3_4_and_still_accepted() -> None:
    cache = info("streams", "cache.max.bytes.buffering")
    assert cache.removed is None  # the reference lists it up to 4.3.1
    assert key_status(cache, "3.3") is None
    for version in ("3.4", "4.0", "4.3"):
        status = key_status(cache, version)
        assert status is not None and status.kind == "deprecated-key" and status.level == "warning"
        assert "statestore.cache.max.bytes" in status.message
    assert [p.kind for p in problems(cache, "-1")] == ["range", "deprecated-key"]


def test_max_poll_records_belongs_to_consumer() -> None:
    assert lookup("producer", "max.poll.records") is None
    assert info("consumer", "max.poll.records").type == "int"
    assert sections_of("max.poll.records") == ("consumer", "streams")
    assert sections_of("acks") == ("producer", "streams")
    assert sections_of("retention.ms") == ("topic",)
    assert sections_of("no.such.key") == ()


@pytest.mark.parametrize(
    ("section", "typo", "expected"),
    [
        ("producer", "bootstrap.server", "bootstrap.servers"),
        ("consumer", "bootstrap.server", "bootstrap.servers"),
        ("admin", "bootstrap.server", "bootstrap.servers"),
        ("streams", "bootstrap.server", "bootstrap.servers"),
        ("consumer", "sasl.jass.config", "sasl.jaas.config"),
        ("producer", "acsk", "acks"),
        ("producer", "BOOTSTRAP.SERVERS", "bootstrap.servers"),
        ("streams", "producer.lingr.ms", "producer.linger.ms"),
        ("topic", "retention.msx", "retention.ms"),
    ],
)
def test_suggest(section: str, typo: str, expected: str) -> None:
    assert suggest(section, typo) == expected


def test_suggest_nothing_for_known_or_far_keys() -> None:
    assert suggest("producer", "acks") is None
    assert suggest("producer", "schema.registry.url") is None


def test_streams_prefixes_resolve_to_the_client_or_topic_key() -> None:
    linger = info("streams", "producer.linger.ms")
    assert linger.name == "linger.ms" and linger.origin == "producer"
    assert check_value(linger, "-1") is not None
    for prefix in ("consumer.", "main.consumer.", "restore.consumer.", "global.consumer."):
        assert info("streams", prefix + "max.poll.records").origin == "consumer"
    assert info("streams", "admin.retries").origin == "admin"
    assert info("streams", "topic.retention.ms").origin == "topic"
    assert info("streams", "producer.ssl.keystore.location").origin == "common"
    assert lookup("streams", "consumer.linger.ms") is None
    assert lookup("streams", "topic.retention.msx") is None
    assert lookup("producer", "producer.linger.ms") is None


def test_streams_passes_unprefixed_client_keys_through() -> None:
    assert info("streams", "linger.ms").origin == "producer"
    assert info("streams", "max.poll.records").origin == "consumer"
    assert info("streams", "ssl.truststore.location").origin == "common"
    assert info("streams", "request.timeout.ms").default == "40000"  # Streams' own definition wins


def test_streams_retries_moved_to_the_clients_in_4_0() -> None:
    old = info("streams", "retries", "3.9")
    assert old.origin == "streams" and key_status(old, "3.9") is not None
    assert info("streams", "retries").origin == "producer"


def test_topic_typo_is_unknown() -> None:
    assert lookup("topic", "retention.msx") is None
    assert lookup("topic", "retention.ms") is not None


@pytest.mark.parametrize(
    ("section", "key", "version", "kind", "level"),
    [
        ("consumer", "group.protocol", "3.6", "not-yet-added", "warning"),
        ("consumer", "group.protocol", "3.7", None, None),
        ("topic", "remote.log.copy.disable", "3.8", "not-yet-added", "error"),
        ("topic", "message.format.version", "4.0", "removed-key", "error"),
        ("topic", "message.format.version", "3.9", "deprecated-key", "warning"),
        ("producer", "auto.include.jmx.reporter", "4.0", "removed-key", "warning"),
        ("producer", "auto.include.jmx.reporter", "3.3", "not-yet-added", "warning"),
        ("consumer", "internal.leave.group.on.close", "4.2", "removed-key", "warning"),
        ("producer", "config.providers", "3.0", None, None),
    ],
)
def test_key_status(section: str, key: str, version: str, kind: str | None, level: str | None) -> None:
    status = key_status(info(section, key), version)
    assert (status.kind if status else None) == kind
    assert (status.level if status else None) == level


def test_removed_topic_key_uses_the_broker_message() -> None:
    status = check_value(info("topic", "message.downconversion.enable"), "true", "4.0")
    assert status is not None
    assert status.message == "Unknown topic config name: message.downconversion.enable"


def test_dynamic_families() -> None:
    assert info("producer", "metrics.context.env").type == "string"
    assert info("consumer", "config.providers.vault.class").type == "class"
    assert info("admin", "config.providers.vault.param.path").name == "config.providers.vault.param.path"
    assert info("streams", "client.tag.zone").origin == "dynamic"
    assert lookup("producer", "client.tag.zone") is None
    assert lookup("topic", "metrics.context.env") is None


def test_streams_forced_client_settings() -> None:
    forced = streams_forced("consumer.enable.auto.commit")
    assert forced is not None and forced.value == "false" and forced.when == "always"
    assert streams_forced("enable.auto.commit") == forced
    assert streams_forced("main.consumer.group.protocol", "3.9") is None
    assert streams_forced("main.consumer.group.protocol", "4.0") is not None
    assert streams_forced("group.protocol") is None  # the Streams key itself (4.1+)
    idempotence = streams_forced("producer.enable.idempotence")
    assert idempotence is not None and idempotence.when == "exactly_once"
    assert streams_forced("producer.linger.ms") is None


def test_defaults_are_valid_in_their_versions() -> None:
    for section in SECTIONS:
        for name in catalog.known_keys(section):
            key = info(section, name)
            for version in KNOWN_VERSIONS:
                default = key.default_at(version)
                if default is None or not key.present_in(version) or "getDefaultAlgorithm" in default:
                    continue
                if key.checked_at_construction(version):  # e.g. 3.x bootstrap.servers: "" must be replaced
                    continue
                problem = check_value(key, default, version)
                assert problem is None or problem.level == "warning", (section, name, version, problem)


def test_required_per_version() -> None:
    """A key without a default in one version may have one in another (the history's "required" marker)."""
    admin = info("admin", "bootstrap.servers")
    assert admin.required_at("3.6") and not admin.required_at("3.7")  # "" since 3.7 (bootstrap.controllers)
    assert admin.default_at("3.6") is None and admin.default_at("3.7") == ""
    producer = info("producer", "bootstrap.servers")
    assert not producer.required_at("4.1") and producer.default_at("4.1") == ""
    assert producer.required_at("4.2") and producer.required_at()
    assert info("producer", "key.serializer").required_at("3.0")  # no history: required throughout
    assert not info("producer", "acks").required_at("3.0")


def test_every_validator_form_parses() -> None:
    raw = json.loads((files("compiler") / "data" / "kafka-catalog.json").read_text(encoding="utf-8"))
    kinds = set()
    for rows in raw["keys"].values():
        for entry in rows.values():
            for text in [entry["valid"], *(step[1] for step in entry.get("valid_history", []))]:
                kinds.add(catalog.parse_validator(text).kind)
    assert kinds == {
        "none",
        "non-null",
        "non-empty-string",
        "range",
        "enum",
        "list",
        "list-size",
        "throttled-replicas",
        "metadata-version",
        "auto-offset-reset",
        "topology-optimization",
    }
    with pytest.raises(ValueError):
        catalog.parse_validator("something new")


def test_versions() -> None:
    raw = json.loads((files("compiler") / "data" / "kafka-catalog.json").read_text(encoding="utf-8"))
    assert tuple(raw["versions"]) == KNOWN_VERSIONS and raw["latest"] == LATEST == "4.3"
    assert catalog.parse_version("3.9") < catalog.parse_version("4.0") < catalog.parse_version("4.3.1")
    assert catalog.parse_version("3.10") > catalog.parse_version("3.9")
    with pytest.raises(ValueError):
        catalog.parse_version("latest")
    with pytest.raises(ValueError):
        lookup("connect", "acks")


def _tsv_rows() -> list[dict[str, str]]:
    if not TSV.exists():
        return []
    with TSV.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


SCOPE_SECTIONS = {
    "common": ("admin", "consumer", "producer", "streams"),
    "producer": ("producer", "streams"),
    "consumer": ("consumer", "streams"),
    "admin": ("admin", "streams"),
    "streams": ("streams",),
    "topic": ("topic",),
}
STREAMS_PREFIX_OF = {"producer": "producer.", "consumer": "consumer.", "admin": "admin.", "topic": "topic."}


@needs_reference
@pytest.mark.parametrize("row", _tsv_rows(), ids=lambda r: f"{r['scope']}:{r['name']}")
def test_every_tsv_row_is_known_in_its_scopes(row: dict[str, str]) -> None:
    scope, name = row["scope"], row["name"]
    for section in SCOPE_SECTIONS[scope]:
        assert lookup(section, name) is not None, section
        assert section in sections_of(name)
    for target, prefix in STREAMS_PREFIX_OF.items():
        if scope == target or (scope == "common" and target != "topic"):
            assert lookup("streams", prefix + name) is not None
    if scope == "common":
        candidates = [lookup(s, name) for s in ("admin", "consumer", "producer")]
    else:
        candidates = [catalog._catalog().rows[scope][name]]
    for key in candidates:
        assert key is not None and key.type == row["type"]


@needs_reference
def test_committed_catalog_matches_the_reference() -> None:
    spec = importlib.util.spec_from_file_location("build_catalog", REPO / "tools" / "build_catalog.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    expected = module.render(module.build(REFERENCE))
    committed = (REPO / "compiler" / "data" / "kafka-catalog.json").read_text(encoding="utf-8")
    assert committed == expected, f"stale catalog; regenerate with: python tools/build_catalog.py {REFERENCE}"
