"""Kestra's admin properties (Java client properties) translated for librdkafka, without a cluster."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from compiler.errors import ClusterError
from compiler.live.connection import fill, read_properties, translate

SCRAM = 'org.apache.kafka.common.security.scram.ScramLoginModule required username="kestra" password="{p}";'
PLAIN = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="kestra" password="{p}";'


def sasl(mechanism: str, jaas: str, **more: str) -> dict[str, str]:
    return {
        "bootstrap.servers": "b1:9093, b2:9093",
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": mechanism,
        "sasl.jaas.config": jaas,
        **more,
    }


def refused(properties: dict[str, str], env: dict[str, str] | None = None) -> str:
    with pytest.raises(ClusterError) as error:
        translate(properties, env or {})
    return error.value.message


def test_scram_from_the_jaas_config_with_the_password_from_the_environment() -> None:
    conn = translate(sasl("SCRAM-SHA-512", SCRAM.format(p="${KAFKA_PASSWORD}")), {"KAFKA_PASSWORD": "s3cret-pw"})
    assert conn.settings["sasl.username"] == "kestra" and conn.settings["sasl.password"] == "s3cret-pw"
    assert conn.settings["sasl.mechanism"] == "SCRAM-SHA-512"
    assert conn.settings["ssl.ca.location"] == "probe"  # Java's cacerts -> the system's CA certificates
    assert conn.bootstrap == "b1:9093,b2:9093"
    assert "s3cret-pw" in conn.secrets


def test_plain_and_a_missing_variable_named() -> None:
    conn = translate(sasl("PLAIN", PLAIN.format(p="pw-1234")), {})
    assert conn.settings["sasl.password"] == "pw-1234"
    message = refused(sasl("PLAIN", PLAIN.format(p="${KAFKA_PASSWORD}")))
    assert "environment variables that are not set: KAFKA_PASSWORD (sasl.jaas.config)" in message


def test_micronaut_maps_a_property_name_to_a_variable() -> None:
    assert fill("${kafka.password}", {"KAFKA_PASSWORD": "x"}) == ("x", [])
    assert fill("${A:b:c}", {}) == ("c", [])
    assert fill("${A:b:c}", {"B": "from-b"}) == ("from-b", [])
    assert fill("${A}", {}) == ("", ["A"])


def test_oauthbearer_client_credentials() -> None:
    jaas = (
        "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required "
        'clientId="kkc" clientSecret="oauth-secret-1" scope="kafka";'
    )
    properties = sasl(
        "OAUTHBEARER",
        jaas,
        **{
            "sasl.oauthbearer.token.endpoint.url": "https://idp.example/token",
            "sasl.login.callback.handler.class": "org.apache.kafka.common.security.oauthbearer."
            "OAuthBearerLoginCallbackHandler",
        },
    )
    conn = translate(properties, {})
    assert conn.settings["sasl.oauthbearer.method"] == "oidc"
    assert conn.settings["sasl.oauthbearer.client.id"] == "kkc"
    assert conn.settings["sasl.oauthbearer.scope"] == "kafka"
    assert "oauth-secret-1" in conn.secrets


def test_what_needs_the_jvm_is_refused_with_what_to_pass_instead() -> None:
    custom = sasl("PLAIN", PLAIN.format(p="pw-1234"), **{"sasl.login.callback.handler.class": "com.acme.Handler"})
    assert "custom callback handler" in refused(custom) and "--command-config FILE" in refused(custom)
    kerberos = {"bootstrap.servers": "b:1", "security.protocol": "SASL_PLAINTEXT"}
    assert "GSSAPI (Kerberos" in refused(kerberos)
    wrong_module = sasl("SCRAM-SHA-256", PLAIN.format(p="pw-1234"))
    assert "not ScramLoginModule" in refused(wrong_module)
    assert "bootstrap.servers is not set" in refused({"security.protocol": "PLAINTEXT"})


def test_stores(tmp_path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kafka-ca")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    pem = tmp_path / "ca.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    p12 = tmp_path / "truststore.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            None, None, None, [cert], serialization.BestAvailableEncryption(b"store-pw-9")
        )
    )
    jks = tmp_path / "truststore.jks"
    jks.write_bytes(b"\xfe\xed\xfe\xed" + b"\x00" * 32)
    base = {"bootstrap.servers": "b:9093", "security.protocol": "SSL"}

    as_pem = translate({**base, "ssl.truststore.type": "PEM", "ssl.truststore.location": str(pem)}, {})
    assert as_pem.settings["ssl.ca.location"] == str(pem)
    as_p12 = translate(
        {**base, "ssl.truststore.location": str(p12), "ssl.truststore.password": "store-pw-9"}, {}
    )  # type JKS (Java's default) but PKCS12 inside: read as PKCS12, as Java 9+ does
    assert as_p12.settings["ssl.ca.pem"].startswith("-----BEGIN CERTIFICATE-----")
    assert "store-pw-9" in as_p12.secrets
    message = refused({**base, "ssl.truststore.location": str(jks), "ssl.truststore.password": "store-pw-9"})
    assert "is a JKS truststore, which librdkafka cannot read" in message and "PKCS12" in message
    assert "store-pw-9" not in message
    keystore = translate(
        {**base, "ssl.keystore.type": "PKCS12", "ssl.keystore.location": str(p12), "ssl.keystore.password": "k-pw"}, {}
    )
    assert keystore.settings["ssl.keystore.location"] == str(p12)
    assert "not a file on this machine" in refused({**base, "ssl.truststore.location": "/nowhere/ts.p12"})
    empty = translate({**base, "ssl.endpoint.identification.algorithm": ""}, {})
    assert empty.settings["ssl.endpoint.identification.algorithm"] == "none"


def test_command_config_overrides_and_bootstrap(tmp_path: Path) -> None:
    file = tmp_path / "admin.properties"
    file.write_text("sasl.jaas.config=" + SCRAM.format(p="from-file-pw") + "\n", encoding="latin-1")
    overlay = read_properties(file)
    conn = translate(sasl("SCRAM-SHA-256", SCRAM.format(p="${UNSET}")), {}, bootstrap="localhost:1", overlay=overlay)
    assert conn.settings["sasl.password"] == "from-file-pw" and conn.bootstrap == "localhost:1"
    with pytest.raises(ClusterError, match="--command-config"):
        read_properties(tmp_path / "missing.properties")
