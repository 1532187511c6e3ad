"""Rules: how Kestra's clients find the cluster (bootstrap.servers, bootstrap.controllers) and
Kafka Streams' application.server, read with Kafka's own address parsing.

Every entry of bootstrap.servers is `host:port` as Kafka's `Utils.getHost`/`getPort` read it (an
optional `PROTOCOL://`, an IPv6 host in brackets); no port, a `;` separator, a ZooKeeper chroot
(`zk:2181/kafka`) or template text left in is "Invalid url", a port above 65535 "Invalid port",
and the client does not start (ClientUtils.parseAndValidateAddresses). Run-time placeholders are
Kestra's to fill and are not judged. Host names are not resolved: they resolve where Kestra runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from compiler.errors import Origin
from compiler.keys import CLIENT_PROPERTIES
from compiler.rules.base import Client, ClientFinding, Context, Finding, Rule, example, per_client, properties_example
from compiler.values import java_trim, parse_list

FAMILY = "connection"
# Utils.HOST_PORT_PATTERN (kafka-clients), used with matches().
HOST_PORT = re.compile(r"(?:[0-9a-zA-Z\-%._]*://)?\[?([0-9a-zA-Z\-%._:]*)]?:([0-9]+)")
MAX_PORT = 65535


def address_problem(entry: str) -> str | None:
    """Kafka's complaint about one bootstrap.servers entry ("Invalid url"/"Invalid port"), None when fine."""
    found = HOST_PORT.fullmatch(entry)
    if found is None:
        return "Invalid url"
    return "Invalid port" if int(found.group(2)) > MAX_PORT else None


def address_complaint(entry: str) -> str | None:
    """Kafka's complaint about one bootstrap entry with what in it causes it, None when Kafka takes it."""
    problem = address_problem(entry)
    return None if problem is None else f"{problem}: {entry}{_hint(entry, problem)}"


def _runtime(value: str) -> bool:
    return "${" in value


def _malformed(c: Client) -> Iterator[ClientFinding]:
    key = c.key("bootstrap.servers")
    if key is None or _runtime(c.props[key]):
        return
    for entry in parse_list(c.props[key]):
        problem = address_problem(entry) if entry else None
        if problem is not None:
            yield c.at(
                "bootstrap.servers",
                f"{problem} in bootstrap.servers: {entry} (ConfigException): {{who}} cannot start. Each entry is "
                f"host:port{_hint(entry, problem)}",
            )


def _hint(entry: str, problem: str) -> str:
    """What in the entry Kafka's parser stumbles on, in the user's words."""
    if problem == "Invalid port":
        return f"; the port must be at most {MAX_PORT}"
    if ";" in entry:
        return "; separate entries with commas, not ';'"
    if "/" in entry.split("://", 1)[-1]:
        return "; a path such as /kafka is ZooKeeper's chroot, which Kafka clients do not take"
    if "{{" in entry or "<" in entry:
        return "; template text was left in"
    if ":" not in entry.split("://", 1)[-1]:
        return "; the port is missing"
    return "; the port must be a number"


def _user_anchor(ctx: Context) -> Origin:
    """Where to report a key that is missing: the user's kestra.kafka (or kestra) key, else the file's top."""
    for path in (CLIENT_PROPERTIES, ("kestra", "kafka"), ("kestra",)):
        origin = ctx.origin(path)
        if ctx.is_user_set(path) and origin is not None:
            return origin
    return Origin(ctx.target, 1, 1)


def _missing(ctx: Context) -> Iterator[Finding]:
    """No client of the config knows where the cluster is."""
    whole = (ctx.compiled.whole or ctx.is_user_set(("kestra", "queue", "type"))) and not ctx.unseen
    if not whole and not any(
        path[:2] in (("kestra", "kafka"), ("kestra", "queue")) and ctx.is_user_set(path)
        for path in ctx.compiled.merged.settings
    ):
        return  # no Kestra setting at all: no-kestra-settings says so
    for client in ctx.clients():
        if client.role == "admin" and _given(client, "bootstrap.controllers"):
            continue
        key = client.key("bootstrap.servers")
        if key is None and client.role == "admin" and client.key("bootstrap.controllers") is not None:
            yield client.at(
                "bootstrap.controllers",
                "bootstrap.controllers is empty and bootstrap.servers is not set: the admin client cannot start "
                "(ConfigException: You must set either bootstrap.servers or bootstrap.controllers)",
            ).finding
            continue
        if key is None:
            if ctx.compiled.properties_role is not None:
                message = (
                    "no bootstrap.servers in this file: the client cannot start unless the application adds it "
                    '(Missing required configuration "bootstrap.servers")'
                )
                yield Finding((), message, level="warning", origin=Origin(ctx.target, 1, 1))
                return
            why = (
                'every Kestra client fails to start (Missing required configuration "bootstrap.servers")'
                if whole
                else "another layer or file must set it, or Kestra's clients do not start"
            )
            yield Finding(
                CLIENT_PROPERTIES,
                f"no bootstrap.servers under kestra.kafka.client.properties: {why}; set it to the brokers' "
                "host:port list",
                level=None if whole else "info",
                origin=_user_anchor(ctx),
            )
            return
        if not java_trim(client.props[key]) and client.role == "admin":
            yield client.at(
                "bootstrap.servers",
                "bootstrap.servers is empty and bootstrap.controllers is not set: the admin client cannot start "
                "(ConfigException: You must set either bootstrap.servers or bootstrap.controllers)",
            ).finding


