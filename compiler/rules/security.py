"""Rules: security — SSL and SASL settings Kafka's clients reject or ignore, and secrets in committed files.

Checked on the property set each Kafka client of Kestra really gets (`ctx.compiled.clients`); a problem
rooted in one key (usually in `kestra.kafka.client.properties`) is reported once, naming the clients
it affects when not all of them. Secret values never appear in a message.

What Kafka does, from its sources (`DefaultSslEngineFactory`, `JaasConfig`, `JaasContext`,
`ChannelBuilders`): a keystore file needs its password (any type but PEM); a keystore or truststore
password without a location is rejected; a truststore file may have no password (Java then skips the
keystore's integrity check, and for PKCS12 it also skips encrypted certificates); `sasl.jaas.config` is
tokenized by `java.io.StreamTokenizer` and must hold exactly one `<class> <flag> key=value ...;` entry.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any

from compiler.jaas import JaasEntry, parse_jaas
from compiler.keys import BUNDLED_NAME, Path_
from compiler.placeholders import PlaceholderSyntaxError, find
from compiler.rules.base import Context, Finding, Rule, example
from compiler.secrets import is_literal_secret, is_secret_key

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
_OPTION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


# --- reading the effective client property sets -------------------------------------------------


def client_sets(ctx: Context) -> dict[str, dict[str, str]]:
    """The property set of each Kafka client the input configures (one for a .properties file)."""
    role = ctx.compiled.properties_role
    if role is not None:
        return {role: ctx.compiled.clients.get(role, {})}
    return dict(ctx.compiled.clients)


def once_per_cause(
    ctx: Context, check: Callable[[Context, str, dict[str, str]], Iterable[Finding]]
) -> Iterator[Finding]:
    """Run `check` on every client; a finding shared by several clients is reported once."""
    sets = client_sets(ctx)
    roles: dict[tuple[Path_, str, str | None], list[str]] = {}
    first: dict[tuple[Path_, str, str | None], Finding] = {}
    for role, props in sets.items():
        for finding in check(ctx, role, props):
            key = (finding.path, finding.message, finding.level)
            roles.setdefault(key, []).append(role)
            first.setdefault(key, finding)
    for key, affected in roles.items():
        finding = first[key]
        if len(affected) < len(sets) and len(sets) > 1:
            plural = "s" if len(affected) > 1 else ""
            finding = replace(finding, message=f"{finding.message} (for the {', '.join(affected)} client{plural})")
        yield finding


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


# --- SSL -------------------------------------------------------------------------------------------


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


def _ssl_rule(rule_id: str) -> Callable[[Context], Iterator[Finding]]:
    def check(ctx: Context) -> Iterator[Finding]:
        def per_client(ctx: Context, role: str, props: dict[str, str]) -> Iterator[Finding]:
            return (f for rid, f in _ssl_findings(ctx, role, props) if rid == rule_id)

        return once_per_cause(ctx, per_client)

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


# --- SASL ------------------------------------------------------------------------------------------


def _mechanism(props: dict[str, str]) -> str:
    value = props.get("sasl.mechanism")
    return KAFKA_DEFAULT_MECHANISM if value is None else value.strip()


def _mechanism_text(props: dict[str, str]) -> str:
    if "sasl.mechanism" not in props:
        return f"sasl.mechanism is not set, so Kafka uses {KAFKA_DEFAULT_MECHANISM} (Kerberos)"
    return f"sasl.mechanism is {_mechanism(props)}"


def _sasl_mechanism_invalid(ctx: Context, role: str, props: dict[str, str]) -> Iterator[Finding]:
    if protocol(props) not in SASL_PROTOCOLS or "sasl.mechanism" not in props:
        return
    mechanism = _mechanism(props)
    if not mechanism:
        yield _at(
            ctx,
            role,
            "sasl.mechanism",
            f"sasl.mechanism is empty while security.protocol is {protocol(props)}: Kafka needs a mechanism "
            "the brokers enable, e.g. SCRAM-SHA-512, PLAIN, OAUTHBEARER or GSSAPI",
        )
    elif not _runtime(mechanism) and mechanism not in _MECHANISM_FAMILY and mechanism.upper() in _MECHANISM_FAMILY:
        yield _at(
            ctx,
            role,
            "sasl.mechanism",
            f"sasl.mechanism '{mechanism}' must be written '{mechanism.upper()}': mechanism names are "
            "case-sensitive and the brokers reject any other spelling",
        )


def _jaas_value(props: dict[str, str]) -> str | None:
    value = props.get("sasl.jaas.config")
    return None if value is None or not value.strip() else value


def _sasl_jaas_missing(ctx: Context, role: str, props: dict[str, str]) -> Iterator[Finding]:
    current = protocol(props)
    if current not in SASL_PROTOCOLS or _jaas_value(props) is not None:
        return
    mechanism = _mechanism(props)
    if not mechanism or _runtime(mechanism) or "sasl.mechanism" in props and mechanism == "GSSAPI":
        return  # an explicit GSSAPI setup usually takes its Krb5LoginModule entry from the JVM's JAAS file
    anchor = "sasl.mechanism" if "sasl.mechanism" in props else "security.protocol"
    if "sasl.mechanism" not in props:
        yield _at(
            ctx,
            role,
            anchor,
            f"security.protocol is {current} but neither sasl.mechanism nor sasl.jaas.config is set: Kafka "
            f"would log in with {KAFKA_DEFAULT_MECHANISM} (Kerberos) using the JVM's JAAS file; set sasl.mechanism "
            "(e.g. SCRAM-SHA-512) and sasl.jaas.config, or sasl.mechanism: GSSAPI for Kerberos",
            level="warning",
        )
        return
    family = _MECHANISM_FAMILY.get(mechanism.upper())
    module = _FAMILY_MODULE.get(family or "", "<LoginModule class>")
    yield _at(
        ctx,
        role,
        anchor,
        f"security.protocol is {current} with sasl.mechanism {mechanism} but sasl.jaas.config is not set: "
        "the client fails at start-up (Could not find a 'KafkaClient' entry in the JAAS configuration) unless "
        f"the JVM is given a JAAS file; set sasl.jaas.config: '{module} required "
        'username="${KAFKA_USERNAME}" password="${KAFKA_PASSWORD}";\'',
    )


def _sasl_jaas_malformed(ctx: Context, role: str, props: dict[str, str]) -> Iterator[Finding]:
    value = _jaas_value(props)
    if protocol(props) not in SASL_PROTOCOLS or value is None:
        return
    parsed = parse_jaas(value)
    if isinstance(parsed, str):
        yield _at(
            ctx,
            role,
            "sasl.jaas.config",
            f"sasl.jaas.config (value hidden) is not a JAAS entry Kafka can read: {parsed}; the form is "
            "'<LoginModule class> required key=\"value\" ...;' with the trailing ';'",
        )


def _sasl_jaas_mismatch(ctx: Context, role: str, props: dict[str, str]) -> Iterator[Finding]:
    value = _jaas_value(props)
    if protocol(props) not in SASL_PROTOCOLS or value is None:
        return
    parsed = parse_jaas(value)
    mechanism = _mechanism(props)
    if not isinstance(parsed, JaasEntry) or _runtime(mechanism):
        return
    wanted = _MECHANISM_FAMILY.get(mechanism.upper())
    have = _MODULE_FAMILY.get(parsed.module)
    if wanted is None or have is None or wanted == have:
        return
    level = None
    consequence = "the login fails"
    if wanted == "PLAIN" and have == "SCRAM":
        level = "warning"
        consequence = "it works only because both modules store the username and password the same way"
    elif wanted == "SCRAM":
        consequence = f"Kafka fails to create the {mechanism} SASL client (only ScramLoginModule registers it)"
    yield _at(
        ctx,
        role,
        "sasl.jaas.config",
        f"{_mechanism_text(props)} but sasl.jaas.config uses {parsed.module.rsplit('.', 1)[-1]}, the login module "
        f"of {have}: {consequence}; use {_FAMILY_MODULE[wanted]} for {mechanism}, or change sasl.mechanism",
        level,
    )


def _sasl_jaas_credentials(ctx: Context, role: str, props: dict[str, str]) -> Iterator[Finding]:
    value = _jaas_value(props)
    if protocol(props) not in SASL_PROTOCOLS or value is None:
        return
    parsed = parse_jaas(value)
    if not isinstance(parsed, JaasEntry) or _MODULE_FAMILY.get(parsed.module) not in ("PLAIN", "SCRAM"):
        return
    missing = [name for name in ("username", "password") if name not in parsed.options]
    if not missing:
        return
    import difflib

    names = [k for k in parsed.options if _OPTION_NAME.match(k)]
    hints = []
    for name in missing:
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
        if close:
            hints.append(f"'{close[0]}' should be '{name}'")
    hint = f" ({'; '.join(hints)})" if hints else ""
    yield _at(
        ctx,
        role,
        "sasl.jaas.config",
        f"sasl.jaas.config (value hidden) uses {parsed.module.rsplit('.', 1)[-1]} without the "
        f"{' and '.join(missing)} option{'s' if len(missing) > 1 else ''}{hint}: the SASL login fails; add "
        + " ".join(f'{name}="${{KAFKA_{name.upper()}}}"' for name in missing),
    )


def _sasl_plaintext(ctx: Context, role: str, props: dict[str, str]) -> Iterator[Finding]:
    if protocol(props) != "SASL_PLAINTEXT":
        return
    mechanism = _mechanism(props)
    family = _MECHANISM_FAMILY.get(mechanism.upper())
    anchor = "security.protocol"
    if family == "PLAIN":
        yield _at(
            ctx,
            role,
            anchor,
            "SASL PLAIN over SASL_PLAINTEXT sends the password in clear text: anyone on the network path to "
            "the brokers can read it and all Kafka traffic is unencrypted; use security.protocol SASL_SSL",
        )
    elif family == "OAUTHBEARER":
        yield _at(
            ctx,
            role,
            anchor,
            "OAUTHBEARER over SASL_PLAINTEXT sends the bearer token in clear text: anyone on the network path "
            "can replay it until it expires; use security.protocol SASL_SSL",
        )
    elif family in ("SCRAM", "GSSAPI"):
        yield _at(
            ctx,
            role,
            anchor,
            f"{mechanism} over SASL_PLAINTEXT does not send the password, but every message (flows, executions, "
            "their inputs and outputs) crosses the network unencrypted; use security.protocol SASL_SSL",
            level="info",
        )


# --- literal secrets --------------------------------------------------------------------------------

_JAAS_SECRET_OPTION = re.compile(
    r"""(password|secret|token)\s*=\s*("([^"]*)"|'([^']*)'|([^\s;]+))""",
    re.I,
)


