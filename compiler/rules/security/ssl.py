"""Security rules: SSL keystores and truststores Kafka's SSL engine rejects or ignores."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.rules.base import (
    Check,
    ClientFinding,
    Context,
    Finding,
    Rule,
    analysed_once,
    example,
    once_per_cause,
)
from compiler.rules.security.common import (
    _PKCS12_SUFFIXES,
    _SSL,
    SASL_PROTOCOLS,
    SSL_PROTOCOLS,
    _at,
    _given,
    _per_client,
    _protocol_text,
    _runtime,
    _value,
    protocol,
)


def _keystore(ctx: Context, role: str, props: dict[str, str]) -> Iterator[tuple[str, Finding]]:
    """(rule id, finding) for the keystore settings DefaultSslEngineFactory rejects or ignores."""
    ks_type = _value(props, "ssl.keystore.type") or "JKS"
    location = _given(props, "ssl.keystore.location")
    password = _given(props, "ssl.keystore.password") or "ssl.keystore.password" in props
    key_password = _given(props, "ssl.key.password")
    pem_key = _given(props, "ssl.keystore.key")
    chain = _given(props, "ssl.keystore.certificate.chain")
    pem = ks_type == "PEM"
    known_type = not _runtime(ks_type)
    conflict = "ssl-store-conflict"

    def hit(rule: str, key: str, message: str) -> tuple[str, Finding]:
        return rule, _at(ctx, role, key, message)

    if pem_key:
        if known_type and not pem:
            yield hit(conflict, "ssl.keystore.key", f"ssl.keystore.key needs ssl.keystore.type=PEM, not {ks_type}")
        elif not chain:
            yield hit(conflict, "ssl.keystore.key", "ssl.keystore.key is set without ssl.keystore.certificate.chain")
        elif location:
            yield hit(
                conflict,
                "ssl.keystore.location",
                "ssl.keystore.location and ssl.keystore.key are both set: Kafka takes one keystore, a file or PEM text",
            )
        elif password:
            yield hit(
                conflict,
                "ssl.keystore.password",
                "ssl.keystore.password cannot be used with a PEM key: Kafka rejects it; remove it "
                "(an encrypted PEM key takes ssl.key.password)",
            )
        return
    if chain:
        yield hit(
            conflict, "ssl.keystore.certificate.chain", "ssl.keystore.certificate.chain is set without ssl.keystore.key"
        )
        return
    if pem and location:
        if password:
            yield hit(
                conflict,
                "ssl.keystore.password",
                "a PEM keystore file takes no ssl.keystore.password: Kafka rejects it; remove it "
                "(an encrypted PEM key takes ssl.key.password)",
            )
        return  # an unencrypted PEM key needs no ssl.key.password (Kafka 4.x loads it)
    if password and not location:
        yield hit(
            conflict,
            "ssl.keystore.password",
            "ssl.keystore.password is set without ssl.keystore.location: Kafka rejects it "
            "(SSL key store is not specified, but key store password is specified); remove it or add the keystore",
        )
    elif location and not _given(props, "ssl.keystore.password"):
        what = "is empty" if "ssl.keystore.password" in props else "is not set"
        yield hit(
            "ssl-keystore-password-missing",
            "ssl.keystore.location",
            f"ssl.keystore.location is set but ssl.keystore.password {what}: Kafka needs the password of a "
            f"{ks_type} keystore and fails at start-up; set ssl.keystore.password, "
            'e.g. "${KAFKA_KEYSTORE_PASSWORD}"',
        )
    elif key_password and not location:
        yield hit(
            "ssl-key-password-ignored",
            "ssl.key.password",
            "ssl.key.password is set but there is no keystore (ssl.keystore.location or ssl.keystore.key): "
            "Kafka ignores it; remove it, or add the keystore it belongs to",
        )


def _truststore(ctx: Context, role: str, props: dict[str, str]) -> Iterator[tuple[str, Finding]]:
    ts_type = _value(props, "ssl.truststore.type") or "JKS"
    location_value = _value(props, "ssl.truststore.location") or ""
    password = _given(props, "ssl.truststore.password") or "ssl.truststore.password" in props
    certificates = _given(props, "ssl.truststore.certificates")
    known_type = not _runtime(ts_type)
    conflict = "ssl-store-conflict"

    def hit(rule: str, key: str, message: str) -> tuple[str, Finding]:
        return rule, _at(ctx, role, key, message)

    if certificates:
        if known_type and ts_type != "PEM":
            yield hit(
                conflict,
                "ssl.truststore.certificates",
                f"ssl.truststore.certificates needs ssl.truststore.type=PEM, not {ts_type}",
            )
        elif location_value:
            yield hit(
                conflict,
                "ssl.truststore.location",
                "ssl.truststore.location and ssl.truststore.certificates are both set: Kafka takes one truststore",
            )
        elif password:
            yield hit(
                conflict, "ssl.truststore.password", "a PEM truststore takes no ssl.truststore.password; remove it"
            )
        return
    if ts_type == "PEM" and location_value:
        if password:
            yield hit(
                conflict, "ssl.truststore.password", "a PEM truststore takes no ssl.truststore.password; remove it"
            )
        return
    if password and not location_value:
        yield hit(
            conflict,
            "ssl.truststore.password",
            "ssl.truststore.password is set without ssl.truststore.location: Kafka rejects it "
            "(SSL trust store is not specified, but trust store password is specified); "
            "remove it or add the truststore",
        )
        return
    pkcs12 = ts_type.upper() == "PKCS12" or (
        "ssl.truststore.type" not in props and location_value.lower().endswith(_PKCS12_SUFFIXES)
    )
    if location_value and pkcs12 and not _given(props, "ssl.truststore.password"):
        yield hit(
            "ssl-truststore-password-missing",
            "ssl.truststore.location",
            "a PKCS12 truststore without ssl.truststore.password: Java then skips the certificates that are "
            "encrypted in the file (keytool and openssl encrypt them by default), the truststore is empty and "
            "the TLS handshake fails; set ssl.truststore.password (a JKS truststore does not need one)",
        )


def _ssl_findings(ctx: Context, role: str, props: dict[str, str]) -> Iterator[tuple[str, Finding]]:
    if protocol(props) not in SSL_PROTOCOLS:
        return
    yield from _keystore(ctx, role, props)
    yield from _truststore(ctx, role, props)


def _ssl_analysis(ctx: Context) -> Iterator[tuple[str, ClientFinding]]:
    for client in ctx.clients():
        for rule_id, finding in _ssl_findings(ctx, client.role, client.props):
            yield rule_id, ClientFinding(client, finding)


_ssl_shared = analysed_once(_ssl_analysis)


def _ssl_rule(rule_id: str) -> Check:
    def check(ctx: Context) -> Iterator[Finding]:
        return once_per_cause(_ssl_shared(rule_id)(ctx), ctx.clients())

    return check


def _hostname_verification(ctx: Context, role: str, props: dict[str, str]) -> Iterator[Finding]:
    key = "ssl.endpoint.identification.algorithm"
    path, _ = ctx.client_origin(role, key)
    # a YAML null (key with no value) leaves Kafka's default https in place; only "" turns it off
    if protocol(props) in SSL_PROTOCOLS and props.get(key, "x").strip() == "" and ctx.get(path) is not None:
        yield _at(
            ctx,
            role,
            "ssl.endpoint.identification.algorithm",
            "an empty ssl.endpoint.identification.algorithm turns off the check that the broker's certificate "
            "matches its host name (the doc page's SSL example does this), so anyone holding a certificate your "
            "truststore trusts can impersonate the brokers; remove the key (Kafka's default is https) and give "
            "the brokers certificates that name their hosts",
        )


def _ignored(ctx: Context, role: str, props: dict[str, str]) -> Iterator[Finding]:
    current = protocol(props)
    if current is None:
        return
    for prefix, active, fix in (
        ("ssl.", SSL_PROTOCOLS, "SSL or SASL_SSL"),
        ("sasl.", SASL_PROTOCOLS, "SASL_SSL or SASL_PLAINTEXT"),
    ):
        if current in active:
            continue
        keys = sorted(k for k in props if k.startswith(prefix))
        if not keys:
            continue
        yield _at(
            ctx,
            role,
            keys[0],
            f"{_protocol_text(ctx, role, props)}, so Kafka ignores these {prefix}* settings: {', '.join(keys)}; "
            f"set security.protocol to {fix} if the brokers expect it, else remove them",
        )


RULES: tuple[Rule, ...] = (
    Rule(
        id="ssl-keystore-password-missing",
        family="security",
        level="error",
        summary="A keystore file (JKS or PKCS12) without ssl.keystore.password: Kafka fails at start-up",
        why="A JKS or PKCS12 keystore file cannot be opened without its password, so with SSL or SASL_SSL the Kafka "
        "client fails at start-up when it loads the keystore. Error.",
        check=_ssl_rule("ssl-keystore-password-missing"),
        failing=example(
            _SSL + '        ssl.keystore.location: "/etc/ssl/keystore.p12"\n        ssl.keystore.type: PKCS12\n'
        ),
        passing=example(
            _SSL + '        ssl.keystore.location: "/etc/ssl/keystore.p12"\n'
            '        ssl.keystore.password: "${KAFKA_KEYSTORE_PASSWORD}"\n'
        ),
    ),
    Rule(
        id="ssl-store-conflict",
        family="security",
        level="error",
        summary="Keystore/truststore settings Kafka's SSL engine rejects (a password without a store, PEM mixes)",
        why="Kafka's SSL engine refuses inconsistent store settings: a keystore or truststore password without its "
        "location ('SSL trust store is not specified, but trust store password is specified'), a PEM key without "
        "its certificate chain, a file and PEM text at once, or a password on a PEM store. The client does not "
        "start. Error.",
        check=_ssl_rule("ssl-store-conflict"),
        failing=example(_SSL + '        ssl.truststore.password: "${KAFKA_TRUSTSTORE_PASSWORD}"\n'),
        passing=example(
            _SSL + '        ssl.truststore.location: "/etc/ssl/truststore.jks"\n'
            '        ssl.truststore.password: "${KAFKA_TRUSTSTORE_PASSWORD}"\n'
        ),
    ),
    Rule(
        id="ssl-key-password-ignored",
        family="security",
        level="warning",
        summary="ssl.key.password without a keystore: Kafka ignores it",
        why="ssl.key.password protects a key inside a keystore; with no keystore (ssl.keystore.location or "
        "ssl.keystore.key) Kafka ignores it. Warning: usually the keystore itself was forgotten, so client "
        "authentication is not set up as intended.",
        check=_ssl_rule("ssl-key-password-ignored"),
        failing=example(_SSL + '        ssl.key.password: "${KAFKA_KEY_PASSWORD}"\n'),
        passing=example(
            _SSL + '        ssl.key.password: "${KAFKA_KEY_PASSWORD}"\n'
            '        ssl.keystore.location: "/etc/ssl/keystore.jks"\n'
            '        ssl.keystore.password: "${KAFKA_KEYSTORE_PASSWORD}"\n'
        ),
    ),
    Rule(
        id="ssl-truststore-password-missing",
        family="security",
        level="warning",
        summary="A PKCS12 truststore without a password usually loads empty (encrypted certificates are skipped)",
        why="Without a password Java skips the certificates that are encrypted in a PKCS12 truststore (keytool and "
        "openssl encrypt them by default), the truststore loads empty and the TLS handshake with the brokers "
        "fails. Warning: a JKS truststore, or a PKCS12 one with unencrypted certificates, works without it.",
        check=_ssl_rule("ssl-truststore-password-missing"),
        failing=example(
            _SSL + '        ssl.truststore.location: "/etc/ssl/truststore.p12"\n        ssl.truststore.type: PKCS12\n'
        ),
        passing=example(_SSL + '        ssl.truststore.location: "/etc/ssl/truststore.jks"\n'),
    ),
    Rule(
        id="ssl-hostname-verification-disabled",
        family="security",
        level="warning",
        summary="An empty ssl.endpoint.identification.algorithm turns off broker host name verification",
        why="An empty ssl.endpoint.identification.algorithm turns off the check that the broker's certificate names "
        "the host connected to (the doc page's SSL example does this), so anyone holding a certificate the "
        "truststore trusts can impersonate the brokers. Warning: it works, insecurely; Kafka's default is https.",
        check=_per_client(_hostname_verification),
        failing=example(_SSL + '        ssl.endpoint.identification.algorithm: ""\n'),
        passing=example(_SSL + '        ssl.endpoint.identification.algorithm: "https"\n'),
    ),
    Rule(
        id="security-settings-ignored",
        family="security",
        level="warning",
        summary="ssl.* or sasl.* settings that the security.protocol in force makes Kafka ignore",
        why="Kafka uses ssl.* settings only with security.protocol SSL or SASL_SSL and sasl.* settings only with "
        "SASL_PLAINTEXT or SASL_SSL; under any other protocol (PLAINTEXT by default) they are ignored, so the "
        "connection is not encrypted or authenticated as the settings suggest. Warning.",
        check=_per_client(_ignored),
        failing=example(
            "kestra:\n  kafka:\n    client:\n      properties:\n"
            '        bootstrap.servers: "kafka:9093"\n        ssl.truststore.location: "/etc/ssl/truststore.jks"\n'
        ),
        passing=example(_SSL + '        ssl.truststore.location: "/etc/ssl/truststore.jks"\n'),
    ),
)
