"""Admin.snapshot against a stand-in for librdkafka's AdminClient: a topic the metadata lists and the
describing broker does not know yet (it learns it from the controller's log a moment later)."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import Future
from types import SimpleNamespace
from typing import Any

import pytest

pytest.importorskip("confluent_kafka")

from confluent_kafka import KafkaError, KafkaException  # noqa: E402
from confluent_kafka.admin import ResourceType  # noqa: E402

from compiler.errors import ClusterError  # noqa: E402
from compiler.live.client import Admin, _Capture  # noqa: E402


def _done(value: Any = None, error: BaseException | None = None) -> Future[Any]:
    future: Future[Any] = Future()
    if error is None:
        future.set_result(value)
    else:
        future.set_exception(error)
    return future


class LaggingBroker:
    """Lists topics `a` and `b`; DescribeConfigs calls `b` unknown for its first `lag` answers."""

    def __init__(self, lag: int) -> None:
        self.lag = lag
        self.described: list[str] = []

    def describe_cluster(self, request_timeout: float) -> Future[Any]:
        return _done(SimpleNamespace(nodes=[SimpleNamespace(id=1)], cluster_id="c1"))

    def list_topics(self, timeout: float, topic: str | None = None) -> Any:
        one = SimpleNamespace(partitions={0: SimpleNamespace(replicas=[1])}, error=None)
        return SimpleNamespace(topics={"a": one, "b": one})

    def describe_configs(self, resources: Iterable[Any], request_timeout: float) -> dict[Any, Future[Any]]:
        out: dict[Any, Future[Any]] = {}
        for resource in resources:
            if resource.restype != ResourceType.TOPIC:
                out[resource] = _done({})
                continue
            self.described.append(resource.name)
            if resource.name == "b" and self.lag > 0:
                self.lag -= 1
                out[resource] = _done(error=KafkaException(KafkaError(KafkaError.UNKNOWN_TOPIC_OR_PART)))
            else:
                out[resource] = _done({})
        return out

    def poll(self, timeout: float) -> None:
        return None


def _admin(client: LaggingBroker, timeout: float) -> Admin:
    admin = Admin.__new__(Admin)
    admin.connection = SimpleNamespace(bootstrap="127.0.0.1:9092", secrets=())  # type: ignore[assignment]
    admin.timeout = timeout
    admin.errors = []
    admin.log = _Capture()
    admin.client = client  # type: ignore[assignment]
    return admin


def test_a_topic_the_describing_broker_learns_late_is_asked_for_again() -> None:
    client = LaggingBroker(lag=2)
    snapshot = _admin(client, timeout=5).snapshot(["a", "b", "absent"])
    assert sorted(snapshot.topics) == ["a", "b"]
    assert snapshot.topics["b"].configs == {}
    # the first call asks for both; only the unknown one is asked for again, twice
    assert client.described == ["a", "b", "b", "b"]


def test_a_topic_still_unknown_at_the_deadline_is_an_error_that_says_so() -> None:
    with pytest.raises(ClusterError) as raised:
        _admin(LaggingBroker(lag=10**6), timeout=0.2).snapshot(["a", "b"])
    assert str(raised.value) == (
        "kkc: error: 127.0.0.1:9092: describing the configs of b: UNKNOWN_TOPIC_OR_PART: Broker: Unknown topic or"
        " partition (the metadata lists it; still unknown after 0.2 s: deleted meanwhile?)"
    )
