"""A real three-broker KRaft cluster on 127.0.0.1, from the pinned jars (tests/kafka/pom.xml).

One controller-only node (the single voter of the metadata quorum) and three broker-only nodes, so
that stopping a broker never touches the quorum: a stopped broker is fenced by the controller and
leaves the cluster's metadata, as in production. Each broker has two listeners: PLAINTEXT (between
brokers, and for the tests' own set-up) and SASL_PLAINTEXT with SCRAM-SHA-512 (the one kkc is
pointed at, so authentication is real; the user is created when the storage is formatted). Every
node has its own directory and free ports, is formatted and started in parallel with the others,
and is stopped by its PID; each broker can be stopped and started again by a test.
"""

from __future__ import annotations

import base64
import os
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.kafka.broker import LOG4J2, JavaProcess, free_port
from tests.kafka.harness import HarnessError, jdk_tool, runtime_jars

CONTROLLER_HEAP = "-Xmx256m"
BROKER_HEAP = "-Xmx384m"
START_TIMEOUT_S = 180.0
SCRAM_MECHANISM = "SCRAM-SHA-512"
SCRAM_USER = "kestra"
# Planted: tests/test_secrets_never_leak.py checks that no output of kkc shows it.
SCRAM_PASSWORD = "Scram-Live-Secret-4Z7"
# The brokers' own settings that the live tests read back (validate --cluster, plan's notes).
BROKER_SETTINGS = {
    "auto.create.topics.enable": "false",
    "message.max.bytes": "2097152",
    "group.initial.rebalance.delay.ms": "0",
}


