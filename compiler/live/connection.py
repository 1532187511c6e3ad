"""Kestra's admin properties, translated for librdkafka: how kkc connects as Kestra's admin client would.

Kestra's admin client reads `kestra.kafka.client.properties`, which are Java client properties. kkc
talks to the cluster through librdkafka (confluent-kafka), which names some of them differently and
cannot do what needs the JVM. This module translates what decides how to connect (the README's
"Live clusters" table) and refuses the rest with a message naming what to pass instead: a JKS store,
a custom login or callback class, Kerberos, config providers. Run-time placeholders are filled from
the environment first, as Micronaut fills them at Kestra's start-up.

Nothing here imports a Kafka client; no message quotes a secret.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import field
from pathlib import Path

from compiler.errors import ClusterError
from compiler.jaas import JaasEntry, parse_jaas
from compiler.placeholders import PlaceholderSyntaxError, find
from compiler.records import record
from compiler.secrets import JAAS_SECRET_RE, is_secret_key

PLAIN_MODULE = "org.apache.kafka.common.security.plain.PlainLoginModule"
SCRAM_MODULE = "org.apache.kafka.common.security.scram.ScramLoginModule"
OAUTH_MODULE = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule"
KAFKA_OAUTH_HANDLERS = (
    "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler",
    "org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerLoginCallbackHandler",
)
KAFKA_JWT_RETRIEVERS = ("org.apache.kafka.common.security.oauthbearer.ClientCredentialsJwtRetriever",)
PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
# Properties whose value is code that runs inside the JVM: librdkafka cannot run it.
JVM_ONLY = (
    "sasl.client.callback.handler.class",
    "sasl.login.class",
    "ssl.engine.factory.class",
    "security.providers",
    "config.providers",
)
INSTEAD = "pass --command-config FILE with Java client properties that librdkafka can use"
_JKS_MAGIC = (b"\xfe\xed\xfe\xed", b"\xce\xce\xce\xce")  # JKS, JCEKS
_Put = Callable[[str, str, str], None]  # (Java property, librdkafka setting, value)


@record
class Connection:
    """librdkafka settings for one cluster. `settings` holds secrets: print `bootstrap`, never it."""

    settings: dict[str, str]
    bootstrap: str
    secrets: tuple[str, ...] = ()
    translated: tuple[tuple[str, str], ...] = ()  # (Java property, librdkafka setting), for the README's table

    def key(self) -> tuple[tuple[str, str], ...]:
        """Two targets with the same key share one connection."""
        return tuple(sorted(self.settings.items()))


@record(frozen=False)
class _Properties:
    """Java client properties whose run-time placeholders are filled from the environment when read."""

    values: dict[str, str]
    env: Mapping[str, str]
    source: str
    missing: dict[str, list[str]] = field(default_factory=dict)  # variable -> the properties that need it
    secrets: list[str] = field(default_factory=list)

    def get(self, key: str) -> str | None:
        raw = self.values.get(key)
        if raw is None:
            return None
        try:
            value, missing = fill(raw, self.env)
        except PlaceholderSyntaxError as error:
            # the error quotes the value: never for a secret (kkc validate says "value hidden" there too)
            said = "a '${' without its '}' (value hidden: a secret key)" if is_secret_key(key) else str(error)
            raise ClusterError(f"{key} in {self.source}: {said}") from None
        for name in missing:
            self.missing.setdefault(name, []).append(key)
        if is_secret_key(key) and value:
            self.secrets.append(value)
            if key == "sasl.jaas.config":
                for match in JAAS_SECRET_RE.finditer(value):
                    self.secrets.append(next((g for g in match.group(3, 4, 5) if g is not None), ""))
        return value

    def require_filled(self) -> None:
        if not self.missing:
            return
        names = ", ".join(f"{name} ({', '.join(dict.fromkeys(keys))})" for name, keys in sorted(self.missing.items()))
        raise ClusterError(
            f"{self.source} need environment variables that are not set: {names}. Kestra fills these run-time "
            "placeholders from its environment at start-up; kkc fills them from its own: export them, or "
            f"{INSTEAD}"
        )


def env_names(key: str) -> tuple[str, ...]:
    """The environment variables a placeholder key is read from: as written, then as Micronaut maps
    a property name to a variable (upper case, `.` and `-` as `_`)."""
    mapped = re.sub(r"[.\-]", "_", key).upper()
    return (key,) if mapped == key else (key, mapped)


def fill(text: str, env: Mapping[str, str]) -> tuple[str, list[str]]:
    """`text` with each `${A:b:c}` replaced (A, else b, else the literal c) and the variables that had
    no value and no default."""
    missing: list[str] = []
    out: list[str] = []
    last = 0
    for ph in find(text):
        out.append(text[last : ph.start])
        last = ph.end
        found = next((env[name] for key in ph.keys for name in env_names(key) if name in env), None)
        if found is None and ph.default is not None:
            found, more = fill(ph.default, env)
            missing.extend(more)
        if found is None:
            missing.append(env_names(ph.keys[0])[-1])
            found = ""
        out.append(found)
    out.append(text[last:])
    return "".join(out), missing


def translate(
    properties: Mapping[str, str],
    env: Mapping[str, str],
    *,
    bootstrap: str | None = None,
    overlay: Mapping[str, str] | None = None,
    source: str = "the admin properties",
    client_id: str = "kkc",
) -> Connection:
    """librdkafka settings that connect as a Java client with `properties` would (`overlay` laid over
    them, as --command-config; `bootstrap` replacing bootstrap.servers)."""
    values = {**properties, **(overlay or {})}
    if bootstrap is not None:
        values["bootstrap.servers"] = bootstrap
    props = _Properties(values, env, source)
    settings: dict[str, str] = {}
    translated: list[tuple[str, str]] = []

    def put(java: str, setting: str, value: str) -> None:
        settings[setting] = value
        translated.append((java, setting))

    servers = props.get("bootstrap.servers")
    if not servers or not servers.strip():
        raise ClusterError(f"bootstrap.servers is not set in {source}: pass --bootstrap HOST:PORT")
    servers = ",".join(s.strip() for s in servers.split(",") if s.strip())
    put("bootstrap.servers", "bootstrap.servers", servers)
    put("client.id", "client.id", props.get("client.id") or client_id)
    lookup = props.get("client.dns.lookup")
    if lookup in ("use_all_dns_ips", "resolve_canonical_bootstrap_servers_only"):
        put("client.dns.lookup", "client.dns.lookup", lookup)
    for key in JVM_ONLY:
        if props.get(key):
            raise ClusterError(
                f"{key} in {source} names code that runs inside Kestra's JVM, which kkc cannot run: {INSTEAD} "
                "(for example the same connection with sasl.jaas.config username and password)"
            )
    protocol = (props.get("security.protocol") or "PLAINTEXT").strip().upper()
    if protocol not in PROTOCOLS:
        raise ClusterError(f"security.protocol in {source} is not one of {', '.join(PROTOCOLS)}")
    put("security.protocol", "security.protocol", protocol)
    if protocol.startswith("SASL_"):
        _sasl(props, put)
    if protocol in ("SSL", "SASL_SSL"):
        _ssl(props, put)
    props.require_filled()
    secrets = tuple(sorted({s for s in props.secrets if len(s) >= 4}, key=len, reverse=True))
    return Connection(settings, servers, secrets, tuple(translated))


def _sasl(props: _Properties, put: _Put) -> None:
    written = (props.get("sasl.mechanism") or "GSSAPI").strip()
    mechanism = written.upper()
    if written != mechanism:
        # Kafka's brokers compare mechanism names exactly: Kestra's client would fail its handshake
        raise ClusterError(
            f"sasl.mechanism '{written}' in {props.source} must be written '{mechanism}': Kafka compares mechanism "
            "names case-sensitively, so Kestra could not log in with it (kkc validate reports it too)"
        )
    if mechanism == "GSSAPI":
        raise ClusterError(
            f"sasl.mechanism GSSAPI (Kerberos, Kafka's default when sasl.mechanism is not set) in {props.source} "
            f"is not translated: kkc does not log in to Kerberos; {INSTEAD} (a PLAIN, SCRAM or OAUTHBEARER user)"
        )
    if mechanism not in ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"):
        raise ClusterError(f"sasl.mechanism {mechanism} in {props.source} is not one kkc can use; {INSTEAD}")
    put("sasl.mechanism", "sasl.mechanism", mechanism)
    handler = props.get("sasl.login.callback.handler.class")
    if handler and not (mechanism == "OAUTHBEARER" and handler.strip() in KAFKA_OAUTH_HANDLERS):
        raise ClusterError(
            f"sasl.login.callback.handler.class in {props.source} is a custom callback handler, which runs inside "
            f"Kestra's JVM and not in kkc: {INSTEAD} (for example sasl.jaas.config with a username and password)"
        )
    jaas = props.get("sasl.jaas.config")
    if not jaas:
        raise ClusterError(
            f"sasl.jaas.config is not set in {props.source}: kkc reads the user from it, as Kafka's client does "
            "(a JAAS file given to the JVM with -Djava.security.auth.login.config is not read); "
            f"{INSTEAD}"
        )
    entry = parse_jaas(jaas)
    if not isinstance(entry, JaasEntry):
        why = entry if isinstance(entry, str) else "its structure is only known once Kestra fills its placeholders"
        raise ClusterError(f"sasl.jaas.config in {props.source} cannot be read: {why}")
    if mechanism == "OAUTHBEARER":
        _oauth(props, entry, put)
        return
    expected = PLAIN_MODULE if mechanism == "PLAIN" else SCRAM_MODULE
    if entry.module != expected:
        raise ClusterError(
            f"sasl.jaas.config in {props.source} uses {entry.module}, not {expected.rsplit('.', 1)[-1]} for "
            f"{mechanism}: {INSTEAD}"
        )
    for option in ("username", "password"):
        if option not in entry.options:
            raise ClusterError(f"sasl.jaas.config in {props.source} has no {option}= option: {INSTEAD}")
    put("sasl.jaas.config", "sasl.username", entry.options["username"])
    put("sasl.jaas.config", "sasl.password", entry.options["password"])
    props.secrets.append(entry.options["password"])  # as the JAAS escapes read it, which the raw text may not show


def _oauth(props: _Properties, entry: JaasEntry, put: _Put) -> None:
    if entry.module != OAUTH_MODULE:
        raise ClusterError(f"sasl.jaas.config in {props.source} uses {entry.module}, not OAuthBearerLoginModule")
    retriever = props.get("sasl.oauthbearer.jwt.retriever.class")
    if retriever and retriever.strip() not in KAFKA_JWT_RETRIEVERS:
        raise ClusterError(
            f"sasl.oauthbearer.jwt.retriever.class in {props.source} is not the client-credentials grant, the one "
            f"librdkafka speaks: {INSTEAD} (a client id and secret)"
        )
    url = props.get("sasl.oauthbearer.token.endpoint.url")
    if not url:
        subject = entry.options.get("unsecuredLoginStringClaim_sub")
        if subject is None:
            raise ClusterError(
                f"OAUTHBEARER in {props.source} without sasl.oauthbearer.token.endpoint.url: kkc translates the "
                f"OIDC client-credentials login and Kafka's unsecured test tokens only; {INSTEAD}"
            )
        put("sasl.jaas.config", "enable.sasl.oauthbearer.unsecure.jwt", "true")
        put("sasl.jaas.config", "sasl.oauthbearer.config", f"principal={subject}")
        return
    client_id = props.get("sasl.oauthbearer.client.credentials.client.id") or entry.options.get("clientId")
    secret = props.get("sasl.oauthbearer.client.credentials.client.secret") or entry.options.get("clientSecret")
    if not client_id or not secret:
        raise ClusterError(
            f"OAUTHBEARER in {props.source}: no client id and secret (JAAS clientId= and clientSecret=, or "
            f"sasl.oauthbearer.client.credentials.client.id and .secret): {INSTEAD}"
        )
    put("sasl.oauthbearer.token.endpoint.url", "sasl.oauthbearer.method", "oidc")
    put("sasl.oauthbearer.token.endpoint.url", "sasl.oauthbearer.token.endpoint.url", url)
    put("sasl.jaas.config", "sasl.oauthbearer.client.id", client_id)
    put("sasl.jaas.config", "sasl.oauthbearer.client.secret", secret)
    props.secrets.append(secret)
    scope = props.get("sasl.oauthbearer.scope") or entry.options.get("scope")
    if scope:
        put("sasl.oauthbearer.scope", "sasl.oauthbearer.scope", scope)
    extensions = [f"{k[len('extension_') :]}={v}" for k, v in entry.options.items() if k.startswith("extension_")]
    if extensions:
        put("sasl.jaas.config", "sasl.oauthbearer.extensions", ",".join(extensions))


def _ssl(props: _Properties, put: _Put) -> None:
    algorithm = props.get("ssl.endpoint.identification.algorithm")
    if algorithm is not None:
        put(
            "ssl.endpoint.identification.algorithm",
            "ssl.endpoint.identification.algorithm",
            "none" if not algorithm.strip() else algorithm.strip().lower(),
        )
    _truststore(props, put)
    _keystore(props, put)


def _truststore(props: _Properties, put: _Put) -> None:
    kind = (props.get("ssl.truststore.type") or "JKS").strip().upper()
    certificates = props.get("ssl.truststore.certificates")
    if kind == "PEM" and certificates:
        put("ssl.truststore.certificates", "ssl.ca.pem", certificates)
        return
    location = props.get("ssl.truststore.location")
    if not location:
        # Java trusts the JVM's cacerts; librdkafka then looks for the system's CA certificates.
        put("ssl.truststore.location", "ssl.ca.location", "probe")
        return
    path = _local_file(props, "ssl.truststore.location", location)
    kind = _store_kind(path, kind)
    if kind == "PEM":
        put("ssl.truststore.location", "ssl.ca.location", str(path))
    elif kind == "PKCS12":
        put("ssl.truststore.location", "ssl.ca.pem", _pkcs12_certificates(props, path))
    else:
        raise ClusterError(
            f"ssl.truststore.location {location} in {props.source} is a {kind} truststore, which librdkafka cannot "
            "read: convert it (keytool -importkeystore -srckeystore truststore.jks -destkeystore truststore.p12 "
            "-deststoretype PKCS12) and pass --command-config FILE with ssl.truststore.type=PKCS12 and "
            "ssl.truststore.location=truststore.p12 (or ssl.truststore.type=PEM and a PEM file)"
        )


def _keystore(props: _Properties, put: _Put) -> None:
    kind = (props.get("ssl.keystore.type") or "JKS").strip().upper()
    chain, key = props.get("ssl.keystore.certificate.chain"), props.get("ssl.keystore.key")
    key_password = props.get("ssl.key.password")
    if kind == "PEM" and chain and key:
        put("ssl.keystore.certificate.chain", "ssl.certificate.pem", chain)
        put("ssl.keystore.key", "ssl.key.pem", key)
        if key_password:
            put("ssl.key.password", "ssl.key.password", key_password)
        return
    location = props.get("ssl.keystore.location")
    if not location:
        return
    path = _local_file(props, "ssl.keystore.location", location)
    kind = _store_kind(path, kind)
    if kind == "PEM":
        put("ssl.keystore.location", "ssl.certificate.location", str(path))
        put("ssl.keystore.location", "ssl.key.location", str(path))
        if key_password:
            put("ssl.key.password", "ssl.key.password", key_password)
    elif kind == "PKCS12":
        put("ssl.keystore.location", "ssl.keystore.location", str(path))
        password = props.get("ssl.keystore.password")
        if password:
            put("ssl.keystore.password", "ssl.keystore.password", password)
    else:
        raise ClusterError(
            f"ssl.keystore.location {location} in {props.source} is a {kind} keystore, which librdkafka cannot "
            "read: convert it (keytool -importkeystore -srckeystore keystore.jks -destkeystore keystore.p12 "
            "-deststoretype PKCS12) and pass --command-config FILE with ssl.keystore.type=PKCS12 and "
            "ssl.keystore.location=keystore.p12"
        )


def _local_file(props: _Properties, key: str, location: str) -> Path:
    path = Path(location)
    if not path.is_file():
        raise ClusterError(
            f"{key} {location} in {props.source} is not a file on this machine (kkc reads it here, not where "
            f"Kestra runs): pass --command-config FILE with {key}=<a local copy>"
        )
    return path


def _store_kind(path: Path, declared: str) -> str:
    """What the store file is, as Java reads it: a JKS-typed file in PKCS12 form is read as PKCS12 (Java 9+)."""
    with path.open("rb") as handle:
        head = handle.read(4)
    if head in _JKS_MAGIC:
        return "JCEKS" if head == _JKS_MAGIC[1] else "JKS"
    if declared in ("JKS", "PKCS12") and head[:1] == b"\x30":
        return "PKCS12"
    return declared


def _pkcs12_certificates(props: _Properties, path: Path) -> str:
    """The trusted certificates of a PKCS12 truststore, as PEM (librdkafka has no PKCS12 truststore)."""
    try:
        from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
    except ImportError:
        raise ClusterError(
            "reading a PKCS12 truststore needs the cryptography package: pip install 'kkc[live]'"
        ) from None
    password = props.get("ssl.truststore.password")
    try:
        store = pkcs12.load_pkcs12(path.read_bytes(), password.encode() if password else None)
    except ValueError:
        raise ClusterError(
            f"ssl.truststore.location {path} in {props.source}: the PKCS12 truststore cannot be read with "
            "ssl.truststore.password (a wrong password, or not a PKCS12 file)"
        ) from None
    certs = [store.cert.certificate] if store.cert is not None else []
    certs += [c.certificate for c in store.additional_certs]
    if not certs:
        raise ClusterError(f"ssl.truststore.location {path} in {props.source} holds no certificate")
    return "".join(c.public_bytes(Encoding.PEM).decode("ascii") for c in certs)


def read_properties(path: Path) -> dict[str, str]:
    """A --command-config file, read as Java's Properties.load reads it (ISO-8859-1)."""
    from compiler.errors import KkcError
    from compiler.properties import parse

    try:
        text = path.read_bytes().decode("latin-1")
        return {entry.key: entry.value for entry in parse(text, str(path))}
    except OSError as error:
        raise ClusterError(f"--command-config {path}: {error.strerror}") from None
    except KkcError as error:
        raise ClusterError(f"--command-config {path}: {error.message}") from None
