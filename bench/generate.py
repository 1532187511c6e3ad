"""Write a realistic Hydra config tree of N targets for the kkc benchmark.

    python bench/generate.py N DIR

The tree (deterministic for a given N; DIR is emptied of the files it owns, then written):

- config.yaml: defaults list `[_self_, {env: dev}, {instance: null}]`, the `targets:` list, the
  organisation's client, consumer, producer and Streams settings, and all 15 topics, each pinning
  its replication factor and min.insync.replicas to the defaults through `${...}`;
- env/{dev,staging,prod}.yaml (`# @package _global_`): the env's cluster (name, brokers, Kafka
  version, broker defaults), an SSL (dev: mutual TLS) or SASL_SSL client whose secrets are
  run-time placeholders (`${KAFKA_PASSWORD}`, ...), partitions, replication factor, a few
  per-topic overrides; prod also has a policy;
- instance/<env>-<k>.yaml: N/3 instances per env sharing the env's cluster, each with its own
  topic-prefix and consumer-prefix (ending in '_') and a few per-instance overrides; with
  `--shape heavy`, each instance also overrides all 15 topics (partitions and max.message.bytes),
  like real instance files.

Each target is ~200 keys once merged over Kestra's bundled defaults, with ~50 `${...}`
references to keys of the config (`${kestra.kafka.defaults.topic.replication-factor}`,
`${kestra.kafka.defaults.consumer-prefix}`, `${cluster.name}`, ...). The tree passes
`kkc validate --all` with no error and no warning.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path
from typing import Any

from compiler.layers import kestra_topic_keys

ENVS = ("dev", "staging", "prod")

TOPICS = kestra_topic_keys()  # the 15 topics of Kestra's bundled defaults

RF = "${kestra.kafka.defaults.topic.replication-factor}"
MIN_ISR = "${kestra.kafka.defaults.topic.properties.min.insync.replicas}"
MAX_MESSAGE = "10485760"


# --------------------------------------------------------------------------------------------
# A tiny block-style YAML writer: deterministic, every string double-quoted (JSON quoting is valid
# YAML), so the files read the same as YAML 1.1 and 1.2 and in Hydra/OmegaConf.


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    raise TypeError(f"unsupported value {value!r}")


def _key(key: str) -> str:
    return key if key.replace("-", "").replace("_", "").replace(".", "").isalnum() else json.dumps(key)


def _emit(node: Any, indent: int, out: list[str]) -> None:
    pad = "  " * indent
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, dict) and value:
                out.append(f"{pad}{_key(key)}:")
                _emit(value, indent + 1, out)
            elif isinstance(value, list):
                out.append(f"{pad}{_key(key)}:")
                for item in value:
                    if isinstance(item, dict):
                        flow = ", ".join(f"{_key(k)}: {_scalar(v)}" for k, v in item.items())
                        out.append(f"{pad}  - {{{flow}}}")
                    else:
                        out.append(f"{pad}  - {_scalar(item)}")
            else:
                out.append(f"{pad}{_key(key)}: {_scalar(value)}")
    else:
        raise TypeError("a layer is a mapping")


def to_yaml(data: dict[str, Any], header: str = "") -> str:
    lines: list[str] = [header.rstrip("\n")] if header else []
    _emit(data, 0, lines)
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# The layers.


def instances_per_env(n: int) -> dict[str, list[str]]:
    """N targets spread over the 3 envs (the first envs take the remainder)."""
    if n < len(ENVS):
        raise ValueError(f"N must be at least {len(ENVS)} (one instance per env)")
    out: dict[str, list[str]] = {}
    for index, env in enumerate(ENVS):
        count = n // len(ENVS) + (1 if index < n % len(ENVS) else 0)
        out[env] = [f"{env}-{k:03d}" for k in range(count)]
    return out


def config_layer(n: int) -> dict[str, Any]:
    targets = [{"env": env, "instance": name} for env, names in instances_per_env(n).items() for name in names]
    topics: dict[str, Any] = {}
    for key in TOPICS:
        topic: dict[str, Any] = {"replication-factor": RF, "properties": {"min.insync.replicas": MIN_ISR}}
        if key in ("execution", "workertask", "workertaskresult", "workertaskrunning"):
            topic["partitions"] = "${kestra.kafka.defaults.topic.partitions}"
        if key in ("flow", "flowlast", "template"):
            topic["properties"]["segment.bytes"] = "104857600"
        if key in ("executor", "killed", "executorflowtrigger", "executorworkertaskexecution"):
            topic["properties"]["segment.ms"] = "604800000"
            topic["properties"]["max.compaction.lag.ms"] = "604800000"
        if key != "logentry":
            topic["properties"]["min.cleanable.dirty.ratio"] = "0.1"
        topics[key] = topic
    topics["logentry"]["properties"].update({"retention.ms": "604800000", "compression.type": "producer"})
    topics["workertaskresult"]["properties"]["retention.ms"] = "604800000"
    return {
        "defaults": ["_self_", {"env": "dev"}, {"instance": None}],
        "targets": targets,
        "cluster": {"name": "local", "brokers": 1, "kafka-version": "4.1"},
        "kestra": {
            "queue": {"type": "kafka"},
            "kafka": {
                "client": {
                    "properties": {
                        "bootstrap.servers": "localhost:9092",
                        "client.dns.lookup": "use_all_dns_ips",
                        "request.timeout.ms": 30000,
                        "default.api.timeout.ms": 60000,
                        "metadata.max.age.ms": 300000,
                        "reconnect.backoff.ms": 100,
                        "reconnect.backoff.max.ms": 10000,
                        "retry.backoff.ms": 200,
                        "connections.max.idle.ms": 540000,
                    }
                },
                "defaults": {
                    "topic": {
                        "partitions": 8,
                        "replication-factor": 1,
                        "properties": {
                            "max.message.bytes": MAX_MESSAGE,
                            "min.insync.replicas": "1",
                            "message.timestamp.type": "CreateTime",
                        },
                    },
                    "consumer": {
                        "properties": {
                            "max.poll.records": 500,
                            "max.poll.interval.ms": 300000,
                            "session.timeout.ms": 45000,
                            "heartbeat.interval.ms": 3000,
                            "fetch.min.bytes": 1,
                            "fetch.max.wait.ms": 500,
                            "max.partition.fetch.bytes": MAX_MESSAGE,
                            "fetch.max.bytes": 52428800,
                        }
                    },
                    "producer": {
                        "properties": {
                            "linger.ms": 5,
                            "batch.size": 65536,
                            "buffer.memory": 67108864,
                            "delivery.timeout.ms": 120000,
                            "max.in.flight.requests.per.connection": 5,
                            "enable.idempotence": "true",
                        }
                    },
                    "stream": {
                        "properties": {
                            "state.dir": "/var/lib/kestra/kafka-streams/${kestra.kafka.defaults.consumer-prefix}",
                            "num.stream.threads": 2,
                            "commit.interval.ms": 100,
                            "statestore.cache.max.bytes": 10485760,
                            "topology.optimization": "all",
                            "client.id": "${kestra.kafka.defaults.consumer-prefix}streams",
                        }
                    },
                },
                "topics": topics,
                "message-protection": {"enabled": True, "soft-limit": 1048576, "hard-limit": 10485760},
            },
        },
    }


def _client(env: str) -> dict[str, Any]:
    servers = ",".join(f"kafka-{b}.{env}.internal:9093" for b in range(3))
    common = {
        "bootstrap.servers": servers,
        "ssl.truststore.location": "/etc/kestra/tls/${cluster.name}/truststore.p12",
        "ssl.truststore.type": "PKCS12",
        "ssl.truststore.password": "${KAFKA_TRUSTSTORE_PASSWORD}",
        "ssl.endpoint.identification.algorithm": "https",
        "ssl.enabled.protocols": "TLSv1.3,TLSv1.2",
    }
    if env == "dev":
        return {
            **common,
            "security.protocol": "SSL",
            "ssl.keystore.location": "/etc/kestra/tls/${cluster.name}/keystore.p12",
            "ssl.keystore.type": "PKCS12",
            "ssl.keystore.password": "${KAFKA_KEYSTORE_PASSWORD}",
            "ssl.protocol": "TLSv1.3",
        }
    return {
        **common,
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "SCRAM-SHA-512",
        "sasl.jaas.config": "org.apache.kafka.common.security.scram.ScramLoginModule required "
        'username="${KAFKA_USERNAME}" password="${KAFKA_PASSWORD}";',
    }


def env_layer(env: str) -> dict[str, Any]:
    brokers = 3
    partitions = {"dev": 4, "staging": 8, "prod": 16}[env]
    layer: dict[str, Any] = {
        "cluster": {
            "name": f"{env}-eu",
            "brokers": brokers,
            "kafka-version": "4.1",
            "broker-defaults": {
                "log.retention.hours": 168,
                "transaction.state.log.replication.factor": 3,
                "transaction.state.log.min.isr": 2,
            },
        },
        "kestra": {
            "kafka": {
                "client": {"properties": _client(env)},
                "defaults": {
                    "topic": {
                        "partitions": partitions,
                        "replication-factor": 3,
                        "properties": {"min.insync.replicas": "2"},
                    },
                    "producer": {"properties": {"delivery.timeout.ms": 180000}},
                    "consumer": {"properties": {"max.poll.records": 250 if env == "prod" else 500}},
                },
                "topics": {
                    "logentry": {
                        "properties": {
                            "retention.ms": {"dev": "86400000", "staging": "259200000"}.get(env, "1209600000")
                        }
                    },
                    "execution": {"partitions": partitions * 2},
                },
            }
        },
    }
    if env == "prod":
        layer["policy"] = {
            "min-replication-factor": 3,
            "min-insync-replicas": 2,
            "require-encryption": True,
            "forbid-loggers": True,
            "forbid-literal-secrets": True,
        }
        layer["kestra"]["kafka"]["defaults"]["stream"] = {"properties": {"num.stream.threads": 4}}
    return layer


def instance_layer(env: str, index: int, heavy: bool = False) -> dict[str, Any]:
    prefix = f"{env}{index:03d}_kestra_"
    kafka: dict[str, Any] = {"defaults": {"topic-prefix": prefix, "consumer-prefix": prefix}}
    topics: dict[str, Any] = {}
    if heavy:  # the heavy shape: every instance overrides all 15 topics, as real instance files do
        for position, key in enumerate(TOPICS):
            topics[key] = {
                "partitions": 4 * (1 + (index + position) % 8),
                "properties": {"max.message.bytes": str(10485760 + 1048576 * ((index + position) % 4))},
            }
    if index % 3 == 0:
        topics["workertask"] = {"partitions": 32}
        topics["workertaskresult"] = {"partitions": 32}
    if index % 4 == 1:
        kafka["defaults"]["consumer"] = {"properties": {"max.poll.records": 100 + index}}
    if index % 5 == 2:
        topics["logentry"] = {"properties": {"retention.ms": str(86400000 * (2 + index % 7))}}
    if topics:
        kafka["topics"] = topics
    return {"kestra": {"kafka": kafka}}


SHAPES = ("default", "heavy")


def files(n: int, shape: str = "default") -> dict[str, str]:
    """Relative path -> text of every file of the tree (shape heavy: 15 topic overrides per instance)."""
    heavy = shape == "heavy"
    out = {"config.yaml": to_yaml(config_layer(n), f"# kkc benchmark tree, N={n} targets (bench/generate.py)\n")}
    for env in ENVS:
        out[f"env/{env}.yaml"] = to_yaml(env_layer(env), "# @package _global_\n")
    for env, names in instances_per_env(n).items():
        for index, name in enumerate(names):
            out[f"instance/{name}.yaml"] = to_yaml(instance_layer(env, index, heavy), "# @package _global_\n")
    return out


def generate(n: int, directory: Path, shape: str = "default") -> list[str]:
    """Write the tree of N targets into DIRECTORY (replacing a tree written before); return the target ids."""
    if shape not in SHAPES:
        raise ValueError(f"shape must be one of {SHAPES}")
    for sub in ("env", "instance"):
        if (directory / sub).is_dir():
            shutil.rmtree(directory / sub)
    for rel, text in files(n, shape).items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return [f"{env}/{name}" for env, names in instances_per_env(n).items() for name in names]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", type=int, metavar="N", help="number of targets (at least 3)")
    parser.add_argument("directory", type=Path, metavar="DIR", help="where to write the tree")
    parser.add_argument("--shape", choices=SHAPES, default="default", help="heavy: 15 topic overrides per instance")
    args = parser.parse_args()
    targets = generate(args.n, args.directory, args.shape)
    print(f"wrote {len(targets)} targets under {args.directory}")


if __name__ == "__main__":
    main()