def _literal_default(key: str, value: str, providers: set[str]) -> bool:
    """A run-time placeholder whose default is a literal secret: `${KAFKA_PASSWORD:changeme}`."""
    if key.lower() == "sasl.jaas.config":
        texts = [next(g for g in m.group(3, 4, 5) if g is not None) for m in _JAAS_SECRET_OPTION.finditer(value)]
    else:
        texts = [value]
    for text in texts:
        try:
            placeholders = find(text)
        except PlaceholderSyntaxError:
            continue
        stack = list(placeholders)
        while stack:
            ph = stack.pop()
            if ph.default is None or ph.keys[0] in providers:
                continue  # `${file:path:key}`: Kafka config-provider syntax, not a default
            try:
                inner = find(ph.default)
            except PlaceholderSyntaxError:
                continue
            literal = ph.default
            for sub in reversed(inner):
                literal = literal[: sub.start] + literal[sub.end :]
            if literal.strip():
                return True
            stack.extend(inner)
    return False


def _placeholder_for(key: str) -> str:
    if key.lower() == "sasl.jaas.config":
        return 'password="${KAFKA_PASSWORD}"'
    return "${KAFKA_" + re.sub(r"[^A-Za-z0-9]+", "_", key).upper() + "}"


def _committed(origin: Any) -> bool:
    return origin is not None and origin.layer != "override" and origin.file != BUNDLED_NAME and bool(origin.file)


