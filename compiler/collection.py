"""When kkc's console entry lets the garbage collector run.

A run first loads modules and builds parsers, all of which live as long as the run: collecting while they
load only rescans them (a sixth of kkc's own time on one small file). The console entry pauses collection;
the command resumes it where its data starts (compile_all, validate's file check), with what is alive then
frozen out of later collections. main() called as a library leaves collection on or off as its caller set it.
"""

from __future__ import annotations

import gc

_paused: list[bool] = []  # [True] while collection is paused by pause_collection


def pause_collection() -> None:
    """No garbage collection while modules and parsers load (the console entry, cli.entry): what they build
    lives as long as the run. start_work resumes it."""
    if gc.isenabled():
        gc.disable()
        _paused[:] = [True]


def start_work() -> None:
    """The run's data starts here: garbage collection resumes if pause_collection paused it, with
    everything alive now left out of it (it lives as long as the run). Collection a caller turned off stays off."""
    if _paused:
        _paused.clear()
        gc.freeze()
        gc.enable()
