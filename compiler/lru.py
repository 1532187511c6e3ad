"""A bounded cache: what every target shares (config.yaml, an env file) stays, a file only one target
reads (its instance file) is dropped after a while, so a run's memory does not grow with its targets."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Lru(Generic[K, V]):
    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()

    def find(self, key: K) -> V | None:
        """The value kept for `key` (now the most recently used), or None."""
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def get(self, key: K, make: Callable[[], V]) -> V:
        """The value kept for `key`, else make() (kept, dropping the least recently used beyond `size`)."""
        items = self._items
        if key in items:
            items.move_to_end(key)
            return items[key]
        value = make()
        items[key] = value
        if len(items) > self.size:
            items.popitem(last=False)
        return value