@dataclass
class Node(JavaProcess):
    """One KRaft process: the controller (node 0) or a broker (1, 2, 3)."""

    LOG = "node.log"

    workdir: Path
    node_id: int
    controller_port: int
    plaintext_port: int = 0
    sasl_port: int = 0
    process: subprocess.Popen[bytes] | None = None
    started_in: float = 0.0
    _launched: float = field(default=0.0, repr=False)

    @property
    def is_controller(self) -> bool:
        return self.node_id == 0

    def properties(self) -> str:
        voters = f"controller.quorum.voters=0@127.0.0.1:{self.controller_port}"
        common = [f"node.id={self.node_id}", voters, "controller.listener.names=CONTROLLER"]
        common.append(f"log.dirs={self.workdir / 'data'}")
        if self.is_controller:
            return "\n".join(
                [
                    "process.roles=controller",
                    *common,
                    f"listeners=CONTROLLER://127.0.0.1:{self.controller_port}",
                    "listener.security.protocol.map=CONTROLLER:PLAINTEXT",
                    "",
                ]
            )
        listeners = f"PLAINTEXT://127.0.0.1:{self.plaintext_port},SASL_PLAINTEXT://127.0.0.1:{self.sasl_port}"
        return "\n".join(
            [
                "process.roles=broker",
                *common,
                f"listeners={listeners}",
                f"advertised.listeners={listeners}",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT",
                "inter.broker.listener.name=PLAINTEXT",
                f"sasl.enabled.mechanisms={SCRAM_MECHANISM}",
                f"listener.name.sasl_plaintext.{SCRAM_MECHANISM.lower()}.sasl.jaas.config="
                "org.apache.kafka.common.security.scram.ScramLoginModule required;",
                *(f"{k}={v}" for k, v in BROKER_SETTINGS.items()),
                "",
            ]
        )

    def configure(self) -> Path:
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "log4j2.properties").write_text(LOG4J2.format(log=self.workdir / "node.log"), encoding="utf-8")
        path = self.workdir / "server.properties"
        path.write_text(self.properties(), encoding="utf-8")
        return path

    def _log4j(self) -> str:
        return f"-Dlog4j2.configurationFile={self.workdir / 'log4j2.properties'}"

    def format_command(self, java: str, classpath: str, cluster_id: str) -> list[str]:
        command = [java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", self._log4j(), "-cp", classpath]
        command += [
            "kafka.tools.StorageTool",
            "format",
            f"--cluster-id={cluster_id}",
            "-c",
            str(self.workdir / "server.properties"),
        ]
        if self.is_controller:
            command += ["--add-scram", f"{SCRAM_MECHANISM}=[name={SCRAM_USER},password={SCRAM_PASSWORD}]"]
        return command

    def launch(self, java: str, classpath: str) -> None:
        heap = CONTROLLER_HEAP if self.is_controller else BROKER_HEAP
        properties = str(self.workdir / "server.properties")
        log = self.workdir / "node.log"
        if log.exists():  # a restart: wait for this start's own line
            log.rename(self.workdir / f"node.{int(time.time() * 1000)}.log")
        self._launched = time.monotonic()
        with (self.workdir / "stdout.log").open("ab") as output:
            self.process = subprocess.Popen(
                [java, heap, "-XX:+UseSerialGC", self._log4j(), "-cp", classpath, "kafka.Kafka", properties],
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def started(self) -> bool:
        """True once the node logged its start; raises when the process died."""
        assert self.process is not None
        if self.process.poll() is not None:
            raise HarnessError(f"KRaft node {self.node_id} exited {self.process.returncode}:\n{self.tail()}")
        log = self.workdir / "node.log"
        if log.is_file() and "Kafka Server started" in log.read_text(encoding="utf-8", errors="replace"):
            self.started_in = time.monotonic() - self._launched
            return True
        return False


class Cluster:
    """A controller and three brokers; `sasl_bootstrap` is what kkc connects to."""

    def __init__(self, workdir: Path, brokers: int = 3) -> None:
        self.workdir = workdir
        controller_port = free_port()
        self.controller = Node(workdir / "controller", 0, controller_port)
        self.brokers = [
            Node(workdir / f"broker-{i}", i, controller_port, free_port(), free_port()) for i in range(1, brokers + 1)
        ]
        self.started_in = 0.0

    @property
    def nodes(self) -> list[Node]:
        return [self.controller, *self.brokers]

    @property
    def plaintext_bootstrap(self) -> str:
        return ",".join(f"127.0.0.1:{b.plaintext_port}" for b in self.brokers)

    @property
    def sasl_bootstrap(self) -> str:
        return f"127.0.0.1:{self.brokers[0].sasl_port}"

    def broker(self, node_id: int) -> Node:
        return next(b for b in self.brokers if b.node_id == node_id)

    def _java(self) -> tuple[str, str]:
        java = jdk_tool("java")
        if java is None:
            raise HarnessError("java not found")
        return str(java), os.pathsep.join(map(str, runtime_jars()))

    def start(self) -> None:
        java, classpath = self._java()
        began = time.monotonic()
        # A Kafka Uuid is 16 random bytes in URL-safe base64 without padding.
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        formats = []
        for node in self.nodes:
            node.configure()
            command = node.format_command(java, classpath, cluster_id)
            formats.append((node, subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)))
        for node, proc in formats:
            out, _ = proc.communicate(timeout=120)
            if proc.returncode != 0:
                raise HarnessError(
                    f"kafka-storage format of node {node.node_id} failed:\n{out.decode(errors='replace')}"
                )
        for node in self.nodes:
            node.launch(java, classpath)
        try:
            self._wait(self.nodes)
            self.wait_for_brokers(len(self.brokers))
        except BaseException:
            self.stop()
            raise
        self.started_in = time.monotonic() - began

    def _wait(self, nodes: list[Node]) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        waiting = list(nodes)
        while waiting:
            waiting = [n for n in waiting if not n.started()]
            if waiting and time.monotonic() > deadline:
                raise HarnessError(
                    f"KRaft nodes {[n.node_id for n in waiting]} did not start within {START_TIMEOUT_S:.0f} s:\n"
                    + "\n".join(n.tail() for n in waiting)
                )
            time.sleep(0.1)

    def admin(self) -> Any:
        """A confluent-kafka AdminClient on the PLAINTEXT listener, for the tests' own set-up."""
        from confluent_kafka.admin import AdminClient

        return AdminClient({"bootstrap.servers": self.plaintext_bootstrap, "socket.timeout.ms": 10000})

    def registered(self) -> int:
        """How many brokers the cluster's metadata lists (a stopped broker is fenced and drops out)."""
        admin = self.admin()
        return len(admin.describe_cluster(request_timeout=10).result(timeout=15).nodes)

    def wait_for_brokers(self, count: int, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        seen = -1
        while time.monotonic() < deadline:
            try:
                seen = self.registered()
            except Exception:  # noqa: BLE001 - the cluster is still starting: ask again
                seen = -1
            if seen == count:
                return
            time.sleep(0.2)
        raise HarnessError(f"the cluster lists {seen} brokers, not {count}, after {timeout:.0f} s")

    def stop_broker(self, node_id: int) -> None:
        """Stop one broker (a controlled shutdown) and wait until the cluster no longer lists it."""
        self.broker(node_id).stop()
        self.wait_for_brokers(len(self.brokers) - sum(1 for b in self.brokers if not self._running(b)))

    def start_broker(self, node_id: int) -> None:
        java, classpath = self._java()
        node = self.broker(node_id)
        node.launch(java, classpath)
        self._wait([node])
        self.wait_for_brokers(sum(1 for b in self.brokers if self._running(b)))

    @staticmethod
    def _running(node: Node) -> bool:
        return node.process is not None and node.process.poll() is None

    def rss_mib(self) -> list[int]:
        return [n.rss_kib() // 1024 for n in self.nodes]

    def stop(self) -> None:
        for node in reversed(self.nodes):
            node.stop()
