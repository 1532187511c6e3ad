"""The diagnostic ids of errors the pipeline's stages raise when they cannot go on.

Each stops the target it belongs to (nothing is written for it); `kkc validate` reports it beside
every other problem. Documented here so that `kkc rules` and docs/rules.md cover every id.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StageId:
    id: str
    stage: str  # the stage that raises it: load, layers, overrides, resolve, derive, emit, init
    summary: str
    why: str
    failing: str  # an input that gets it, as a user writes it
    passing: str  # the same input, corrected


STAGE_IDS: tuple[StageId, ...] = ()
