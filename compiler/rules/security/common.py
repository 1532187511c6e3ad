"""What the security rules share: the protocols and SASL mechanisms Kafka knows, and reading a client's
effective security settings."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from compiler.patterns import lazy
from compiler.rules.base import (
    Check,
    Context,
    Finding,
    per_client,
)

SASL_PROTOCOLS = ("SASL_PLAINTEXT", "SASL_SSL")
SSL_PROTOCOLS = ("SSL", "SASL_SSL")
PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
KAFKA_DEFAULT_MECHANISM = "GSSAPI"
_MECHANISM_FAMILY = {
    "PLAIN": "PLAIN",
    "SCRAM-SHA-256": "SCRAM",
    "SCRAM-SHA-512": "SCRAM",
    "OAUTHBEARER": "OAUTHBEARER",
    "GSSAPI": "GSSAPI",
}
_MODULE_FAMILY = {
    "org.apache.kafka.common.security.plain.PlainLoginModule": "PLAIN",
    "org.apache.kafka.common.security.scram.ScramLoginModule": "SCRAM",
    "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule": "OAUTHBEARER",
    "com.sun.security.auth.module.Krb5LoginModule": "GSSAPI",
    "com.ibm.security.auth.module.Krb5LoginModule": "GSSAPI",
}
_FAMILY_MODULE = {
    "PLAIN": "org.apache.kafka.common.security.plain.PlainLoginModule",
    "SCRAM": "org.apache.kafka.common.security.scram.ScramLoginModule",
    "OAUTHBEARER": "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule",
    "GSSAPI": "com.sun.security.auth.module.Krb5LoginModule",
}
_PKCS12_SUFFIXES = (".p12", ".pfx", ".pkcs12")
_OPTION_NAME = lazy(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


def _runtime(value: str) -> bool:
    return "${" in value


def _value(props: dict[str, str], key: str) -> str | None:
    """A property's value, trimmed as Kafka trims it; None when unset."""
    value = props.get(key)
    return None if value is None else value.strip()


def _given(props: dict[str, str], key: str) -> bool:
    return bool(_value(props, key))


def protocol(props: dict[str, str]) -> str | None:
    """The effective security.protocol (Kafka's default PLAINTEXT), None if unknown until run time."""
    value = _value(props, "security.protocol")
    if value is None:
        return "PLAINTEXT"
    if _runtime(value) or value.upper() not in PROTOCOLS:
        return None
    return value.upper()


def _protocol_text(ctx: Context, role: str, props: dict[str, str]) -> str:
    if "security.protocol" not in props:
        return "security.protocol is not set (Kafka's default is PLAINTEXT)"
    _, origin = ctx.client_origin(role, "security.protocol")
    where = f" ({origin})" if origin else ""
    return f"security.protocol is {props['security.protocol'].strip()}{where}"


def _at(ctx: Context, role: str, key: str, message: str, level: str | None = None) -> Finding:
    path, _ = ctx.client_origin(role, key)
    return Finding(path, message, level)


def _per_client(fn: Callable[[Context, str, dict[str, str]], Iterable[Finding]]) -> Check:
    return per_client(lambda client: fn(client.ctx, client.role, client.props))


_SASL_SSL = """kestra:
  kafka:
    client:
      properties:
        bootstrap.servers: "kafka:9093"
        security.protocol: SASL_SSL
"""
_SCRAM = _SASL_SSL + "        sasl.mechanism: SCRAM-SHA-512\n"
_SCRAM_JAAS = (
    "        sasl.jaas.config: 'org.apache.kafka.common.security.scram.ScramLoginModule required "
    'username="${KAFKA_USERNAME}" password="${KAFKA_PASSWORD}";\'\n'
)
_SSL = """kestra:
  kafka:
    client:
      properties:
        bootstrap.servers: "kafka:9093"
        security.protocol: SSL
"""