def _literal_secret(ctx: Context) -> Iterator[Finding]:
    merged = ctx.compiled.merged
    providers = {
        name.strip()
        for props in ctx.compiled.clients.values()
        for name in props.get("config.providers", "").split(",")
        if name.strip()
    }
    reported: set[tuple[str, int, int]] = set()

    def emit(path: Path_, origin: Any, message: str) -> Iterator[Finding]:
        spot = (origin.file, origin.line, origin.column)
        if spot not in reported:
            reported.add(spot)
            yield Finding(path, message, origin=origin)

    for path, settings in merged.settings.items():
        key = str(path[-1]) if path else ""
        if not is_secret_key(key):
            continue
        for setting in settings:
            if not isinstance(setting.value, str | int | float) or isinstance(setting.value, bool):
                continue
            value = str(setting.value)
            if not _committed(setting.origin):
                continue
            if is_literal_secret(key, value):
                what = "a literal password" if key.lower() == "sasl.jaas.config" else "a literal value"
                yield from emit(
                    path,
                    setting.origin,
                    f"{key} holds {what} (value hidden) in a committed file: anyone who can read the repository "
                    f"can read it; write a run-time placeholder such as {_placeholder_for(key)} and supply the "
                    "value at run time (Kestra's environment)",
                )
            elif _literal_default(key, value, providers):
                yield from emit(
                    path,
                    setting.origin,
                    f"{key}: the default of its run-time placeholder is a literal secret (value hidden) in a "
                    "committed file, and Kestra silently uses it when the variable is missing; drop the default "
                    "(${KAFKA_PASSWORD}) so a missing variable stops Kestra instead",
                )
        yield from _literal_via_reference(ctx, path, key, emit)


