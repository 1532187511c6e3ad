"""compiler.catalog.classes: the class names of Kafka's packages per version, from the real jars."""

from __future__ import annotations

import pytest

from compiler.catalog.classes import classes_of, missing_class


def test_a_class_kafka_has_and_a_users_own_class_are_loadable() -> None:
    assert missing_class("org.apache.kafka.clients.producer.RoundRobinPartitioner", "4.3") is None
    assert missing_class("com.example.kafka.AuditInterceptor", "4.3") is None  # on the user's classpath


@pytest.mark.parametrize(
    ("name", "version", "why"),
    [
        (
            "org.apache.kafka.clients.producer.RoundRobinPartitionr",
            "4.3",
            "no such class in Kafka 4.3; did you mean org.apache.kafka.clients.producer.RoundRobinPartitioner?",
        ),
        # a wrong package: the simple name finds the class
        (
            "org.apache.kafka.common.securty.plain.PlainLoginModule",
            "4.3",
            "no such class in Kafka 4.3; did you mean org.apache.kafka.common.security.plain.PlainLoginModule?",
        ),
        # nothing close: no suggestion rather than an unrelated class of the same package
        ("org.apache.kafka.clients.producer.Nope", "4.3", "no such class in Kafka 4.3"),
        (
            "org.apache.kafka.clients.producer.internals.DefaultPartitioner",
            "4.0",
            "it is not in Kafka 4.0 (its last version with it: 3.9)",
        ),
        (
            "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
            "3.4",
            "it is not in Kafka 3.4 (it arrived in Kafka 3.5)",
        ),
    ],
)
def test_a_missing_class_says_why(name: str, version: str, why: str) -> None:
    assert missing_class(name, version) == why


def test_the_list_follows_each_version() -> None:
    assert "org.apache.kafka.common.config.provider.EnvVarConfigProvider" in classes_of("3.5")
    assert "org.apache.kafka.common.config.provider.EnvVarConfigProvider" not in classes_of("3.4")
    assert len(classes_of("4.3")) > 1000
