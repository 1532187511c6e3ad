"""compiler.jaas at its own interface: sasl.jaas.config read as Kafka's JaasConfig reads it."""

from __future__ import annotations

import pytest

from compiler.jaas import JaasEntry, parse_jaas


@pytest.mark.parametrize(
    "text",
    [
        'org.apache.kafka.common.security.plain.PlainLoginModule required username="a" password="b";',
        "org.apache.kafka.common.security.plain.PlainLoginModule REQUIRED username=a password='b';",
        "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;",
        'com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true keyTab="/etc/k.keytab";',
        '/* comment */ x.Y optional key="v"; // trailing',
    ],
)
def test_jaas_entries_kafka_accepts(text: str) -> None:
    assert isinstance(parse_jaas(text), JaasEntry)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('x.Y required a="b"', "end with ';'"),
        ('x.Y mandatory a="b";', "control flag"),
        ("x.Y required password=12345;", "option 1"),
        ("x.Y required keyTab=/etc/k.keytab;", "option 1"),
        ('x.Y required a="b"; x.Z required;', "2 login module entries"),
        ("x.Y", "control flag"),
        ("", "no login module"),
    ],
)
def test_jaas_entries_kafka_rejects(text: str, reason: str) -> None:
    result = parse_jaas(text)
    assert isinstance(result, str) and reason in result


def test_jaas_structure_from_a_placeholder_is_not_judged() -> None:
    assert parse_jaas("${KAFKA_JAAS_CONFIG}") is None
    assert parse_jaas("x.Y required password=${KAFKA_PASSWORD};") is None
