"""Security rules as a user meets them: `kkc validate` on small Kestra configs and .properties files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compiler.rules import REGISTRY
from tests.conftest import REPO, kkc
from tests.rules.helpers import family_validator, only

FAMILY = {r.id for r in REGISTRY.values() if r.family == "security"}
SECRET = "s3cr3t-Hunter2"


validate = family_validator("security")


def props(*lines: str, head: str = "") -> str:
    body = "".join(f"        {line}\n" for line in lines)
    return f'{head}kestra:\n  kafka:\n    client:\n      properties:\n        bootstrap.servers: "kafka:9093"\n{body}'


SCRAM_JAAS = (
    "sasl.jaas.config: 'org.apache.kafka.common.security.scram.ScramLoginModule required "
    'username="${KAFKA_USERNAME}" password="${KAFKA_PASSWORD}";\''
)


def test_example_conf_is_clean_of_security_warnings_and_errors() -> None:
    run = kkc("validate", "--all", "--format", "json", cwd=REPO)
    found = [d for d in json.loads(run.out)["diagnostics"] if d["rule"] in FAMILY]
    assert found == []


def test_the_doc_page_ssl_example_gets_hostname_and_literal_secret_warnings(tmp_path: Path) -> None:
    text = props(
        'security.protocol: "SSL"',
        'ssl.endpoint.identification.algorithm: ""',
        f'ssl.key.password: "{SECRET}"',
        'ssl.keystore.location: "/etc/ssl/private/keystore.p12"',
        f'ssl.keystore.password: "{SECRET}"',
        'ssl.keystore.type: "PKCS12"',
        'ssl.truststore.location: "/etc/ssl/private/truststore.jks"',
        f'ssl.truststore.password: "{SECRET}"',
    )
    code, found = validate(tmp_path, text)
    assert code == 0
    [hostname] = only(found, "ssl-hostname-verification-disabled")
    assert hostname["level"] == "warning"
    assert (hostname["line"], hostname["column"]) == (7, 9)
    assert "https" in hostname["message"]
    secrets = only(found, "literal-secret")
    assert [(d["line"], d["key"].rsplit(".", 2)[-2:]) for d in secrets] == [
        (8, ["key", "password"]),
        (10, ["keystore", "password"]),
        (13, ["truststore", "password"]),
    ]
    assert all(d["level"] == "warning" and "(value hidden)" in d["message"] for d in secrets)
    assert "${KAFKA_SSL_TRUSTSTORE_PASSWORD}" in secrets[2]["message"]
    assert not any(SECRET in d["message"] for d in found)
    assert {d["rule"] for d in found} == {"ssl-hostname-verification-disabled", "literal-secret"}


def test_keystore_without_password_is_one_error_for_every_client(tmp_path: Path) -> None:
    text = props(
        "security.protocol: SSL", 'ssl.keystore.location: "/etc/ssl/keystore.p12"', "ssl.keystore.type: PKCS12"
    )
    code, found = validate(tmp_path, text)
    assert code == 1
    [error] = only(found, "ssl-keystore-password-missing")
    assert error["level"] == "error"
    assert error["key"] == "kestra.kafka.client.properties.ssl.keystore.location"
    assert (error["line"], error["column"]) == (7, 9)
    assert "PKCS12 keystore" in error["message"] and "(for the" not in error["message"]


def test_store_conflicts_kafka_rejects(tmp_path: Path) -> None:
    text = props(
        "security.protocol: SSL",
        'ssl.keystore.password: "${KAFKA_KEYSTORE_PASSWORD}"',
        'ssl.truststore.certificates: "${KAFKA_CA_PEM}"',
    )
    _, found = validate(tmp_path, text)
    messages = sorted(d["message"] for d in only(found, "ssl-store-conflict"))
    assert len(messages) == 2
    assert "without ssl.keystore.location" in messages[0]
    assert "ssl.truststore.certificates needs ssl.truststore.type=PEM, not JKS" in messages[1]


def test_truststore_password_is_optional_for_jks_but_not_for_pkcs12(tmp_path: Path) -> None:
    _, jks = validate(tmp_path, props("security.protocol: SSL", 'ssl.truststore.location: "/etc/ssl/ts.jks"'))
    assert jks == []
    _, p12 = validate(tmp_path, props("security.protocol: SSL", 'ssl.truststore.location: "/etc/ssl/ts.p12"'))
    [warning] = only(p12, "ssl-truststore-password-missing")
    assert warning["level"] == "warning" and "PKCS12" in warning["message"]


def test_key_password_without_keystore_is_ignored_by_kafka(tmp_path: Path) -> None:
    _, found = validate(tmp_path, props("security.protocol: SSL", 'ssl.key.password: "${KAFKA_KEY_PASSWORD}"'))
    [warning] = only(found, "ssl-key-password-ignored")
    assert warning["level"] == "warning" and "ignores it" in warning["message"]


def test_ssl_settings_without_ssl_protocol_are_listed_once(tmp_path: Path) -> None:
    text = props('ssl.truststore.location: "/etc/ssl/ts.jks"', 'ssl.truststore.password: "${P}"')
    code, found = validate(tmp_path, text)
    assert code == 0
    [warning] = only(found, "security-settings-ignored")
    assert "security.protocol is not set (Kafka's default is PLAINTEXT)" in warning["message"]
    assert "ssl.truststore.location, ssl.truststore.password" in warning["message"]
    assert warning["line"] == 6


def test_a_role_override_is_named_in_the_message(tmp_path: Path) -> None:
    text = props("security.protocol: SASL_SSL", "sasl.mechanism: SCRAM-SHA-512", SCRAM_JAAS) + (
        "    defaults:\n      consumer:\n        properties:\n          security.protocol: SSL\n"
    )
    _, found = validate(tmp_path, text)
    [warning] = only(found, "security-settings-ignored")
    assert warning["message"].endswith("(for the consumer client)")
    assert "security.protocol is SSL (kestra.yml:12:11)" in warning["message"]


def test_sasl_without_jaas_config_is_an_error_naming_the_login_module(tmp_path: Path) -> None:
    code, found = validate(tmp_path, props("security.protocol: SASL_SSL", "sasl.mechanism: SCRAM-SHA-512"))
    assert code == 1
    [error] = only(found, "sasl-jaas-config-missing")
    assert error["key"].endswith("sasl.mechanism")
    assert "ScramLoginModule required" in error["message"]


def test_sasl_without_mechanism_or_jaas_warns_about_the_gssapi_default(tmp_path: Path) -> None:
    _, found = validate(tmp_path, props("security.protocol: SASL_SSL"))
    [warning] = only(found, "sasl-jaas-config-missing")
    assert warning["level"] == "warning" and "GSSAPI" in warning["message"]


def test_explicit_gssapi_may_use_the_jvm_jaas_file(tmp_path: Path) -> None:
    _, found = validate(tmp_path, props("security.protocol: SASL_SSL", "sasl.mechanism: GSSAPI"))
    assert only(found, "sasl-jaas-config-missing") == []


@pytest.mark.parametrize(
    ("mechanism", "message"),
    [('""', "sasl.mechanism is empty"), ("scram-sha-512", "must be written 'SCRAM-SHA-512'")],
)
def test_bad_mechanism(tmp_path: Path, mechanism: str, message: str) -> None:
    _, found = validate(tmp_path, props("security.protocol: SASL_SSL", f"sasl.mechanism: {mechanism}", SCRAM_JAAS))
    [error] = only(found, "sasl-mechanism-invalid")
    assert message in error["message"]


def test_jaas_without_trailing_semicolon_is_an_error_that_hides_the_value(tmp_path: Path) -> None:
    jaas = (
        "sasl.jaas.config: 'org.apache.kafka.common.security.scram.ScramLoginModule required "
        f'username="kestra" password="{SECRET}"\''
    )
    code, found = validate(tmp_path, props("security.protocol: SASL_SSL", "sasl.mechanism: SCRAM-SHA-512", jaas))
    assert code == 1
    [error] = only(found, "sasl-jaas-config-malformed")
    assert "end with ';'" in error["message"] and "(value hidden)" in error["message"]
    [literal] = only(found, "literal-secret")
    assert "literal password" in literal["message"]
    assert not any(SECRET in d["message"] for d in found)


def test_plain_login_module_with_scram_is_an_error(tmp_path: Path) -> None:
    jaas = SCRAM_JAAS.replace("scram.ScramLoginModule", "plain.PlainLoginModule")
    _, found = validate(tmp_path, props("security.protocol: SASL_SSL", "sasl.mechanism: SCRAM-SHA-512", jaas))
    [error] = only(found, "sasl-jaas-mechanism-mismatch")
    assert error["level"] == "error"
    assert "PlainLoginModule" in error["message"] and "ScramLoginModule" in error["message"]


def test_scram_login_module_with_plain_only_warns(tmp_path: Path) -> None:
    _, found = validate(tmp_path, props("security.protocol: SASL_SSL", "sasl.mechanism: PLAIN", SCRAM_JAAS))
    [warning] = only(found, "sasl-jaas-mechanism-mismatch")
    assert warning["level"] == "warning" and "works only because" in warning["message"]


def test_missing_jaas_credentials_suggest_the_option_name(tmp_path: Path) -> None:
    jaas = SCRAM_JAAS.replace("username=", "user_name=")
    _, found = validate(tmp_path, props("security.protocol: SASL_SSL", "sasl.mechanism: SCRAM-SHA-512", jaas))
    [error] = only(found, "sasl-jaas-credentials-missing")
    assert "'user_name' should be 'username'" in error["message"]


def test_plain_over_sasl_plaintext_warns_and_scram_only_informs(tmp_path: Path) -> None:
    plain = SCRAM_JAAS.replace("scram.ScramLoginModule", "plain.PlainLoginModule")
    _, found = validate(tmp_path, props("security.protocol: SASL_PLAINTEXT", "sasl.mechanism: PLAIN", plain))
    [warning] = only(found, "sasl-over-plaintext")
    assert warning["level"] == "warning" and "password in clear text" in warning["message"]
    _, found = validate(
        tmp_path, props("security.protocol: SASL_PLAINTEXT", "sasl.mechanism: SCRAM-SHA-512", SCRAM_JAAS)
    )
    [info] = only(found, "sasl-over-plaintext")
    assert info["level"] == "info" and "does not send the password" in info["message"]


def test_literal_secret_in_a_lower_layer_is_reported_where_it_was_written(tmp_path: Path) -> None:
    (tmp_path / "base.yml").write_text(props("security.protocol: SSL", f'ssl.truststore.password: "{SECRET}"'))
    (tmp_path / "over.yml").write_text(props('ssl.truststore.password: "${KAFKA_TRUSTSTORE_PASSWORD}"'))
    run = kkc("validate", "base.yml", "over.yml", "--format", "json", cwd=tmp_path)
    found = [d for d in json.loads(run.out)["diagnostics"] if d["rule"] == "literal-secret"]
    assert [(d["file"], d["line"]) for d in found] == [("base.yml", 7)]
    assert SECRET not in run.out


def test_placeholder_default_holding_a_secret_is_a_literal_secret(tmp_path: Path) -> None:
    text = props(
        "security.protocol: SSL", 'ssl.truststore.location: "/ts.jks"', 'ssl.truststore.password: "${P:changeit}"'
    )
    _, found = validate(tmp_path, text)
    [warning] = only(found, "literal-secret")
    assert "default of its run-time placeholder" in warning["message"] and "changeit" not in warning["message"]


def test_command_line_override_secret_is_not_a_committed_literal(tmp_path: Path) -> None:
    (tmp_path / "kestra.yml").write_text(props("security.protocol: SSL", 'ssl.truststore.location: "/ts.jks"'))
    run = kkc(
        "validate",
        "kestra.yml",
        f"++kestra.kafka.client.properties[ssl.truststore.password]={SECRET}",
        "--format",
        "json",
        cwd=tmp_path,
    )
    assert [d for d in json.loads(run.out)["diagnostics"] if d["rule"] == "literal-secret"] == []


def test_properties_file(tmp_path: Path) -> None:
    text = (
        "bootstrap.servers=kafka:9093\n"
        "security.protocol=SASL_SSL\n"
        "sasl.mechanism=PLAIN\n"
        "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required "
        'username="u" password="${P}"\n'
    )
    code, found = validate(tmp_path, text, "--as", "producer", name="client.properties")
    assert code == 1
    [error] = only(found, "sasl-jaas-config-malformed")
    assert (error["file"], error["line"], error["column"]) == ("client.properties", 4, 1)
    assert "(for the" not in error["message"]
