"""`@record`: kkc's data classes, made cheaply at import.

A record is a dataclass whose fields mypy treats as read-only (PEP 681's frozen_default): mypy
--strict, which the tests run over compiler/, refuses an assignment to a field as it does for
`@dataclass(frozen=True)`. Instances compare, hash and print by value, as frozen dataclasses do.
`@record(frozen=False)` is a mutable one: assignable, compared by value, no hash.

Why not `@dataclass(frozen=True)`: Python 3.11's dataclasses compile each generated method from
source at import, six per frozen class, and a frozen instance sets every field through
`object.__setattr__`. For kkc's 72 such classes that was about 25 ms of a 140 ms pre-commit check
of one small file. Here dataclasses generate `__init__` alone; `__eq__`, `__hash__` and `__repr__`
are shared functions reading each class's fields through one `operator.attrgetter`.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform, overload

_T = TypeVar("_T")


class _Shape:
    """What the shared methods read of one record class: its compared, hashed and shown fields."""

    __slots__ = ("compared", "hashed", "names", "shown")

    def __init__(self, compared: list[str], hashed: list[str], shown: list[str]) -> None:
        self.compared = _getter(compared)
        self.hashed = _getter(hashed)
        self.names = tuple(shown)
        self.shown = _getter(shown)


def _getter(names: list[str]) -> Callable[[object], tuple[object, ...]]:
    """A function giving the named attributes as a tuple (attrgetter gives a bare value for one name)."""
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    if not names:
        return lambda obj: ()
    got: Callable[[object], tuple[object, ...]] = attrgetter(*names)
    return got


def _eq(self: Any, other: object) -> bool:
    shape: _Shape = self._record
    if other.__class__ is self.__class__:
        return shape.compared(self) == shape.compared(other)
    return NotImplemented  # type: ignore[no-any-return]


def _hash(self: Any) -> int:
    return hash(self._record.hashed(self))


@reprlib.recursive_repr()  # as dataclasses' own: a record that holds itself prints "..." there
def _repr(self: Any) -> str:
    shape: _Shape = self._record
    shown = ", ".join(f"{name}={value!r}" for name, value in zip(shape.names, shape.shown(self), strict=True))
    return f"{self.__class__.__qualname__}({shown})"


@overload
def record(cls: type[_T], /) -> type[_T]: ...


@overload
def record(*, slots: bool = False, kw_only: bool = False, frozen: bool = True) -> Callable[[type[_T]], type[_T]]: ...


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(
    cls: type[_T] | None = None, /, *, slots: bool = False, kw_only: bool = False, frozen: bool = True
) -> type[_T] | Callable[[type[_T]], type[_T]]:
    """The decorator; `@record(frozen=False)` makes a mutable one, which, as a dataclass, has no hash."""

    def make(klass: type[_T]) -> type[_T]:
        own = dict(klass.__dict__)
        if klass.__doc__ is None:
            # dataclass would write one from inspect.signature, at import, for every class without one
            klass.__doc__ = klass.__name__
        made: Any = dataclass(klass, repr=False, eq=False, slots=slots, kw_only=kw_only)
        every = fields(made)
        made._record = _Shape(
            [f.name for f in every if f.compare],
            [f.name for f in every if (f.compare if f.hash is None else f.hash)],
            [f.name for f in every if f.repr],
        )
        for name, method in (("__eq__", _eq), ("__hash__", _hash if frozen else None), ("__repr__", _repr)):
            if name not in own:
                setattr(made, name, method)
        made_type: type[_T] = made
        return made_type

    return make if cls is None else make(cls)
