"""Regular expressions compiled on first use.

Compiling one costs 0.1-0.8 ms, and most runs (a pre-commit check of one small file) never need
most of kkc's patterns: the override grammar, Kubernetes names, docker compose interpolation,
`kkc:` directives, Java regex flags. A pattern used by every run stays a module-level `re.compile`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache


def lazy(pattern: str, flags: int = 0) -> Callable[[], re.Pattern[str]]:
    """A function returning `re.compile(pattern, flags)`, compiled at its first call."""

    @cache
    def compiled() -> re.Pattern[str]:
        return re.compile(pattern, flags)

    return compiled
