"""The Kafka 3.0-4.3 configuration catalog: which client, Streams and topic keys exist, and which values
Kafka accepts for them.

Data comes from the committed ``compiler/data/kafka-catalog.json`` (built by ``tools/build_catalog.py``
from the shared reference files) and is read lazily on first use.

Public API::

    SECTIONS = ("admin", "consumer", "producer", "streams", "topic")
    LATEST = "4.3"; KNOWN_VERSIONS = ("3.0", ..., "4.3")
    lookup(section, key, kafka_version=None) -> KeyInfo | None
    sections_of(key, kafka_version=None) -> tuple[str, ...]
    suggest(section, key, kafka_version=None) -> str | None
    known_keys(section, kafka_version=None) -> tuple[str, ...]
    check_value(info, value, kafka_version=LATEST) -> Problem | None
    problems(info, value, kafka_version=LATEST) -> tuple[Problem, ...]
    key_status(info, kafka_version=LATEST) -> Problem | None
    streams_forced(key, kafka_version=LATEST) -> StreamsForced | None
    parse_validator(text) -> Validator; parse_version(text) -> tuple[int, int, int]

Semantics worth knowing:

* ``producer``/``consumer``/``admin`` know their own keys plus the shared ``common`` (SSL/SASL/security)
  keys. ``topic`` knows the broker's topic keys.
* ``streams`` knows StreamsConfig keys; un-prefixed producer/consumer/admin/common keys (Streams hands them
  to every embedded client whose ConfigDef declares them); and the prefixed forms ``producer.``,
  ``consumer.``, ``main.consumer.``, ``restore.consumer.``, ``global.consumer.``, ``admin.`` and
  ``topic.``, which resolve to the underlying client or topic key (``KeyInfo.name`` is the un-prefixed
  name, the one Kafka prints in its errors).
* Dynamic families are known too: ``config.providers.<name>.class``, ``config.providers.<name>.param.*``,
  ``metrics.context.*`` (clients and Streams) and ``client.tag.*`` (Streams).
* Lookups ignore versions unless one is given: a removed or not-yet-added key is still found, and
  :func:`key_status` says why it is a problem. When several definitions apply (a Streams key that moved,
  e.g. ``retries``), the one present in ``kafka_version`` (default: ``LATEST``) wins.
* Values are checked as a ``.properties`` string, exactly as ``ConfigDef.parseType`` and the key's
  validator in that Kafka version would; messages use Kafka's wording
  (``Invalid value ALL for configuration acks: String must be one of: all, -1, 0, 1``).
* An unknown key (``lookup`` returns None) is harmless to the Java clients, which only log it and hand it
  to plug-ins (serializers, interceptors, ...), but the broker rejects unknown topic keys, so for the
  ``topic`` section and Streams' ``topic.`` prefix it is a hard error.
* Problems on keys Kafka merely ignores (removed or not-yet-added client keys, deprecations) are
  warnings; on topic keys (the broker rejects unknown names) and on invalid values they are errors.

Layout (each module imports only the ones listed before it, so there are no cycles):
``versions`` (known versions, ``parse_version``), ``java`` (Java string/number behaviour), ``validators``
(``Validator``, ``parse_validator``), ``records`` (``KeyInfo``, ``Problem``, ``StreamsForced``), ``load``
(the JSON file), ``lookups``, ``status`` (``key_status``) and ``values`` (``problems``, ``check_value``).
"""

from __future__ import annotations

from compiler.catalog.load import _catalog as _catalog
from compiler.catalog.lookups import known_keys, lookup, sections_of, streams_forced, suggest
from compiler.catalog.records import KeyInfo, Level, Problem, ProblemKind, StreamsForced
from compiler.catalog.status import key_status
from compiler.catalog.validators import Validator, parse_validator
from compiler.catalog.values import check_value, problems
from compiler.catalog.versions import KNOWN_VERSIONS, LATEST, SECTIONS, parse_version

__all__ = [
    "KNOWN_VERSIONS",
    "LATEST",
    "SECTIONS",
    "KeyInfo",
    "Level",
    "Problem",
    "ProblemKind",
    "StreamsForced",
    "Validator",
    "check_value",
    "key_status",
    "known_keys",
    "lookup",
    "parse_validator",
    "parse_version",
    "problems",
    "sections_of",
    "streams_forced",
    "suggest",
]
