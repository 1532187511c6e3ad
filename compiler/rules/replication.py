"""Rules: replication."""

from __future__ import annotations

from compiler.rules.base import Rule

RULES: tuple[Rule, ...] = ()
