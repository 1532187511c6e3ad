"""Compile and check targets across processes (--jobs), handing each result back in target order.

Targets go to the workers in turn (target i to worker i mod J), and each worker streams one framed
message per target through its own pipe as soon as it is done. The parent reads the pipes in target
order, so it applies the results in exactly the order a serial run would (the run's output does not
depend on J), while the workers keep running ahead: a pipe holds up to 1 MiB of results, and a
worker whose pipe is full waits only until the parent reaches its next target, which the parent can
always read. Memory stays flat in N in every process: nothing is kept past its message.

Workers are forked: they start with the parent's loaded tree and imported modules, and leave with
os._exit (no clean-up of the parent's state). Where there is no fork, the run is serial.
"""

from __future__ import annotations

import contextlib
import os
import struct
from collections.abc import Callable, Generator
from typing import Any

from compiler.errors import UsageError

_LENGTH = struct.Struct("<Q")
MIN_PER_WORKER = 8  # below this many targets per worker, forking costs more than it saves


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def workers_for(jobs: int, count: int) -> int:
    """How many worker processes `count` targets get with --jobs `jobs` (0: run them in this process)."""
    if jobs <= 1 or not hasattr(os, "fork"):
        return 0
    workers = min(jobs, count // MIN_PER_WORKER)
    return workers if workers > 1 else 0


class WorkerLost(UsageError):
    """A worker process ended before sending its results: killed (the out-of-memory killer, a signal)."""

    def __init__(self) -> None:
        super().__init__(
            "a worker process ended before sending its results (killed, or out of memory?); nothing was "
            "written; run again, or with --jobs 1"
        )


class WorkerFailed(Exception):
    """A worker process ended without sending its results (killed, or a bug; its traceback is the message)."""


def fan_out(items: list[Any], workers: int, compute: Callable[[Any], Any]) -> Generator[Any, None, None]:
    """compute(item) for every item, in `workers` forked processes, yielded in the order of `items`.

    `compute` runs in a worker and returns a picklable value; an exception it raises ends that worker,
    and reaches the parent as WorkerFailed carrying the traceback when the parent gets to that item."""
    pipes: list[int] = []
    pids: list[int] = []
    try:
        for index in range(workers):
            read_end, write_end = os.pipe()
            with contextlib.suppress(ImportError, OSError, AttributeError):
                import fcntl  # Linux: a pipe of 1 MiB, so a worker seldom waits for the parent

                fcntl.fcntl(write_end, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
            try:
                pid = os.fork()
            except OSError:  # no more processes allowed (a container's pids limit): do it all here instead
                os.close(read_end)
                os.close(write_end)
                for started in pids:
                    os.kill(started, 9)
                yield from (compute(item) for item in items)
                return
            if pid == 0:  # the worker: whatever happens, it never returns into the parent's code
                try:
                    os.close(read_end)
                    for other in pipes:
                        os.close(other)
                    _serve(items[index::workers], compute, write_end)
                finally:
                    os._exit(1)
            os.close(write_end)
            pipes.append(read_end)
            pids.append(pid)
        feeds = [os.fdopen(fd, "rb", buffering=1 << 16) for fd in pipes]
        pipes = []
        try:
            for index in range(len(items)):
                yield _receive(feeds[index % workers])
        finally:
            for feed in feeds:
                feed.close()
    finally:
        for fd in pipes:
            os.close(fd)
        for pid in pids:
            _reap(pid)


def _serve(items: list[Any], compute: Callable[[Any], Any], write_end: int) -> None:
    import pickle
    import traceback

    code = 0
    try:
        with os.fdopen(write_end, "wb", buffering=1 << 16) as out:
            for item in items:
                try:
                    data = pickle.dumps((True, compute(item)), protocol=pickle.HIGHEST_PROTOCOL)
                except BaseException:  # noqa: BLE001 - sent to the parent, which raises it at this item
                    data = pickle.dumps((False, traceback.format_exc()))
                    code = 1
                out.write(_LENGTH.pack(len(data)))
                out.write(data)
                if code:
                    break
    except BrokenPipeError:
        code = 0  # the parent stopped reading (it met an error at an earlier item): nothing is lost
    except BaseException:  # noqa: BLE001 - a worker never runs the parent's clean-up
        code = 1
    finally:
        os._exit(code)


def _receive(feed: Any) -> Any:
    import pickle

    head = feed.read(_LENGTH.size)
    if len(head) != _LENGTH.size:
        raise WorkerLost()
    (length,) = _LENGTH.unpack(head)
    body = feed.read(length)
    if len(body) != length:
        raise WorkerLost()
    ok, value = pickle.loads(body)
    if not ok:
        raise WorkerFailed(value)
    return value


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError, ProcessLookupError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == 0:  # still running: the parent stopped early (an error); the worker is not needed
            os.kill(pid, 9)
            os.waitpid(pid, 0)
