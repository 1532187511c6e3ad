"""A real single-node KRaft Kafka broker on 127.0.0.1, from the pinned jars (tests/kafka/pom.xml).

It formats its own temporary storage, starts on free ports, is waited for until it answers, and is
stopped by its PID. `kafka_topics_script()` writes the real `kafka-topics.sh` (TopicCommand) against it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.kafka.harness import HarnessError, jdk_tool, runtime_jars

BROKER_HEAP = "-Xmx512m"
START_TIMEOUT_S = 120.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


LOG4J2 = """\
status = error
appender.file.type = File
appender.file.name = file
appender.file.fileName = {log}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = INFO
"""


class JavaProcess:
    """What the single broker and the cluster's nodes share: a JVM in its own process group and directory."""

    workdir: Path
    process: subprocess.Popen[bytes] | None
    LOG = "broker.log"  # the log file the process writes besides stdout.log

    def rss_kib(self) -> int:
        """The process's resident memory now (Linux /proc); 0 once it has ended."""
        if self.process is None or self.process.poll() is not None:
            return 0
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def tail(self, lines: int = 40) -> str:
        parts = []
        for name in ("stdout.log", self.LOG):
            path = self.workdir / name
            if path.is_file():
                parts.append("\n".join(path.read_text(errors="replace").splitlines()[-lines:]))
        return "\n".join(parts)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


@dataclass
class Broker(JavaProcess):
    """One KRaft node (broker and controller) with its own directory, ports and process."""

    workdir: Path
    port: int = field(default_factory=free_port)
    controller_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    started_in: float = 0.0  # seconds from launch until the port answered and the broker said STARTED

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _classpath(self) -> str:
        return os.pathsep.join(map(str, runtime_jars()))

    def _java(self) -> str:
        java = jdk_tool("java")
        if java is None:
            raise HarnessError("java not found")
        return str(java)

    def configure(self) -> Path:
        self.workdir.mkdir(parents=True, exist_ok=True)
        log4j = self.workdir / "log4j2.properties"
        log4j.write_text(LOG4J2.format(log=self.workdir / "broker.log"), encoding="utf-8")
        properties = self.workdir / "server.properties"
        properties.write_text(
            "\n".join(
                [
                    "process.roles=broker,controller",
                    "node.id=1",
                    f"controller.quorum.bootstrap.servers=127.0.0.1:{self.controller_port}",
                    f"listeners=PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
                    f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.port}",
                    "controller.listener.names=CONTROLLER",
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                    f"log.dirs={self.workdir / 'data'}",
                    "offsets.topic.replication.factor=1",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    "",
                ]
            ),
            encoding="utf-8",
        )
        return properties

    def start(self) -> None:
        properties = self.configure()
        java, classpath = self._java(), self._classpath()
        log4j = f"-Dlog4j2.configurationFile={self.workdir / 'log4j2.properties'}"
        cluster_id = subprocess.run(
            [java, log4j, "-cp", classpath, "kafka.tools.StorageTool", "random-uuid"],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout.split()[-1]
        formatted = subprocess.run(
            [java, log4j, "-cp", classpath, "kafka.tools.StorageTool", "format", "-t", cluster_id]
            + ["-c", str(properties), "--standalone"],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        if formatted.returncode != 0:
            raise HarnessError(f"kafka-storage format failed:\n{formatted.stdout}{formatted.stderr}")
        started = time.monotonic()
        with (self.workdir / "stdout.log").open("wb") as output:
            self.process = subprocess.Popen(
                [java, BROKER_HEAP, "-XX:+UseSerialGC", log4j, "-cp", classpath, "kafka.Kafka", str(properties)],
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait(started)

    def _wait(self, started: float) -> None:
        log = self.workdir / "broker.log"
        while time.monotonic() - started < START_TIMEOUT_S:
            assert self.process is not None
            if self.process.poll() is not None:
                raise HarnessError(f"the broker exited {self.process.returncode}:\n{self.tail()}")
            if log.is_file() and "Kafka Server started" in log.read_text(encoding="utf-8", errors="replace"):
                try:
                    with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                        self.started_in = time.monotonic() - started
                        return
                except OSError:
                    pass
            time.sleep(0.1)
        self.stop()
        raise HarnessError(f"the broker did not start within {START_TIMEOUT_S:.0f} s:\n{self.tail()}")

    def kafka_topics_script(self) -> Path:
        """A `kafka-topics.sh` that runs Kafka's own TopicCommand from the pinned kafka-tools jar.

        Its first run dumps the classes it loaded into a CDS archive beside it (JDK 13+), which the
        later runs map: each run then starts in ~0.8 s instead of ~1.4 s on two cores. A missing or
        unusable archive only costs that time (the JVM's CDS messages are silenced)."""
        script = self.workdir / "kafka-topics.sh"
        archive = self.workdir / "kafka-topics.jsa"
        log4j = f"-Dlog4j2.configurationFile={self.workdir / 'log4j2.properties'}"
        script.write_text(
            "#!/bin/sh\n"
            f'if [ -f "{archive}" ]; then cds="-XX:SharedArchiveFile={archive}"; '
            f'else cds="-XX:ArchiveClassesAtExit={archive}"; fi\n'
            f'exec "{self._java()}" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xlog:disable -Xlog:all=error:stderr '
            f'"$cds" {log4j} -cp "{self._classpath()}" org.apache.kafka.tools.TopicCommand "$@"\n',
            encoding="utf-8",
        )
        script.chmod(0o755)
        return script
