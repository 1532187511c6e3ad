"""Security rules: SASL mechanisms and JAAS configs Kafka's clients reject."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.catalog.classes import missing_class
from compiler.jaas import JaasEntry, parse_jaas
from compiler.rules.base import (
    Context,
    Finding,
    Rule,
    example,
)
from compiler.rules.security.common import (
    _FAMILY_MODULE,
    _MECHANISM_FAMILY,
    _MODULE_FAMILY,
    _OPTION_NAME,
    _SASL_SSL,
    _SCRAM,
    _SCRAM_JAAS,
    KAFKA_DEFAULT_MECHANISM,
    SASL_PROTOCOLS,
    _at,
    _per_client,
    _runtime,
    protocol,
)


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

    names = [k for k in parsed.options if _OPTION_NAME().match(k)]
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


def _login_module_missing(ctx: Context, role: str, props: dict[str, str]) -> Iterator[Finding]:
    value = _jaas_value(props)
    if protocol(props) not in SASL_PROTOCOLS or value is None:
        return
    parsed = parse_jaas(value)
    if not isinstance(parsed, JaasEntry) or _runtime(parsed.module):
        return
    why = missing_class(parsed.module, ctx.kafka_version)
    if why is not None:
        reason, _, suggestion = why.partition("; ")
        yield _at(
            ctx,
            role,
            "sasl.jaas.config",
            f"sasl.jaas.config names the login module {parsed.module}: {reason}, so the client cannot start "
            f"(LoginException: No LoginModule found for {parsed.module})" + (f"; {suggestion}" if suggestion else ""),
        )


def _kerberos_service_name(ctx: Context, role: str, props: dict[str, str]) -> Iterator[Finding]:
    if protocol(props) not in SASL_PROTOCOLS or _mechanism(props).upper() != "GSSAPI":
        return
    if props.get("sasl.kerberos.service.name", "").strip():
        return
    value = _jaas_value(props)
    parsed = parse_jaas(value) if value is not None else None
    if isinstance(parsed, JaasEntry) and parsed.options.get("serviceName"):
        return
    if value is None:
        yield _at(
            ctx,
            role,
            "sasl.mechanism" if "sasl.mechanism" in props else "security.protocol",
            "Kerberos (GSSAPI) needs the brokers' service name: set sasl.kerberos.service.name (usually kafka), "
            "unless the JVM's JAAS file gives serviceName; without either the client does not start "
            "(IllegalArgumentException: No serviceName defined in either JAAS or Kafka config)",
            level="info",
        )
        return
    yield _at(
        ctx,
        role,
        "sasl.jaas.config",
        "Kerberos (GSSAPI) needs the brokers' service name, and neither sasl.kerberos.service.name nor the JAAS "
        "option serviceName gives it: the client does not start (IllegalArgumentException: No serviceName defined "
        "in either JAAS or Kafka config); set sasl.kerberos.service.name (usually kafka)",
    )


_OAUTH_URLS = ("sasl.oauthbearer.token.endpoint.url", "sasl.oauthbearer.jwks.endpoint.url")
ALLOWED_URLS_PROPERTY = "org.apache.kafka.sasl.oauthbearer.allowed.urls"


def _oauth_allowed_urls(ctx: Context, role: str, props: dict[str, str]) -> Iterator[Finding]:
    if not ctx.since("4.0"):
        return
    for key in _OAUTH_URLS:
        url = props.get(key, "").strip()
        if url and not url.startswith("file:"):
            yield _at(
                ctx,
                role,
                key,
                f"from Kafka 4.0 the client refuses {key} unless the JVM system property {ALLOWED_URLS_PROPERTY} "
                f"lists it (ConfigException: The URL cannot be accessed due to restrictions); Kestra's config file "
                f"cannot set a system property: add -D{ALLOWED_URLS_PROPERTY}={url} to Kestra's JAVA_OPTS",
            )


RULES: tuple[Rule, ...] = (
    Rule(
        id="sasl-login-module-not-found",
        family="security",
        level="error",
        summary="sasl.jaas.config names a login module of Kafka's packages that the Kafka version does not have",
        why="The JAAS login module is loaded when the client is created; a class of org.apache.kafka that the "
        "version lacks (a typo, or a module of another version) ends in LoginException 'No LoginModule found', "
        "so the client does not start. Error.",
        check=_per_client(_login_module_missing),
        failing=example(
            _SCRAM + "        sasl.jaas.config: 'org.apache.kafka.common.security.scram.ScramLoginModul required "
            'username="${KAFKA_USERNAME}" password="${KAFKA_PASSWORD}";\'\n'
        ),
        passing=example(_SCRAM + _SCRAM_JAAS),
    ),
    Rule(
        id="sasl-kerberos-service-name-missing",
        family="security",
        level="error",
        summary="Kerberos (GSSAPI) without the brokers' service name (sasl.kerberos.service.name or serviceName)",
        why="With GSSAPI the client needs the brokers' Kerberos service name, from sasl.kerberos.service.name or "
        "the JAAS option serviceName; without it the client throws 'No serviceName defined in either JAAS or "
        "Kafka config' when it is created. Error; an info when the JAAS config is left to the JVM's JAAS file, "
        "which may give it.",
        check=_per_client(_kerberos_service_name),
        failing=example(
            _SASL_SSL + "        sasl.mechanism: GSSAPI\n        sasl.jaas.config: 'com.sun.security.auth.module."
            'Krb5LoginModule required useKeyTab=true keyTab="/etc/kestra/kestra.keytab" principal="kestra@EX.COM";\'\n'
        ),
        passing=example(
            _SASL_SSL + "        sasl.mechanism: GSSAPI\n        sasl.kerberos.service.name: kafka\n"
            "        sasl.jaas.config: 'com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true "
            'keyTab="/etc/kestra/kestra.keytab" principal="kestra@EX.COM";\'\n'
        ),
    ),
    Rule(
        id="sasl-oauth-url-not-allowed",
        family="security",
        level="warning",
        summary="Kafka 4.0+: an OAuth token or JWKS URL the JVM must allow "
        "(org.apache.kafka.sasl.oauthbearer.allowed.urls)",
        why="From Kafka 4.0 the OAUTHBEARER login refuses token and JWKS endpoint URLs that the JVM system property "
        "org.apache.kafka.sasl.oauthbearer.allowed.urls does not list (ConfigException when the client is "
        "created). Kestra's config file cannot set a system property, and whether the JVM has it is a fact kkc "
        "cannot see: a warning naming the property to set in JAVA_OPTS.",
        check=_per_client(_oauth_allowed_urls),
        failing=example(
            _SASL_SSL + "        sasl.mechanism: OAUTHBEARER\n"
            "        sasl.oauthbearer.token.endpoint.url: https://idp.example.com/oauth2/token\n"
        ),
        passing=example(_SASL_SSL + "        sasl.mechanism: OAUTHBEARER\n"),
    ),
    Rule(
        id="sasl-mechanism-invalid",
        family="security",
        level="error",
        summary="A SASL protocol with an empty or wrongly cased sasl.mechanism",
        why="With a SASL protocol, an empty sasl.mechanism is refused by the client (ConfigException), and mechanism "
        "names are case-sensitive, so scram-sha-512 is not SCRAM-SHA-512 and the brokers reject it; the client "
        "cannot authenticate. Error.",
        check=_per_client(_sasl_mechanism_invalid),
        failing=example(_SASL_SSL + '        sasl.mechanism: ""\n' + _SCRAM_JAAS),
        passing=example(_SCRAM + _SCRAM_JAAS),
    ),
    Rule(
        id="sasl-jaas-config-missing",
        family="security",
        level="error",
        summary="A SASL protocol without sasl.jaas.config: the client finds no JAAS login entry",
        why="With SASL and a mechanism such as PLAIN or SCRAM but no sasl.jaas.config, the client fails at start-up "
        "(Could not find a 'KafkaClient' entry in the JAAS configuration) unless the JVM is given a JAAS file; "
        "error. With neither sasl.mechanism nor sasl.jaas.config, Kafka would log in with GSSAPI (Kerberos) from "
        "the JVM's JAAS file, which is reported as a warning.",
        check=_per_client(_sasl_jaas_missing),
        failing=example(_SCRAM),
        passing=example(_SCRAM + _SCRAM_JAAS),
    ),
    Rule(
        id="sasl-jaas-config-malformed",
        family="security",
        level="error",
        summary="sasl.jaas.config that Kafka's JAAS parser rejects (no trailing ';', bad flag, bad option)",
        why="Kafka parses sasl.jaas.config itself and refuses an entry that is not '<LoginModule class> <flag> "
        "key=\"value\" ...;' (for example 'JAAS config entry not terminated by semi-colon'), so the client does "
        "not start. Error.",
        check=_per_client(_sasl_jaas_malformed),
        failing=example(_SCRAM + _SCRAM_JAAS.replace(";'", "'")),
        passing=example(_SCRAM + _SCRAM_JAAS),
    ),
    Rule(
        id="sasl-jaas-mechanism-mismatch",
        family="security",
        level="error",
        summary="The JAAS login module does not belong to sasl.mechanism (PlainLoginModule with SCRAM, ...)",
        why="The login module must belong to sasl.mechanism: PlainLoginModule with SCRAM-SHA-512 makes Kafka fail to "
        "create the SCRAM SASL client, and other mismatches make the login fail. Error; PLAIN with "
        "ScramLoginModule happens to work (both store username and password the same way) and is reported as a "
        "warning.",
        check=_per_client(_sasl_jaas_mismatch),
        failing=example(_SCRAM + _SCRAM_JAAS.replace("scram.ScramLoginModule", "plain.PlainLoginModule")),
        passing=example(_SCRAM + _SCRAM_JAAS),
    ),
    Rule(
        id="sasl-jaas-credentials-missing",
        family="security",
        level="error",
        summary="A PLAIN or SCRAM JAAS entry without its username or password option",
        why="PlainLoginModule and ScramLoginModule read the username and password options of the JAAS entry; without "
        "one of them the SASL login fails and the client cannot connect. Error.",
        check=_per_client(_sasl_jaas_credentials),
        failing=example(_SCRAM + _SCRAM_JAAS.replace(' password="${KAFKA_PASSWORD}"', "")),
        passing=example(_SCRAM + _SCRAM_JAAS),
    ),
    Rule(
        id="sasl-over-plaintext",
        family="security",
        level="warning",
        summary="SASL over an unencrypted connection: PLAIN passwords and OAuth tokens travel in clear text",
        why="SASL_PLAINTEXT authenticates without encrypting: PLAIN sends the password and OAUTHBEARER the bearer "
        "token in clear text, readable (and replayable) on the network path, and all messages travel "
        "unencrypted. Warning; with SCRAM or GSSAPI no password crosses the wire, so only the unencrypted "
        "traffic is reported, as info.",
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
)