def _literal_via_reference(
    ctx: Context, path: Path_, key: str, emit: Callable[[Path_, Any, str], Iterator[Finding]]
) -> Iterator[Finding]:
    """A secret key set to `${kestra....}`: the literal lives where the referenced key is written."""
    resolved = ctx.get(path)
    if not isinstance(resolved, str) or not is_literal_secret(key, resolved):
        return
    for reference in ctx.compiled.resolved.references.get(path, []):
        if reference.path is None or is_secret_key(str(reference.path[-1])):
            continue  # a secret-named target is reported on its own
        origin = ctx.origin(reference.path)
        if _committed(origin):
            yield from emit(
                reference.path,
                origin,
                f"{'.'.join(str(p) for p in reference.path)} holds a literal secret (value hidden) that {key} "
                "reads through a reference, in a committed file; write a run-time placeholder such as "
                "${KAFKA_PASSWORD} instead",
            )


# --- the rules --------------------------------------------------------------------------------------


def _per_client(
    fn: Callable[[Context, str, dict[str, str]], Iterable[Finding]],
) -> Callable[[Context], Iterator[Finding]]:
    def check(ctx: Context) -> Iterator[Finding]:
        return once_per_cause(ctx, fn)

    return check


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

RULES: tuple[Rule, ...] = (
    Rule(
        id="ssl-keystore-password-missing",
        family="security",
        level="error",
        summary="A keystore file (JKS or PKCS12) without ssl.keystore.password: Kafka fails at start-up",
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
        check=_per_client(_hostname_verification),
        failing=example(_SSL + '        ssl.endpoint.identification.algorithm: ""\n'),
        passing=example(_SSL + '        ssl.endpoint.identification.algorithm: "https"\n'),
    ),
    Rule(
        id="security-settings-ignored",
        family="security",
        level="warning",
        summary="ssl.* or sasl.* settings that the security.protocol in force makes Kafka ignore",
        check=_per_client(_ignored),
        failing=example(
            "kestra:\n  kafka:\n    client:\n      properties:\n"
            '        bootstrap.servers: "kafka:9093"\n        ssl.truststore.location: "/etc/ssl/truststore.jks"\n'
        ),
        passing=example(_SSL + '        ssl.truststore.location: "/etc/ssl/truststore.jks"\n'),
    ),
    Rule(
        id="sasl-mechanism-invalid",
        family="security",
        level="error",
        summary="A SASL protocol with an empty or wrongly cased sasl.mechanism",
        check=_per_client(_sasl_mechanism_invalid),
        failing=example(_SASL_SSL + '        sasl.mechanism: ""\n' + _SCRAM_JAAS),
        passing=example(_SCRAM + _SCRAM_JAAS),
    ),
    Rule(
        id="sasl-jaas-config-missing",
        family="security",
        level="error",
        summary="A SASL protocol without sasl.jaas.config: the client finds no JAAS login entry",
        check=_per_client(_sasl_jaas_missing),
        failing=example(_SCRAM),
        passing=example(_SCRAM + _SCRAM_JAAS),
    ),
    Rule(
        id="sasl-jaas-config-malformed",
        family="security",
        level="error",
        summary="sasl.jaas.config that Kafka's JAAS parser rejects (no trailing ';', bad flag, bad option)",
        check=_per_client(_sasl_jaas_malformed),
        failing=example(_SCRAM + _SCRAM_JAAS.replace(";'", "'")),
        passing=example(_SCRAM + _SCRAM_JAAS),
    ),
    Rule(
        id="sasl-jaas-mechanism-mismatch",
        family="security",
        level="error",
        summary="The JAAS login module does not belong to sasl.mechanism (PlainLoginModule with SCRAM, ...)",
        check=_per_client(_sasl_jaas_mismatch),
        failing=example(_SCRAM + _SCRAM_JAAS.replace("scram.ScramLoginModule", "plain.PlainLoginModule")),
        passing=example(_SCRAM + _SCRAM_JAAS),
    ),
    Rule(
        id="sasl-jaas-credentials-missing",
        family="security",
        level="error",
        summary="A PLAIN or SCRAM JAAS entry without its username or password option",
        check=_per_client(_sasl_jaas_credentials),
        failing=example(_SCRAM + _SCRAM_JAAS.replace(' password="${KAFKA_PASSWORD}"', "")),
        passing=example(_SCRAM + _SCRAM_JAAS),
    ),
    Rule(
        id="sasl-over-plaintext",
        family="security",
        level="warning",
        summary="SASL over an unencrypted connection: PLAIN passwords and OAuth tokens travel in clear text",
        check=_per_client(_sasl_plaintext),
        failing=example(
            _SASL_SSL.replace("SASL_SSL", "SASL_PLAINTEXT")
            + "        sasl.mechanism: PLAIN\n"
            + _SCRAM_JAAS.replace("scram.ScramLoginModule", "plain.PlainLoginModule")
        ),
        passing=example(
            _SASL_SSL
            + "        sasl.mechanism: PLAIN\n"
            + _SCRAM_JAAS.replace("scram.ScramLoginModule", "plain.PlainLoginModule")
        ),
    ),
    Rule(
        id="literal-secret",
        family="security",
        level="warning",
        summary="A password or other secret written as a literal in a committed file instead of ${...}",
        check=_literal_secret,
        failing=example(
            _SSL
            + '        ssl.truststore.location: "/etc/ssl/truststore.jks"\n'
            + '        ssl.truststore.password: "changeit"\n'
        ),
        passing=example(
            _SSL + '        ssl.truststore.location: "/etc/ssl/truststore.jks"\n'
            '        ssl.truststore.password: "${KAFKA_TRUSTSTORE_PASSWORD}"\n'
        ),
    ),
)