def _given(c: Client, name: str) -> bool:
    key = c.key(name)
    return key is not None and bool(java_trim(c.props[key]))


def _both_bootstraps(c: Client) -> Iterator[ClientFinding]:
    # Kafka Streams always needs bootstrap.servers, so its admin client gets both as soon as one is set.
    if not _given(c, "bootstrap.controllers") or (c.key("bootstrap.servers") is None and not c.streams):
        return  # an empty list counts as not set
    yield c.at(
        "bootstrap.controllers",
        "bootstrap.controllers and bootstrap.servers are both set for {who}: it cannot start (ConfigException: "
        "You cannot set both bootstrap.servers and bootstrap.controllers); Kestra's clients talk to brokers: "
        "remove bootstrap.controllers",
    )


def _application_server(c: Client) -> Iterator[ClientFinding]:
    value = c.props.get("application.server") if c.streams else None
    if value is None or not java_trim(value) or _runtime(value) or HOST_PORT.fullmatch(java_trim(value)):
        return
    yield c.at(
        "application.server",
        f"application.server {java_trim(value)!r} is not host:port: Kafka Streams cannot start (ConfigException: "
        f"Error parsing host address {java_trim(value)}. Expected format host:port.)",
    )


_SERVERS = 'kestra:\n  kafka:\n    client:\n      properties:\n        bootstrap.servers: "{}"\n'

RULES: tuple[Rule, ...] = (
    Rule(
        id="bootstrap-servers-malformed",
        family=FAMILY,
        level="error",
        summary="A bootstrap.servers entry Kafka cannot parse as host:port (Invalid url / Invalid port)",
        why="Every Kafka client parses bootstrap.servers when it is created; an entry without a port, with ';' "
        "between entries, a ZooKeeper path, template text or a port above 65535 makes the constructor throw a "
        "ConfigException, so none of Kestra's clients starts. Error.",
        check=per_client(_malformed),
        failing=example(_SERVERS.format("kafka-0:9092;kafka-1:9092")),
        passing=example(_SERVERS.format("kafka-0:9092,kafka-1:9092")),
    ),
    Rule(
        id="bootstrap-servers-missing",
        family=FAMILY,
        level="error",
        summary="No bootstrap.servers for Kestra's clients (an info for a file that is only a fragment)",
        why="Kafka's clients need bootstrap.servers (required from kafka-clients 4.2; before, 'No resolvable "
        "bootstrap urls'), and Kestra's defaults have none, so a compiled target or a file that declares the "
        "Kafka queue without it does not start. A file that only holds some settings is an info: another layer "
        "may set it. A .properties file without it is a warning: the application may add it in code.",
        check=_missing,
        failing=example("kestra:\n  queue:\n    type: kafka\n"),
        passing=example(_SERVERS.format("kafka:9092")),
    ),
    Rule(
        id="bootstrap-controllers-with-servers",
        family=FAMILY,
        level="error",
        summary="bootstrap.controllers beside bootstrap.servers: the admin client refuses both",
        why="Kafka's admin client (Kestra's, and the one inside Kafka Streams) takes exactly one of "
        "bootstrap.servers and bootstrap.controllers (3.7+) and throws a ConfigException when both are set, so "
        "the executor and topic creation fail. Kestra's clients talk to brokers. Error.",
        check=per_client(_both_bootstraps, "admin"),
        failing=example(_SERVERS.format("kafka:9092") + "        bootstrap.controllers: kafka:9093\n"),
        passing=example(_SERVERS.format("kafka:9092")),
    ),
    Rule(
        id="streams-application-server-malformed",
        family=FAMILY,
        level="error",
        summary="Kafka Streams' application.server is not host:port",
        why="Kafka Streams parses application.server when it is created and throws a ConfigException ('Error "
        "parsing host address ... Expected format host:port.') for anything else, so Kestra's executor does not "
        "start. Error.",
        check=per_client(_application_server),
        failing=properties_example("streams", "application.server=kestra-executor\n"),
        passing=properties_example("streams", "application.server=kestra-executor:8080\n"),
    ),
)
