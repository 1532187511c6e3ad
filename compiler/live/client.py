"""The one module that talks to Kafka: confluent-kafka's AdminClient (librdkafka), the `live` extra.

Every call has a deadline, and a connection that cannot work fails at once instead of retrying until
it: librdkafka reports "all brokers are down" and authentication failures through its error
callback, and kkc stops there with the client's or the broker's own text. Messages never quote a
secret of the connection.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, TypeVar

from compiler.errors import ClusterError
from compiler.live.apiversions import cluster_release, parse_log
from compiler.live.connection import Connection
from compiler.live.state import LiveConfig, LiveTopic, Snapshot
from compiler.records import record

if TYPE_CHECKING:
    from confluent_kafka import KafkaError
    from confluent_kafka.admin import AdminClient

K = TypeVar("K")
BROKER_TAG = "\0broker "  # a resource name no topic can have


def _differences(per_broker: Mapping[int, Mapping[str, LiveConfig]]) -> dict[str, dict[int, str | None]]:
    """The settings kkc reads (compiler.live.facts.BROKER_KEYS) on which the brokers disagree."""
    from compiler.live.facts import BROKER_KEYS

    found: dict[str, dict[int, str | None]] = {}
    for key in BROKER_KEYS:
        values = {broker: (c[key].value if key in c else None) for broker, c in sorted(per_broker.items())}
        if len(set(values.values())) > 1:
            found[key] = values
    return found


# A topic the describing broker has not learnt yet (see Admin._describe_again).
UNKNOWN = "UNKNOWN_TOPIC_OR_PART"
# librdkafka errors after which waiting longer cannot help.
GIVE_UP = ("_ALL_BROKERS_DOWN", "_AUTHENTICATION", "_SSL", "_INVALID_ARG", "_UNSUPPORTED_FEATURE")
POLL_S = 0.05


def available() -> None:
    """Raise a usage error naming the extra when confluent-kafka is not installed."""
    try:
        import confluent_kafka  # noqa: F401
    except ImportError:
        raise ClusterError(
            "talking to a live cluster needs kkc's live extra (the confluent-kafka client): "
            "pip install 'kkc[live]' (from your copy of kkc, as you installed it)"
        ) from None


@record
class Refused:
    """A request the cluster answered with an error: Kafka's error name and the broker's text."""

    name: str
    text: str

    def __str__(self) -> str:
        return f"{self.name}: {self.text}" if self.text else self.name


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


class Admin:
    """One connection to a cluster, as Kestra's admin client would make it."""

    def __init__(self, connection: Connection, timeout: float) -> None:
        available()
        from confluent_kafka.admin import AdminClient

        self.connection = connection
        self.timeout = timeout
        self.errors: list[KafkaError] = []
        self.log = _Capture()
        logger = logging.getLogger(f"kkc.live.{id(self)}")
        logger.propagate = False
        logger.setLevel(logging.DEBUG)
        logger.addHandler(self.log)
        millis = str(max(1000, int(timeout * 1000)))
        settings: dict[str, Any] = {
            **connection.settings,
            "socket.timeout.ms": str(min(300_000, int(millis))),  # librdkafka's own maximum
            "socket.connection.setup.timeout.ms": millis,
            "debug": "feature",  # the brokers' API versions, for their release (compiler/live/apiversions.py)
            "error_cb": self.errors.append,
            "logger": logger,
        }
        try:
            self.client: AdminClient = AdminClient(settings)
        except Exception as error:  # noqa: BLE001 - librdkafka refuses a setting: its own text
            raise ClusterError(f"the client refused the connection settings: {self.hide(str(error))}") from None

    def hide(self, text: str) -> str:
        """`text` with every secret of the connection masked."""
        for secret in self.connection.secrets:
            text = text.replace(secret, "********")
        return text

    def _fail(self, what: str, why: str) -> ClusterError:
        if "Invalid response size" in why:
            # librdkafka read another protocol's bytes as a Kafka frame length ("HTTP" is 1213486160)
            why += "; the address answers, but not as a Kafka listener (an HTTP server, or the wrong port?)"
        return ClusterError(self.hide(f"{self.connection.bootstrap}: {what}: {why}"))

    def _given_up(self) -> str | None:
        """The client's own texts once it reported something waiting cannot fix."""
        names = [e.name() for e in self.errors]
        if not any(n in GIVE_UP for n in names) and not any(e.fatal() for e in self.errors):
            return None
        texts = list(dict.fromkeys(e.str() for e in self.errors))
        return "; ".join(texts[-3:])

    def wait(self, futures: Mapping[K, Future[Any]], what: str) -> dict[K, Any]:
        """Each future's result, or a Refused for one the cluster answered with an error."""
        from confluent_kafka import KafkaException

        deadline = time.monotonic() + self.timeout
        while not all(f.done() for f in futures.values()):
            self.client.poll(POLL_S)
            given_up = self._given_up()
            if given_up is not None:
                raise self._fail(what, given_up)
            if time.monotonic() > deadline:
                seen = "; ".join(list(dict.fromkeys(e.str() for e in self.errors))[-3:])
                raise self._fail(what, f"no answer within {self.timeout:g} s" + (f" ({seen})" if seen else ""))
        out: dict[K, Any] = {}
        for key, future in futures.items():
            try:
                out[key] = future.result(timeout=0)
            except KafkaException as error:
                out[key] = _refused(error)
        return out

    def _one(self, future: Future[Any], what: str) -> Any:
        result = self.wait({0: future}, what)[0]
        if isinstance(result, Refused):
            raise self._fail(what, self.hide(str(result)))
        return result

    def snapshot(self, describe: Iterable[str]) -> Snapshot:
        """The cluster's brokers, release, one broker's settings and every topic; the configs of the
        topics named in `describe` that exist."""
        from confluent_kafka import KafkaException
        from confluent_kafka.admin import ConfigResource, ResourceType

        cluster = self._one(self.client.describe_cluster(request_timeout=self.timeout), "describing the cluster")
        brokers = tuple(sorted(int(node.id) for node in cluster.nodes))
        try:
            metadata = self.client.list_topics(timeout=self.timeout)
        except KafkaException as error:
            raise self._fail("listing the topics", str(_refused(error))) from None
        topics: dict[str, LiveTopic] = {}
        for name, topic in metadata.topics.items():
            partitions = topic.partitions or {}
            replicas = max((len(p.replicas) for p in partitions.values()), default=0)
            topics[str(name)] = LiveTopic(str(name), len(partitions), replicas)
        wanted = sorted({n for n in describe if n in topics})
        resources = {name: ConfigResource(ResourceType.TOPIC, name) for name in wanted}
        broker_id = brokers[0] if brokers else None
        # Every broker (a setting that differs between them changes with the leader), one per request:
        # librdkafka takes a single BROKER resource per DescribeConfigs call. The calls run side by side.
        calls = [resources] if resources else []
        calls += [{f"{BROKER_TAG}{b}": ConfigResource(ResourceType.BROKER, str(b))} for b in brokers]
        pending: dict[str, Any] = {}
        for call in calls:
            pending.update(self._describe(call))
        results = self.wait(pending, "describing configs")
        self._describe_again(results, resources)
        per_broker: dict[int, dict[str, LiveConfig]] = {}
        for name, result in results.items():
            which = int(name.removeprefix(BROKER_TAG)) if name.startswith(BROKER_TAG) else None
            if isinstance(result, Refused):
                shown = name if which is None else f"broker {which}"
                why = str(result)
                if which is None and result.name == UNKNOWN:
                    why += f" (the metadata lists it; still unknown after {self.timeout:g} s: deleted meanwhile?)"
                raise self._fail(f"describing the configs of {shown}", why)
            configs = {str(k): _config(v) for k, v in result.items()}
            if which is not None:
                per_broker[which] = configs
            else:
                topics[name] = LiveTopic(name, topics[name].partitions, topics[name].replication_factor, configs)
        broker_configs = per_broker.get(broker_id, {}) if broker_id is not None else {}
        release = cluster_release(parse_log(self.log.lines))
        cluster_id = str(cluster.cluster_id or "")
        return Snapshot(
            self.connection.bootstrap,
            cluster_id,
            brokers,
            release,
            broker_id,
            broker_configs,
            topics,
            _differences(per_broker),
        )

    def _describe_again(self, results: dict[str, Any], resources: Mapping[str, Any]) -> None:
        """Ask again, until the deadline, for the configs of listed topics a broker called unknown.

        The metadata came from one broker and DescribeConfigs went to another: a broker learns a new
        topic from the controller's log a moment later (more when it has just restarted), so a plan
        right after an apply can meet a topic the metadata lists and the describing broker does not know.
        """
        deadline = time.monotonic() + self.timeout
        while True:
            unknown = [n for n in resources if isinstance(r := results.get(n), Refused) and r.name == UNKNOWN]
            if not unknown or time.monotonic() > deadline:
                return
            time.sleep(POLL_S)
            results.update(self.wait(self._describe({n: resources[n] for n in unknown}), "describing configs"))

    def _describe(self, named: Mapping[str, Any]) -> dict[str, Future[Any]]:
        """One DescribeConfigs request for these resources; each one's answer under its name."""
        futures = self.client.describe_configs(list(named.values()), request_timeout=self.timeout)
        by_resource = {str(r): f for r, f in futures.items()}
        return {name: by_resource[str(resource)] for name, resource in named.items()}

    def validate_new(self, topics: Mapping[str, tuple[int, int, Mapping[str, str]]]) -> dict[str, Refused | None]:
        """CreateTopics with validate_only: the broker's whole check of each new topic; nothing is created."""
        from confluent_kafka.admin import NewTopic

        if not topics:
            return {}
        new = [NewTopic(name, p, r, config=dict(c)) for name, (p, r, c) in topics.items()]
        futures = self.client.create_topics(new, validate_only=True, request_timeout=self.timeout)
        results = self.wait(futures, "checking the new topics (CreateTopics, validate only)")
        return {str(name): r if isinstance(r, Refused) else None for name, r in results.items()}

    def create_topic(self, name: str, partitions: int, replication_factor: int, configs: Mapping[str, str]) -> None:
        from confluent_kafka.admin import NewTopic

        topic = NewTopic(name, partitions, replication_factor, config=dict(configs))
        futures = self.client.create_topics([topic], request_timeout=self.timeout, operation_timeout=self.timeout)
        self._one(futures[name], f"creating {name}")
        self.visible(name, partitions)

    def visible(self, name: str, partitions: int, what: str = "") -> None:
        """Wait until the metadata lists the topic with its partitions: a plan right after apply sees it.
        (Each broker learns a topic from the controller's log; one that just restarted may lag.)"""
        from confluent_kafka import KafkaException

        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            try:
                topic = self.client.list_topics(topic=name, timeout=self.timeout).topics.get(name)
            except KafkaException:
                topic = None
            if topic is not None and topic.error is None and len(topic.partitions or {}) >= partitions:
                return
            time.sleep(POLL_S)
        why = f"created, but not listed in the metadata within {self.timeout:g} s"
        raise self._fail(what or f"creating {name}", why)

    def set_configs(self, name: str, values: Mapping[str, str]) -> None:
        """IncrementalAlterConfigs: SET each of `values` on the topic; its other configs stay as they are."""
        from confluent_kafka.admin import AlterConfigOpType, ConfigEntry, ConfigResource, ResourceType

        entries = [ConfigEntry(k, v, incremental_operation=AlterConfigOpType.SET) for k, v in values.items()]
        resource = ConfigResource(ResourceType.TOPIC, name, incremental_configs=entries)
        futures = self.client.incremental_alter_configs([resource], request_timeout=self.timeout)
        self._one(next(iter(futures.values())), f"setting configs of {name}")

    def add_partitions(self, name: str, total: int) -> None:
        from confluent_kafka.admin import NewPartitions

        futures = self.client.create_partitions(
            [NewPartitions(name, total)], request_timeout=self.timeout, operation_timeout=self.timeout
        )
        self._one(futures[name], f"adding partitions to {name}")
        self.visible(name, total)


def _refused(error: Any) -> Refused:
    kafka_error = error.args[0] if getattr(error, "args", None) else None
    if kafka_error is not None and hasattr(kafka_error, "name"):
        return Refused(str(kafka_error.name()), str(kafka_error.str()))
    return Refused("ERROR", str(error))


def _config(entry: Any) -> LiveConfig:
    from confluent_kafka.admin import ConfigSource

    try:
        source = ConfigSource(entry.source).name
    except ValueError:
        source = str(entry.source)
    value = None if entry.is_sensitive else entry.value
    return LiveConfig(None if value is None else str(value), source, bool(entry.is_sensitive))
