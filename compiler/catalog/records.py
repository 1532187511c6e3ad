"""What the catalog knows about a key, and what it finds wrong with one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import field
from typing import Literal, TypeVar

from compiler.catalog.validators import Validator, _parse_validator_cached
from compiler.catalog.versions import LATEST, _at_least, _before
from compiler.records import record

ProblemKind = Literal[
    "type",
    "enum",
    "range",
    "removed-value",
    "deprecated-value",
    "removed-key",
    "deprecated-key",
    "not-yet-added",
]
Level = Literal["error", "warning"]


@record
class KeyInfo:
    """One Kafka configuration key definition.

    ``scopes`` are the sections that declare this definition (a ``common`` row: admin, consumer,
    producer); ``origin`` is the catalog scope it came from (``common``, ``producer``, ..., ``dynamic``).
    ``default`` is None for ``null`` and for required keys (``required``; :meth:`required_at` for another
    version). Versions are ``"X.Y"``;
    ``added``/``removed`` are None when the key exists at the edge of 3.0-4.3.
    ``removed_values``/``deprecated_values``/``added_values`` map a value to the version of the change.
    ``valid`` is the 4.3 validator; :meth:`validator_at` gives the one of another version.
    """

    name: str
    scopes: tuple[str, ...]
    type: str
    default: str | None
    valid: Validator
    added: str | None = None
    deprecated: str | None = None
    deprecated_note: str | None = None
    removed: str | None = None
    removed_values: Mapping[str, str] = field(default_factory=dict, hash=False)
    deprecated_values: Mapping[str, str] = field(default_factory=dict, hash=False)
    added_values: Mapping[str, str] = field(default_factory=dict, hash=False)
    value_replacements: Mapping[str, str] = field(default_factory=dict, hash=False)
    note: str = ""
    origin: str = ""
    required: bool = False
    internal: bool = False
    accepted_before_added: bool = False
    default_text: str | None = None
    valid_history: tuple[tuple[str, str, bool], ...] = ()
    default_history: tuple[tuple[str, str | None], ...] = ()
    required_history: tuple[tuple[str, bool], ...] = ()

    def present_in(self, kafka_version: str) -> bool:
        """Whether Kafka ``kafka_version`` accepts the key (declared, or honoured before declared)."""
        if _at_least(kafka_version, self.removed):
            return False
        return self.accepted_before_added or not _before(kafka_version, self.added)

    def validator_at(self, kafka_version: str = LATEST) -> Validator:
        """The validator in force in ``kafka_version``."""
        step = _in_force(self.valid_history, kafka_version)
        return self.valid if step is None else _parse_validator_cached(step[1])

    def checked_at_construction(self, kafka_version: str = LATEST) -> bool:
        """True when this version had no ConfigDef validator and the client checked the value itself."""
        step = _in_force(self.valid_history, kafka_version)
        return step is not None and step[2]

    def default_at(self, kafka_version: str = LATEST) -> str | None:
        """The default in ``kafka_version`` (None for null/required)."""
        step = _in_force(self.default_history, kafka_version)
        return self.default if step is None else step[1]

    def required_at(self, kafka_version: str = LATEST) -> bool:
        """Whether the key has no default (must be set) in ``kafka_version``."""
        step = _in_force(self.required_history, kafka_version)
        return self.required if step is None else step[1]


_Step = TypeVar("_Step", tuple[str, str, bool], tuple[str, str | None], tuple[str, bool])


def _in_force(steps: Sequence[_Step], kafka_version: str) -> _Step | None:
    """The history step in force in ``kafka_version``; the first one also covers earlier versions."""
    chosen = steps[0] if steps else None
    for step in steps:
        if _at_least(kafka_version, step[0]):
            chosen = step
    return chosen


@record
class Problem:
    """One finding about a key or value. ``message`` is Kafka's own text where Kafka has one."""

    kind: ProblemKind
    level: Level
    key: str
    message: str
    hint: str | None = None


@record
class StreamsForced:
    """A client setting Kafka Streams overrides; a user value is dropped and logged.

    ``when`` is ``always`` or ``exactly_once`` (processing.guarantee other than at_least_once).
    """

    client: str
    key: str
    value: str
    when: str
    since: str | None
